"""The dashboard's aggregates. Every figure is one GROUP BY in SQL; nothing loops over rows.
Tables other domains are still building (lists, repair, objections) are read defensively:
inside a savepoint, so a table that does not exist yet shows as 0 and "not available"."""
from __future__ import annotations

import datetime as dt
import importlib

from sqlalchemy import Date, and_, case, cast, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, aliased

from xinyong.models import Agency, Batch, Deadline, Record


def _pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _days_between(session: Session, later, earlier_date):
    """Whole days from a date to the China-time date of a timestamp."""
    if _pg(session):
        return cast(func.timezone("Asia/Shanghai", later), Date) - earlier_date
    return func.julianday(func.date(later, "+8 hours")) - func.julianday(earlier_date)


def _days_between_instants(session: Session, later, earlier):
    if _pg(session):
        return func.extract("epoch", later - earlier) / 86400.0
    return func.julianday(later) - func.julianday(earlier)


def volumes(session: Session) -> list[tuple]:
    """(agency id, agency name, catalogue item, records) — records held, by source and item."""
    return list(session.execute(
        select(Record.source_agency_id, Agency.name, Record.item_code, func.count())
        .join(Agency, Agency.id == Record.source_agency_id, isouter=True)
        .group_by(Record.source_agency_id, Agency.name, Record.item_code)
        .order_by(func.count().desc(), Record.item_code)))


def timeliness(session: Session) -> list[tuple]:
    """(agency id, name, records, average days, longest days): days from the decision date to
    the day (China time) the record first arrived (version 1; a re-sent correction would restart the clock)."""
    days = _days_between(session, Record.received_at, Record.decision_date)
    return list(session.execute(
        select(Record.source_agency_id, Agency.name, func.count(), func.avg(days), func.max(days))
        .join(Agency, Agency.id == Record.source_agency_id, isouter=True)
        .where(Record.version == 1)
        .group_by(Record.source_agency_id, Agency.name).order_by(Agency.name)))


def rejections(session: Session) -> list[tuple]:
    """(agency id, name, batches, refused batches, rows, rejected rows)."""
    return list(session.execute(
        select(Batch.agency_id, Agency.name, func.count(),
               func.sum(case((Batch.status == "refused", 1), else_=0)),
               func.coalesce(func.sum(Batch.total_rows), 0), func.coalesce(func.sum(Batch.rejected_rows), 0))
        .join(Agency, Agency.id == Batch.agency_id, isouter=True)
        .group_by(Batch.agency_id, Agency.name).order_by(Agency.name)))


def time_to_correct(session: Session) -> list[tuple]:
    """(agency id, name, batches with rejections, re-sent, average days to the re-send, not yet re-sent).

    A batch with rejected rows (or refused whole) counts as corrected by the agency's next batch
    of the same catalogue item; the time to correct is the time between the two arrivals."""
    later = aliased(Batch)
    next_at = (select(func.min(later.received_at))
               .where(later.agency_id == Batch.agency_id, later.item_code == Batch.item_code, later.id > Batch.id)
               .correlate(Batch).scalar_subquery())
    flawed = (select(Batch.agency_id.label("agency_id"), next_at.label("next_at"),
                     Batch.received_at.label("at"))
              .where((Batch.rejected_rows > 0) | (Batch.status == "refused")).subquery())
    days = _days_between_instants(session, flawed.c.next_at, flawed.c.at)
    return list(session.execute(
        select(flawed.c.agency_id, Agency.name, func.count(), func.count(flawed.c.next_at), func.avg(days),
               func.sum(case((flawed.c.next_at.is_(None), 1), else_=0)))
        .join(Agency, Agency.id == flawed.c.agency_id, isouter=True)
        .group_by(flawed.c.agency_id, Agency.name).order_by(Agency.name)))


def deadline_compliance(session: Session, today: dt.date) -> list[tuple]:
    """(procedure, done on time, done late, open and overdue, open on time); periods given to
    subjects (e.g. the notice before listing) are no one's task and are left out."""
    from xinyong.deadlines.rules import period_keys
    from xinyong.law.loader import active_profile
    done = Deadline.completed_on.is_not(None)
    return list(session.execute(
        select(Deadline.procedure,
               func.sum(case((and_(done, Deadline.completed_on <= Deadline.due_on), 1), else_=0)),
               func.sum(case((and_(done, Deadline.completed_on > Deadline.due_on), 1), else_=0)),
               func.sum(case((and_(~done, Deadline.due_on < today), 1), else_=0)),
               func.sum(case((and_(~done, Deadline.due_on >= today), 1), else_=0)))
        .where(Deadline.rule_key.not_in(period_keys(active_profile())))
        .group_by(Deadline.procedure).order_by(Deadline.procedure)))


# (label, module, class, grouping columns) of other domains' tables
PROCEDURE_TABLES = (
    ("list_entries", "xinyong.models.listing", "ListEntry", ("kind", "status")),
    ("list_proposals", "xinyong.models.listing", "ListProposal", ("kind", "status")),
    ("repair_applications", "xinyong.models.repair", "RepairApplication", ("status",)),
    ("objections", "xinyong.models.objection", "Objection", ("status",)),
    ("complaints", "xinyong.models.complaint", "Complaint", ("status",)),
)


def procedure_counts(session: Session) -> dict[str, dict]:
    """{table: {"available": bool, "rows": [(group..., count)]}} — one GROUP BY per table."""
    out: dict[str, dict] = {}
    for label, module_name, class_name, columns in PROCEDURE_TABLES:
        cls = getattr(importlib.import_module(module_name), class_name, None)
        cols = [getattr(cls, c, None) for c in columns] if cls is not None else []
        if cls is None or any(c is None for c in cols):
            out[label] = {"available": False, "rows": []}
            continue
        try:
            with session.begin_nested():
                rows = session.execute(select(*cols, func.count()).group_by(*cols).order_by(*cols)).all()
            out[label] = {"available": True, "rows": [tuple(r) for r in rows]}
        except SQLAlchemyError:
            out[label] = {"available": False, "rows": []}
    return out
