"""Pure deadline rules: the due date of a step from the profile and the calendar, whether a
step is on time, due soon or overdue, and whether an extension is allowed."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from xinyong.law.loader import Profile
from xinyong.models.org_roles import roles_with
from xinyong.workdays import WorkCalendar

ON_TIME, DUE_SOON, OVERDUE, DONE, DONE_LATE = "on_time", "due_soon", "overdue", "done", "done_late"


@dataclass(frozen=True)
class StepDeadline:
    rule_key: str
    working_days: int
    started_on: dt.date
    due_on: dt.date
    provisional: bool
    citation: str
    due_soon_working_days: int
    extension_working_days: int
    max_extensions: int


def is_period(rule_value: dict) -> bool:
    return bool(rule_value.get("period", False))


def period_keys(profile: Profile) -> list[str]:
    """Deadline rule keys that measure a period rather than a task, in any version."""
    return [k for k in profile.keys() if k.startswith("deadline.")
            and any(is_period(r.value) for r in profile.versions(k) if isinstance(r.value, dict))]


def rule_key(procedure: str, step: str) -> str:
    return f"deadline.{procedure}.{step}"


def compute(profile: Profile, calendar: WorkCalendar, procedure: str, step: str,
            started_on: dt.date) -> StepDeadline:
    """The deadline of ``procedure.step`` started on ``started_on``, by the rule in force then."""
    key = rule_key(procedure, step)
    rule = profile.rule(key, started_on)
    n = int(rule.value["working_days"])
    due = calendar.add(started_on, n)
    return StepDeadline(key, n, started_on, due.on, due.provisional, str(rule.citation),
                        int(rule.value.get("due_soon_working_days", 1)),
                        int(rule.value.get("extension_working_days", 0)),
                        int(rule.value.get("max_extensions", 0)))


def recount(calendar: WorkCalendar, started_on: dt.date, working_days: int, extensions: int,
            extension_working_days: int):
    """The due date of a step counted again on ``calendar``: its working days, plus each
    extension granted (an extension counts on from the due date, and adding n then m working
    days equals adding n + m). Deadlines follow the calendar in force when they are read."""
    return calendar.add(started_on, working_days + extensions * extension_working_days)


def state(calendar: WorkCalendar, due_on: dt.date, today: dt.date, completed_on: dt.date | None,
          due_soon_working_days: int, period: bool = False) -> str:
    """on_time | due_soon | overdue for an open step; done | done_late once completed. A period
    (a time given to the subject, e.g. the notice period before listing) is done once it has run,
    whether or not the sweep has closed it yet: nobody is late when it ends."""
    if completed_on is not None:
        return DONE_LATE if completed_on > due_on and not period else DONE
    if today > due_on:
        return DONE if period else OVERDUE
    return DUE_SOON if calendar.between(today, due_on) <= due_soon_working_days else ON_TIME


def extension_refusal(extensions_so_far: int, max_extensions: int, extension_working_days: int,
                      reason: str | None, *, due_on: dt.date, today: dt.date, completed: bool = False) -> str | None:
    """Why an extension cannot be granted, or None. QZ art. 36 para. 1: a step that "cannot be
    decided within the prescribed period" may be extended once, for a stated reason. The
    extension is granted within the period: on or before the due date, never after it, so a
    missed deadline stays missed (its overdue mark is history, not something to extend away).
    ``reason=None`` asks whether the step could be extended at all (pages offering the action)."""
    if completed:
        return "step_completed"
    if extension_working_days <= 0 or max_extensions <= 0:
        return "no_extension_allowed"
    if today > due_on:
        return "period_passed"
    if extensions_so_far >= max_extensions:
        return "extensions_exhausted"
    if reason is not None and not reason.strip():
        return "reason_required"
    return None


# the page that shows a procedure's case to a reader of each role (links from queues and
# notifications); "*" serves every role; a role without a page gets no link
PROCEDURE_LINKS = {
    "objection": {**{role: "/agency/objections/{id}" for role in roles_with("answer_objections")},
                  "staff": "/staff/objections/{id}", "subject": "/me/objections/{id}"},
    "repair": {"*": "/repair/{id}"},
    "listing": {"agency": "/office/lists/proposals/{id}", "staff": "/office/lists/proposals/{id}",
                "subject": "/me/lists"},
    "complaint": {"staff": "/complaints/{id}"},
    "feed": {"staff": "/feed/receivers", "*": "/feed"},   # the receiver reads its own feed
}
PROCEDURES = tuple(PROCEDURE_LINKS)
STATES = (ON_TIME, DUE_SOON, OVERDUE)


def procedure_link(procedure: str, procedure_id: int, role: str = "staff") -> str:
    pages = PROCEDURE_LINKS.get(procedure, {})
    pattern = pages.get(role) or pages.get("*")
    return pattern.format(id=procedure_id) if pattern else ""


def overdue_dedupe_key(deadline_id: int, extensions: int) -> str:
    """Once per step; an extended step that runs late again is notified again."""
    return f"overdue:{deadline_id}" if not extensions else f"overdue:{deadline_id}:{extensions}"
