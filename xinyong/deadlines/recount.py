"""Deadlines follow the calendar in force when they are read: when an administrator loads (or
replaces) a year's holiday table, every open deadline counted over that year is counted again
on the new calendar. One query reads the open deadlines whose counted days touch the year, the
pure count runs in memory, one executemany UPDATE writes the rows that changed; each moved
deadline is audited (on its subject's chain) and its subject and responsible party are told
(one INSERT of notifications). Flushes, never commits."""
from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from xinyong.audit import record_event
from xinyong.deadlines import rules, wording
from xinyong.kit.access import Principal
from xinyong.law.loader import active_profile
from xinyong.models import Deadline
from xinyong.notifications.service import notify_many
from xinyong.workdays import WorkCalendar, load_calendar

_READ = (Deadline.id, Deadline.subject_id, Deadline.procedure, Deadline.procedure_id, Deadline.step,
         Deadline.rule_key, Deadline.started_on, Deadline.working_days, Deadline.extensions, Deadline.due_on,
         Deadline.provisional, Deadline.overdue_marked_on, Deadline.responsible_org_id, Deadline.responsible_role)


@dataclasses.dataclass(frozen=True)
class Change:
    id: int
    subject_id: int | None
    procedure: str
    procedure_id: int
    step: str
    old_due_on: dt.date
    new_due_on: dt.date
    old_provisional: bool
    new_provisional: bool
    overdue_mark_withdrawn: dt.date | None    # the sweep's mark, withdrawn when the step is not late after all
    responsible_org_id: int | None
    responsible_role: str | None

    @property
    def moved(self) -> bool:
        return self.old_due_on != self.new_due_on


def recount_year(session: Session, actor: Principal | None, year: int,
                 calendar: WorkCalendar | None = None) -> list[Change]:
    """Count again every open deadline whose counted days (after its start, up to its due date)
    fall in ``year``, on the calendar now in force; write, audit and tell what changed."""
    calendar = calendar or load_calendar(session)
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    rows = session.execute(select(*_READ).where(Deadline.completed_at.is_(None), Deadline.due_on >= first,
                                                Deadline.started_on < last).order_by(Deadline.id)).all()
    changes = _changes(calendar, rows)
    _write(session, changes)
    _record(session, actor, year, len(rows), changes)
    _tell(session, year, [c for c in changes if c.moved])
    session.flush()
    return changes


def _changes(calendar: WorkCalendar, rows) -> list[Change]:
    profile, extension_days, out = active_profile(), {}, []
    for r in rows:
        key = (r.rule_key, r.started_on)
        if key not in extension_days:
            extension_days[key] = int(profile.rule(r.rule_key, r.started_on).value.get("extension_working_days", 0))
        due = rules.recount(calendar, r.started_on, r.working_days, r.extensions, extension_days[key])
        if (due.on, due.provisional) == (r.due_on, bool(r.provisional)):
            continue
        withdrawn = r.overdue_marked_on if r.overdue_marked_on is not None and due.on >= r.overdue_marked_on else None
        out.append(Change(r.id, r.subject_id, r.procedure, r.procedure_id, r.step, r.due_on, due.on,
                          bool(r.provisional), due.provisional, withdrawn, r.responsible_org_id, r.responsible_role))
    return out


def _write(session: Session, changes: list[Change]) -> None:
    for i in range(0, len(changes), 5000):
        chunk = changes[i:i + 5000]
        session.execute(update(Deadline), [{"id": c.id, "due_on": c.new_due_on, "provisional": c.new_provisional}
                                           for c in chunk])
        withdrawn = [c.id for c in chunk if c.overdue_mark_withdrawn is not None]
        if withdrawn:
            session.execute(update(Deadline).where(Deadline.id.in_(withdrawn)).values(overdue_marked_on=None)
                            .execution_options(synchronize_session=False))
    if changes:
        session.expire_all()   # rows held by the caller read the new dates


def _record(session: Session, actor: Principal | None, year: int, examined: int, changes: list[Change]) -> None:
    for c in changes:
        if c.moved or c.overdue_mark_withdrawn:
            record_event(session, actor, "deadline.recounted", target_type="deadline", target_id=c.id,
                         subject_id=c.subject_id, details={
                             "year": year, "procedure": c.procedure, "procedure_id": c.procedure_id, "step": c.step,
                             "old_due_on": c.old_due_on.isoformat(), "new_due_on": c.new_due_on.isoformat(),
                             "old_provisional": c.old_provisional, "new_provisional": c.new_provisional,
                             "overdue_mark_withdrawn": c.overdue_mark_withdrawn.isoformat()
                             if c.overdue_mark_withdrawn else None})
    record_event(session, actor, "calendar.deadlines_recounted", target_type="calendar_year", target_id=year,
                 details={"year": year, "open_deadlines_examined": examined,
                          "due_dates_moved": sum(c.moved for c in changes),
                          "no_longer_provisional": sum(c.old_provisional and not c.new_provisional for c in changes)})


def _tell(session: Session, year: int, moved: list[Change]) -> None:
    """The subject (where there is one) and whoever must act are told of the new date."""
    rows = []
    for c in moved:
        zh = (f"{year}年节假日安排已载入，{wording.matter(c.procedure, c.procedure_id, c.step)}的期限"
              f"由 {c.old_due_on.isoformat()} 重新计算为 {c.new_due_on.isoformat()}")
        en = (f"The {year} holiday schedule was loaded: {wording.matter(c.procedure, c.procedure_id, c.step, 'en')} "
              f"is now due on {c.new_due_on.isoformat()} (was {c.old_due_on.isoformat()})")
        base = {"kind": "deadline_recounted", "text_zh": zh, "text_en": en}
        if c.subject_id is not None:
            rows.append({**base, "recipient_subject_id": c.subject_id,
                         "link": rules.procedure_link(c.procedure, c.procedure_id, "subject"),
                         "dedupe_key": f"recount:{c.id}:{c.new_due_on.isoformat()}:subject"})
        role = "agency" if c.responsible_org_id else (c.responsible_role or "staff")
        rows.append({**base, "recipient_org_id": c.responsible_org_id,
                     "recipient_role": None if c.responsible_org_id else role,
                     "link": rules.procedure_link(c.procedure, c.procedure_id, role),
                     "dedupe_key": f"recount:{c.id}:{c.new_due_on.isoformat()}:responsible"})
    notify_many(session, rows)
