"""Queries of the key occupational groups: the groups an organisation is competent for, and one
page of a group's records (one query; the subject joined in for masking)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.models import Agency, Record, Subject
from xinyong.models.credit_service import SectorAuthority

FIELD = "profession"   # the field code both occupational items give the profession


def competent_for(session: Session, agency_id: int | None) -> set[str]:
    if agency_id is None:
        return set()
    return set(session.scalars(select(SectorAuthority.profession).where(
        SectorAuthority.agency_id == agency_id, SectorAuthority.active.is_(True))))


def authorities(session: Session, limit: int = 500) -> list[tuple[SectorAuthority, str]]:
    return [tuple(r) for r in session.execute(
        select(SectorAuthority, Agency.name).join(Agency, Agency.id == SectorAuthority.agency_id)
        .where(SectorAuthority.active.is_(True)).order_by(SectorAuthority.profession, Agency.name).limit(limit))]


def existing(session: Session, agency_id: int, profession: str) -> SectorAuthority | None:
    return session.scalar(select(SectorAuthority).where(SectorAuthority.agency_id == agency_id,
                                                        SectorAuthority.profession == profession))


def public_bodies(session: Session, limit: int = 500) -> list[Agency]:
    return list(session.scalars(select(Agency).where(Agency.kind == "public_body", Agency.active.is_(True))
                                .order_by(Agency.name).limit(limit)))


def records(session: Session, item_codes: list[str], values: list[str], *, limit: int,
            offset: int) -> list[tuple[Record, Subject]]:
    """Active records of the occupational items whose profession is one of ``values``, newest first."""
    if not item_codes or not values:
        return []
    query = (select(Record, Subject).join(Subject, Subject.id == Record.subject_id)
             .where(Record.item_code.in_(item_codes), Record.status == "active",
                    Record.fields[FIELD].as_string().in_(values))
             .order_by(Record.decision_date.desc(), Record.id.desc()).limit(limit).offset(offset))
    return [tuple(r) for r in session.execute(query)]
