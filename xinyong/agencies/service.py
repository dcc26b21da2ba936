"""Registration of agencies (public bodies and other organisations) by credit-department staff."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum.cn import uscc as std_uscc
from stdnum.exceptions import ValidationError

from xinyong import clock
from xinyong.agencies import standing
from xinyong.audit import record_event
from xinyong.kit.access import Principal
from xinyong.kit.errors import Conflict, InvalidInput, NotFound
from xinyong.models import Agency, Subject
from xinyong.subjects.rules import kind_from_uscc
from xinyong.models.agency import ORG_KINDS


NAME_MAX = 200  # the column's size


def normalise_uscc(value: str, field: str = "uscc") -> str:
    """GB 32100 check through python-stdnum; the error names the field."""
    try:
        return std_uscc.validate(value)
    except ValidationError as exc:
        raise InvalidInput(f"统一社会信用代码无效：{exc}", field=field,
                           message_en=f"{field}: invalid unified social credit code ({exc})") from None


def register(session: Session, *, uscc: str, name: str, kind: str = "public_body",
             registered_by: int | None = None, actor: Principal | None = None) -> Agency:
    code = normalise_uscc(uscc)
    name = (name or "").strip()
    if not name:
        raise InvalidInput("机构名称不能为空", field="name", message_en="name: required")
    if len(name) > NAME_MAX:
        raise InvalidInput(f"机构名称不能超过{NAME_MAX}个字符", field="name",
                           message_en=f"name: at most {NAME_MAX} characters")
    if kind not in ORG_KINDS:
        raise InvalidInput(f"未知机构类型 {kind}", field="kind", message_en=f"kind: one of {', '.join(ORG_KINDS)}")
    if session.scalar(select(Agency.id).where(Agency.uscc == code)) is not None:
        raise Conflict(f"机构 {code} 已登记", field="uscc", message_en=f"agency {code} is already registered")
    agency = Agency(uscc=code, name=name, kind=kind, registered_by=registered_by, registered_at=clock.now())
    session.add(agency)
    _ensure_subject(session, code, name)
    session.flush()
    if actor is None and registered_by is not None:
        actor = Principal(user_id=registered_by, username="", role="")
    record_event(session, actor, "agency.register", target_type="agency", target_id=agency.id,
                 subject_id=session.scalar(select(Subject.id).where(Subject.uscc == code)),
                 details={"uscc": code, "name": name, "kind": kind})
    return agency


def _ensure_subject(session: Session, code: str, name: str) -> None:
    """An organisation is also a credit subject (a public body's own record: QZ art. 26-27)."""
    if session.scalar(select(Subject.id).where(Subject.uscc == code)) is None:
        session.add(Subject(kind=kind_from_uscc(code, "legal_person"), name=name, uscc=code,
                            created_at=clock.now()))


def by_uscc(session: Session, uscc: str) -> Agency | None:
    return session.scalar(select(Agency).where(Agency.uscc == uscc.strip().upper()))


def get(session: Session, agency_id: int) -> Agency:
    agency = session.get(Agency, agency_id)
    if agency is None:
        raise NotFound("机构不存在", message_en="no such agency")
    return agency


def list_all(session: Session) -> list[Agency]:
    return list(session.scalars(select(Agency).order_by(Agency.name)))


def list_in_standing(session: Session) -> list[Agency]:
    """The organisations that may act now (xinyong.agencies.standing), by name."""
    return list(session.scalars(standing.organisations_in_standing(select(Agency)).order_by(Agency.name)))
