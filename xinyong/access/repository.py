"""Queries of the query gate: one statement per read, on indexed columns (the access log by
subject or organisation and time; records by subject)."""
from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.models import AccessLog, Agency, Authorisation, QueryItem, Record, Subject, User

RECORDS_LIMIT = 500


def records_for(session: Session, subject_id: int, item_codes: list[str],
                limit: int = RECORDS_LIMIT) -> list[tuple[Record, str]]:
    """A subject's active records of the given items, public or not, with their source agency:
    one query on ix_records_subject_date (subject_id, then newest first)."""
    if not item_codes:
        return []
    return [(r, name) for r, name in session.execute(records_statement(subject_id, item_codes, limit)).all()]


def records_statement(subject_id: int, item_codes: list[str], limit: int = RECORDS_LIMIT):
    return (select(Record, Agency.name).join(Agency, Agency.id == Record.source_agency_id)
            .where(Record.subject_id == subject_id, Record.item_code.in_(item_codes), Record.status == "active",
                   Record.disclosure != "market")   # market information is never mixed in (QZ art. 12)
            .order_by(Record.decision_date.desc(), Record.id.desc()).limit(limit))


# ---- the access log ------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class LogFilter:
    subject_id: int | None = None
    org_id: int | None = None
    allowed: bool | None = None
    date_from: dt.datetime | None = None   # inclusive
    date_to: dt.datetime | None = None     # exclusive


def _log_select():
    return (select(AccessLog, Agency.name, User.username, Subject.name)
            .outerjoin(Agency, Agency.id == AccessLog.org_id)
            .outerjoin(User, User.id == AccessLog.user_id)
            .outerjoin(Subject, Subject.id == AccessLog.subject_id))


def search_log(session: Session, where: LogFilter, limit: int, offset: int) -> list[tuple]:
    """(entry, organisation name, username, subject name), newest first."""
    stmt = _log_select()
    if where.subject_id is not None:
        stmt = stmt.where(AccessLog.subject_id == where.subject_id)
    if where.org_id is not None:
        stmt = stmt.where(AccessLog.org_id == where.org_id)
    if where.allowed is not None:
        stmt = stmt.where(AccessLog.allowed.is_(where.allowed))
    if where.date_from is not None:
        stmt = stmt.where(AccessLog.at >= where.date_from)
    if where.date_to is not None:
        stmt = stmt.where(AccessLog.at < where.date_to)
    stmt = stmt.order_by(AccessLog.at.desc(), AccessLog.id.desc()).limit(limit).offset(offset)
    return [tuple(row) for row in session.execute(stmt).all()]


def log_entry(session: Session, entry_id: int, subject_id: int | None = None, on: dt.date | None = None
              ) -> tuple | None:
    """One entry by id. ``on`` (the entry's date in any time zone, which the list's links carry)
    reads only the month(s) of that day and the days either side from the partitioned log;
    without it, or when the entry is not there, every month is read (one index probe each)."""
    stmt = _log_select().where(AccessLog.id == entry_id)
    if subject_id is not None:
        stmt = stmt.where(AccessLog.subject_id == subject_id)
    if on is not None:
        start = dt.datetime.combine(on, dt.time(), tzinfo=dt.timezone.utc)
        row = session.execute(stmt.where(AccessLog.at >= start - dt.timedelta(days=1),
                                         AccessLog.at < start + dt.timedelta(days=2))).first()
        if row:
            return tuple(row)
    row = session.execute(stmt).first()
    return tuple(row) if row else None


# ---- authorisations and query items --------------------------------------------------------------

def _authorisation_select():
    """(authorisation, grantee, role of whoever recorded it: "subject", or "staff" at the window)."""
    return (select(Authorisation, Agency, User.role).join(Agency, Agency.id == Authorisation.grantee_org_id)
            .outerjoin(User, User.id == Authorisation.granted_by))


def authorisations_of(session: Session, subject_id: int) -> list[tuple[Authorisation, Agency, str | None]]:
    stmt = (_authorisation_select().where(Authorisation.subject_id == subject_id)
            .order_by(Authorisation.granted_at.desc(), Authorisation.id.desc()))
    return [tuple(row) for row in session.execute(stmt).all()]


def authorisation_with_grantee(session: Session, auth_id: int) -> tuple[Authorisation, Agency, str | None] | None:
    row = session.execute(_authorisation_select().where(Authorisation.id == auth_id)).first()
    return tuple(row) if row else None


def query_items(session: Session, *, org_id: int | None = None, published_only: bool = False,
                limit: int = 500) -> list[tuple[QueryItem, Agency]]:
    stmt = select(QueryItem, Agency).join(Agency, Agency.id == QueryItem.org_id)
    if org_id is not None:
        stmt = stmt.where(QueryItem.org_id == org_id)
    if published_only:
        stmt = stmt.where(QueryItem.status == "published")
    stmt = stmt.order_by(Agency.name, QueryItem.id).limit(limit)
    return [(q, a) for q, a in session.execute(stmt).all()]


def query_item_with_org(session: Session, item_id: int) -> tuple[QueryItem, Agency] | None:
    row = session.execute(select(QueryItem, Agency).join(Agency, Agency.id == QueryItem.org_id)
                          .where(QueryItem.id == item_id)).first()
    return (row[0], row[1]) if row else None


def signatories(session: Session, subject_id: int, auth_ids: list[int]) -> dict[int, tuple[str | None, str | None]]:
    """Who signed each of these authorisations of the subject (one query; not the files)."""
    if not auth_ids:
        return {}
    rows = session.execute(select(Authorisation.id, Authorisation.signatory_name, Authorisation.signatory_capacity)
                           .where(Authorisation.id.in_(auth_ids), Authorisation.subject_id == subject_id)).all()
    return {i: (name, cap) for i, name, cap in rows}
