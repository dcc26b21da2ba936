"""Use cases of the query gate's data: subjects grant and revoke written authorisations (FZ art.
11, 13; QZ art. 33), credit-department staff record paper ones at the service window, and
agencies draft, publish and withdraw their query items (FZ art. 13 para. 2). Every change is
versioned (xinyong.history) and written to the audit log. Services flush, never commit."""
from __future__ import annotations

import base64
import binascii
import hashlib

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.access import gate, repository, rules
from xinyong.access import signatory
from xinyong.agencies import standing
from xinyong.access.schemas import AuthorisationIn, QueryItemIn
from xinyong.audit import record_event
from xinyong.history import change_context
from xinyong.kit.access import Principal
from xinyong.kit.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.kit.identifiers import InvalidIdentifier, check_uscc, resident_id_key
from xinyong.models import Agency, Authorisation, QueryItem, Subject

WINDOW_ROLES = ("staff",)


def _invalid(field: str, en: str, zh: str) -> InvalidInput:
    return InvalidInput(zh, field=field, message_en=en)


# ---- authorisations --------------------------------------------------------------------------------

def grant(session: Session, principal: Principal, data: AuthorisationIn, *, subject_id: int | None = None,
          lang: str = "zh", channel: str = "api") -> Authorisation:
    """A written authorisation: by the subject itself, or recorded by staff from a paper form."""
    if principal.role == "subject":
        subject_id, at_window = principal.subject_id, False
    elif principal.role in WINDOW_ROLES:
        at_window = True
        if not data.document_ref.strip():
            raise _invalid("document_ref", "a paper authorisation needs its number", "请填写书面授权书编号")
    else:
        raise Forbidden("仅信用主体本人或服务窗口可以作出授权",
                        message_en="only the subject, or the service window, grants")
    subject = session.get(Subject, subject_id) if subject_id is not None else None
    if subject is None:
        raise NotFound("未找到该信用主体", field="subject", message_en="no such credit subject")
    poa = _power_of_attorney(data.power_of_attorney_b64)
    problem = signatory.signatory_problem(subject.kind, subject.legal_rep_name, data.signatory_name,
                                          data.signatory_capacity, poa)
    if problem:
        raise _invalid(*problem)
    grantee, in_standing = standing.organisation(session, uscc=data.grantee_uscc)
    if grantee is None or not in_standing:
        raise _invalid("grantee_uscc", "choose a registered organisation", "请选择平台登记的机构")
    today, items = clock.today(), list(dict.fromkeys(i.strip() for i in data.items if i.strip()))
    valid_from = data.valid_from or today
    policy = gate.policy(today)
    problem = rules.grant_problem(items, data.purpose, valid_from, data.valid_to, today, data.restricted_consent, policy)
    if problem:
        raise _invalid(problem[0], problem[1], problem[2])
    restricted = any(i.startswith(rules.RESTRICTED_PREFIX) for i in items)
    notice = policy.consent_notice.get(lang, policy.consent_notice["zh"]) if restricted else None
    auth = Authorisation(subject_id=subject_id, grantee_org_id=grantee.id, items=items, purpose=data.purpose.strip(),
                         valid_from=valid_from, valid_to=data.valid_to, document_ref=data.document_ref.strip(),
                         restricted_consent=restricted and data.restricted_consent, consequences_notice=notice,
                         granted_by=principal.user_id, granted_at=clock.now(),
                         signatory_name=data.signatory_name.strip(), signatory_capacity=data.signatory_capacity,
                         power_of_attorney=poa if data.signatory_capacity == "agent" else None,
                         power_of_attorney_type=signatory.poa_type(poa) if poa and data.signatory_capacity == "agent"
                         else None,
                         power_of_attorney_sha256=hashlib.sha256(poa).hexdigest()
                         if poa and data.signatory_capacity == "agent" else None)
    change_context(session, user_id=principal.user_id, reason="granted at the service window" if at_window
                   else "granted by the subject")
    session.add(auth)
    session.flush()
    record_event(session, principal, "authorisation.grant", target_type="authorisation", target_id=auth.id,
                 subject_id=subject_id, details={
                     "grantee_org_id": grantee.id, "items": items, "valid_from": valid_from, "valid_to": data.valid_to,
                     "restricted_consent": auth.restricted_consent, "at_window": at_window, "channel": channel,
                     "signatory": auth.signatory_name, "capacity": auth.signatory_capacity,
                     "power_of_attorney_sha256": auth.power_of_attorney_sha256})
    return auth


def _power_of_attorney(b64: str) -> bytes | None:
    if not b64.strip():
        return None
    try:
        return base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError):
        raise _invalid("power_of_attorney", "the power of attorney is not valid base64",
                       "授权委托书文件无法读取") from None


def subject_for_window(session: Session, uscc: str | None, resident_id: str | None) -> int:
    """The subject a paper authorisation speaks for, by USCC or resident ID (found by keyed hash)."""
    if uscc and uscc.strip():
        found = session.scalar(select(Subject.id).where(Subject.uscc == uscc.strip().upper()))
    elif resident_id and resident_id.strip():
        found = session.scalar(select(Subject.id).where(Subject.resident_id_hash == resident_id_key(resident_id)))
    else:
        raise _invalid("subject", "give the subject's USCC or resident ID number",
                       "请填写统一社会信用代码或身份证号码")
    if found is None:
        raise NotFound("未找到该信用主体", field="subject", message_en="no such credit subject")
    return found


def subject_by_code(session: Session, code: str) -> int:
    """A subject by the code a window clerk types: its USCC, or a natural person's resident ID
    number (checked and normalised by kit.identifiers, as ingestion does: GB 11643)."""
    code = (code or "").strip()
    try:
        return subject_for_window(session, check_uscc(code), None)
    except InvalidIdentifier:
        return subject_for_window(session, None, code)


def revoke(session: Session, principal: Principal, auth_id: int, reason: str = "") -> Authorisation:
    """Revocation takes effect at once: the gate refuses the authorisation from now on."""
    auth = session.get(Authorisation, auth_id)
    if auth is None or (principal.role == "subject" and auth.subject_id != principal.subject_id):
        raise NotFound("授权不存在", message_en="no such authorisation")
    if principal.role not in ("subject", *WINDOW_ROLES):
        raise Forbidden("无权撤销授权", message_en="not allowed to revoke")
    if auth.revoked_at is not None:
        return auth
    why = reason.strip()[:500] or ("revoked by the subject" if principal.role == "subject" else "revoked at the window")
    change_context(session, user_id=principal.user_id, reason=why)
    auth.revoked_at, auth.revoked_by, auth.revocation_reason = clock.now(), principal.user_id, why
    session.flush()
    record_event(session, principal, "authorisation.revoke", target_type="authorisation", target_id=auth.id,
                 subject_id=auth.subject_id, details={"grantee_org_id": auth.grantee_org_id})
    return auth


def status_of(auth: Authorisation, today: dt.date | None = None) -> str:
    return rules.authorisation_status(auth.revoked_at is not None, auth.valid_from, auth.valid_to,
                                      today or clock.today())


# ---- query items -----------------------------------------------------------------------------------

def _own_agency(principal: Principal) -> int:
    if principal.role != "agency" or principal.agency_id is None:
        raise Forbidden("仅公共管理机构可以管理查询事项", message_en="only a public body manages query items")
    return principal.agency_id


def create_query_item(session: Session, principal: Principal, data: QueryItemIn) -> QueryItem:
    """A draft query item; it is no basis until published (FZ art. 13 para. 2: 向社会公布)."""
    org_id = _own_agency(principal)
    items = list(dict.fromkeys(i.strip() for i in data.items if i.strip()))
    policy = gate.policy()
    bad = [i for i in items if i.startswith(rules.RESTRICTED_PREFIX) or not policy.known(i)
           or i in policy.consent_only]
    if not items or bad:
        raise _invalid("items", f"choose catalogue items (not restricted classes, nor items read only on the "
                       f"subject's written authorisation): {', '.join(bad)}",
                       f"请选择信息目录中的项目（受限信息类别和须经信用主体书面授权方可查询的项目不能列入查询事项）："
                       f"{policy.zh(bad)}")
    if not data.matter.strip() or not data.legal_basis.strip():
        raise _invalid("matter", "state the administrative matter and its legal basis",
                       "请填写行政管理事项及其依据")
    qi = QueryItem(org_id=org_id, matter=data.matter.strip(), items=items, legal_basis=data.legal_basis.strip(),
                   status="draft", created_by=principal.user_id, created_at=clock.now())
    session.add(qi)
    session.flush()
    record_event(session, principal, "query_item.create", target_type="query_item", target_id=qi.id,
                 details={"org_id": org_id, "items": items})
    return qi


def own_query_item(session: Session, principal: Principal, item_id: int) -> QueryItem:
    org_id = _own_agency(principal)
    qi = session.get(QueryItem, item_id)
    if qi is None or qi.org_id != org_id:
        raise NotFound("查询事项不存在", message_en="no such query item")
    return qi


def publish_query_item(session: Session, principal: Principal, item_id: int) -> QueryItem:
    qi = own_query_item(session, principal, item_id)
    if qi.status != "draft":
        raise Conflict(f"查询事项状态为 {qi.status}，只能公布草稿",
                       message_en=f"only a draft can be published ({qi.status})")
    change_context(session, user_id=principal.user_id, reason="published on the portal")
    qi.status, qi.published_at = "published", clock.now()
    session.flush()
    record_event(session, principal, "query_item.publish", target_type="query_item", target_id=qi.id,
                 details={"org_id": qi.org_id, "items": list(qi.items)})
    return qi


def withdraw_query_item(session: Session, principal: Principal, item_id: int) -> QueryItem:
    qi = own_query_item(session, principal, item_id)
    if qi.status == "withdrawn":
        raise Conflict("查询事项已撤回", message_en="the query item is already withdrawn")
    change_context(session, user_id=principal.user_id, reason="withdrawn")
    previous = qi.status
    qi.status, qi.withdrawn_at = "withdrawn", clock.now()
    session.flush()
    record_event(session, principal, "query_item.withdraw", target_type="query_item", target_id=qi.id,
                 details={"org_id": qi.org_id, "was": previous})
    return qi


def visible_query_item(session: Session, principal: Principal, item_id: int) -> tuple[QueryItem, Agency]:
    """Published items are public; drafts and withdrawn ones only to their own agency (else 404)."""
    found = repository.query_item_with_org(session, item_id)
    if found is None or (found[0].status != "published" and principal.agency_id != found[0].org_id):
        raise NotFound("查询事项不存在", message_en="no such query item")
    return found
