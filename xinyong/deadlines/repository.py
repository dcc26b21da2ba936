"""Queries of the deadline queues: one statement per page, filters on indexed columns; the
state filters become date thresholds worked out once per request from the calendar."""
from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import and_, false, func, or_, select, update
from sqlalchemy.orm import Session

from xinyong.deadlines import rules
from xinyong.law.loader import active_profile
from xinyong.models import Agency, Deadline
from xinyong.workdays import WorkCalendar


@dataclasses.dataclass(frozen=True)
class QueueFilter:
    org_id: int | None = None          # only deadlines this organisation is responsible for
    procedure: str | None = None
    state: str | None = None           # on_time | due_soon | overdue
    include_done: bool = False


def _due_soon_days(rule_keys: list[str], today: dt.date) -> dict[str, int]:
    profile, found = active_profile(), {}
    for key in rule_keys:
        try:
            found[key] = int(profile.rule(key, today).value.get("due_soon_working_days", 1))
        except Exception:  # noqa: BLE001 - a key no longer in force: the usual one day
            found[key] = 1
    return found


def _state_condition(session: Session, state: str, today: dt.date, calendar: WorkCalendar):
    """A step is due soon when at most n working days are left, i.e. due before add(today, n+1)."""
    if state == rules.OVERDUE:
        return and_(Deadline.due_on < today, Deadline.rule_key.not_in(rules.period_keys(active_profile())))
    keys = list(session.scalars(select(Deadline.rule_key).where(Deadline.completed_at.is_(None)).distinct()))
    soon = _due_soon_days(keys, today)
    cutoffs = {n: calendar.add(today, n + 1).on for n in set(soon.values())}
    within = or_(false(), *(and_(Deadline.rule_key == k, Deadline.due_on < cutoffs[n]) for k, n in soon.items()))
    if state == rules.DUE_SOON:
        return and_(Deadline.due_on >= today, within)
    return and_(Deadline.due_on >= today, ~within)


def queue(session: Session, f: QueueFilter, today: dt.date, calendar: WorkCalendar, limit: int,
          offset: int = 0) -> list[tuple[Deadline, str | None]]:
    """Deadlines (with the responsible organisation's name), soonest first."""
    stmt = (select(Deadline, Agency.name).outerjoin(Agency, Agency.id == Deadline.responsible_org_id)
            .order_by(Deadline.due_on, Deadline.id).limit(limit).offset(offset))
    if not f.include_done:
        stmt = stmt.where(Deadline.completed_at.is_(None))
    if f.org_id is not None:
        stmt = stmt.where(Deadline.responsible_org_id == f.org_id)
    if f.procedure:
        stmt = stmt.where(Deadline.procedure == f.procedure)
    if f.state:
        stmt = stmt.where(_state_condition(session, f.state, today, calendar))
    return [(d, name) for d, name in session.execute(stmt).all()]


def visible(session: Session, deadline_id: int, org_id: int | None) -> Deadline | None:
    stmt = select(Deadline).where(Deadline.id == deadline_id)
    if org_id is not None:
        stmt = stmt.where(Deadline.responsible_org_id == org_id)
    return session.scalars(stmt).first()


NEWLY_OVERDUE = (Deadline.completed_at.is_(None), Deadline.overdue_marked_on.is_(None))


_SWEPT = (Deadline.id, Deadline.procedure, Deadline.procedure_id, Deadline.step, Deadline.due_on, Deadline.extensions,
          Deadline.responsible_org_id, Deadline.responsible_role, Deadline.citation)


def newly_overdue(session: Session, today: dt.date) -> list:
    periods = rules.period_keys(active_profile())
    return list(session.execute(select(*_SWEPT).where(*NEWLY_OVERDUE, Deadline.due_on < today,
                                                      Deadline.rule_key.not_in(periods)).order_by(Deadline.id)).all())


def elapsed_periods(session: Session, today: dt.date) -> list:
    """Open period steps whose period has run (closed by the sweep, nobody told they are late)."""
    periods = rules.period_keys(active_profile())
    return list(session.execute(select(*_SWEPT).where(Deadline.completed_at.is_(None), Deadline.due_on < today,
                                                      Deadline.rule_key.in_(periods)).order_by(Deadline.id)).all())


def close_periods(session: Session, ids: list[int], now: dt.datetime) -> int:
    """One UPDATE per chunk: a period ends on its last day."""
    done = 0
    for i in range(0, len(ids), 5000):
        result = session.execute(update(Deadline).where(Deadline.id.in_(ids[i:i + 5000]), Deadline.completed_at.is_(None))
                                 .values(completed_at=now, completed_on=Deadline.due_on, outcome="elapsed")
                                 .execution_options(synchronize_session=False))
        done += result.rowcount or 0
    return done


def mark_overdue(session: Session, ids: list[int], today: dt.date) -> int:
    """One UPDATE for the rows found (chunked only for very long id lists)."""
    done = 0
    for i in range(0, len(ids), 5000):
        result = session.execute(update(Deadline).where(Deadline.id.in_(ids[i:i + 5000]), *NEWLY_OVERDUE)
                                 .values(overdue_marked_on=today).execution_options(synchronize_session=False))
        done += result.rowcount or 0
    return done


def counts(session: Session, today: dt.date, org_id: int | None = None) -> dict[str, int]:
    late = and_(Deadline.due_on < today, Deadline.rule_key.not_in(rules.period_keys(active_profile())))
    stmt = select(func.count(Deadline.id), func.count(Deadline.id).filter(late)).where(Deadline.completed_at.is_(None))
    if org_id is not None:
        stmt = stmt.where(Deadline.responsible_org_id == org_id)
    open_, overdue = session.execute(stmt).one()
    return {"open": open_, "overdue": overdue}
