"""Opening, completing and extending step deadlines. Flushes, never commits."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.deadlines import rules, wording
from xinyong.kit.errors import Conflict
from xinyong.law.loader import active_profile
from xinyong.models import Deadline
from xinyong.workdays import WorkCalendar, load_calendar


def open_step(session: Session, *, procedure: str, procedure_id: int, step: str, started_on: dt.date | None = None,
              subject_id: int | None = None, responsible_org_id: int | None = None,
              responsible_role: str | None = None) -> Deadline:
    """Start the clock of one step; its due date and citation come from the profile."""
    started_on = started_on or clock.today()
    spec = rules.compute(active_profile(), load_calendar(session), procedure, step, started_on)
    row = Deadline(subject_id=subject_id, procedure=procedure, procedure_id=procedure_id, step=step,
                   rule_key=spec.rule_key, citation=spec.citation, working_days=spec.working_days,
                   started_on=started_on, due_on=spec.due_on, provisional=spec.provisional,
                   responsible_org_id=responsible_org_id, responsible_role=responsible_role)
    session.add(row)
    session.flush()
    return row


def step_of(session: Session, procedure: str, procedure_id: int, step: str) -> Deadline | None:
    return session.scalars(select(Deadline).where(
        Deadline.procedure == procedure, Deadline.procedure_id == procedure_id, Deadline.step == step)
        .order_by(Deadline.id.desc()).limit(1)).first()


def steps_of(session: Session, procedure: str, procedure_ids: list[int]) -> dict[int, list[Deadline]]:
    """Every deadline of the given procedure rows, in one query."""
    found: dict[int, list[Deadline]] = {i: [] for i in procedure_ids}
    if procedure_ids:
        for row in session.scalars(select(Deadline).where(
                Deadline.procedure == procedure, Deadline.procedure_id.in_(procedure_ids)).order_by(Deadline.id)):
            found[row.procedure_id].append(row)
    return found


def complete_step(session: Session, deadline: Deadline, outcome: str) -> Deadline:
    if deadline.completed_at is None:
        deadline.completed_at, deadline.completed_on, deadline.outcome = clock.now(), clock.today(), outcome
        session.flush()
    return deadline


def extension_refusal(deadline: Deadline, reason: str | None, today: dt.date | None = None):
    """(why the step cannot be extended or None, the rule): the one check every path uses."""
    rule = active_profile().rule(deadline.rule_key, deadline.started_on)
    return rules.extension_refusal(deadline.extensions, int(rule.value.get("max_extensions", 0)),
                                   int(rule.value.get("extension_working_days", 0)), reason,
                                   due_on=deadline.due_on, today=today or clock.today(),
                                   completed=deadline.completed_at is not None), rule


def extend_step(session: Session, deadline: Deadline, reason: str, user_id: int | None,
                today: dt.date | None = None) -> Deadline:
    """QZ art. 36: extend once by the profile's extension, only with a recorded reason and only
    within the period (rules.extension_refusal); every extension path comes through here."""
    refusal, rule = extension_refusal(deadline, reason or "", today)
    if refusal:
        raise Conflict(f"该期限不能延长：{EXTENSION_REFUSALS_ZH[refusal]}（依据：{rule.citation}）",
                       code=f"extension_{refusal}",
                       message_en=f"the deadline cannot be extended: {EXTENSION_REFUSALS_EN[refusal]} "
                                  f"(basis: {rule.citation})",
                       details={"due_on": deadline.due_on.isoformat(), "citation": str(rule.citation)})
    due = load_calendar(session).add(deadline.due_on, int(rule.value["extension_working_days"]))
    deadline.due_on, deadline.provisional = due.on, deadline.provisional or due.provisional
    deadline.extensions += 1
    deadline.extension_reason = reason.strip()
    deadline.extended_by = user_id
    session.flush()
    return deadline


EXTENSION_REFUSALS_ZH = {
    "step_completed": "该步骤已办结", "no_extension_allowed": "该期限依法不能延长",
    "period_passed": "办理期限已届满，延长须在期限内决定",
    "extensions_exhausted": "该期限已延长过", "reason_required": "延长期限必须说明理由"}
EXTENSION_REFUSALS_EN = {
    "step_completed": "the step is completed", "no_extension_allowed": "the law allows no extension of this step",
    "period_passed": "the period has already run out; an extension is granted within it",
    "extensions_exhausted": "the deadline has already been extended", "reason_required": "a reason is required"}


def state_of(session: Session, deadline: Deadline, today: dt.date | None = None, calendar=None) -> str:
    calendar = calendar or load_calendar(session)
    rule = active_profile().rule(deadline.rule_key, deadline.started_on)
    return rules.state(calendar, deadline.due_on, today or clock.today(), deadline.completed_on,
                       int(rule.value.get("due_soon_working_days", 1)), rules.is_period(rule.value))


@dataclass(frozen=True)
class DeadlineView:
    """A deadline as pages and the API show it (templates: deadlines/_macros.html badge)."""
    deadline: Deadline
    state: str                  # on_time | due_soon | overdue | done | done_late
    working_days_left: int      # negative: working days overdue
    provisional: bool
    citation: str


def working_days_left(calendar: WorkCalendar, today: dt.date, due_on: dt.date) -> int:
    if today <= due_on:
        return calendar.between(today, due_on)
    return -calendar.between(due_on, today)


def views(session: Session, deadlines: list[Deadline], today: dt.date | None = None,
          calendar: WorkCalendar | None = None) -> list[DeadlineView]:
    """State, working days left and provisional flag of each deadline, on one calendar load."""
    calendar = calendar or load_calendar(session)
    today = today or clock.today()
    profile = active_profile()
    soon: dict[tuple[str, dt.date], tuple[int, bool]] = {}
    out = []
    for d in deadlines:
        key = (d.rule_key, d.started_on)
        if key not in soon:
            value = profile.rule(d.rule_key, d.started_on).value
            soon[key] = (int(value.get("due_soon_working_days", 1)), rules.is_period(value))
        state = rules.state(calendar, d.due_on, today, d.completed_on, *soon[key])
        left = working_days_left(calendar, today, d.due_on)
        # provisional when counted over an uncovered day, or when days still to run are uncovered
        provisional = bool(d.provisional) or (d.completed_on is None and any(
            calendar.covered(y) is None for y in range(today.year, d.due_on.year + 1)))
        out.append(DeadlineView(d, state, left, provisional, d.citation))
    return out


# ---- the queue and the extension action (pages, API, CLI) ------------------------------------------

STAFF_ROLES = ("staff", "admin")


def scope_org(principal) -> int | None:
    """Credit-department staff and admins see every deadline; others only their organisation's."""
    if principal.role in STAFF_ROLES:
        return None
    return principal.agency_id if principal.agency_id is not None else -1


def queue(session: Session, principal, *, procedure: str | None = None, state: str | None = None,
          limit: int = 50, offset: int = 0, today: dt.date | None = None, include_done: bool = False):
    """(views, organisation names by deadline id) for one page of the caller's queue."""
    from xinyong.deadlines import repository
    today = today or clock.today()
    calendar = load_calendar(session)
    f = repository.QueueFilter(org_id=scope_org(principal), procedure=procedure, state=state,
                               include_done=include_done)
    rows = repository.queue(session, f, today, calendar, limit, offset)
    return views(session, [d for d, _ in rows], today, calendar), {d.id: name for d, name in rows}


def extend(session: Session, principal, deadline_id: int, reason: str) -> Deadline:
    """Extend a deadline the caller may see (QZ art. 36: once, with a recorded reason); audited;
    the subject, if any, is given a written notice of the extension."""
    from xinyong.audit import record_event
    from xinyong.deadlines import repository
    from xinyong.documents.service import issue
    from xinyong.kit.errors import InvalidInput, NotFound
    from xinyong.kit.pdf import Section

    deadline = repository.visible(session, deadline_id, scope_org(principal))
    if deadline is None:
        raise NotFound("没有这个期限", message_en="no such deadline")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("延长期限必须说明理由", field="reason", code="reason_required",
                           message_en="an extension needs a reason (QZ art. 36)")
    if len(reason) > 1000:
        raise InvalidInput("理由过长（最多1000字）", field="reason", message_en="reason too long (1000 characters at most)")
    old_due = deadline.due_on
    extend_step(session, deadline, reason, principal.user_id)
    document_id = None
    if deadline.subject_id is not None:
        doc = issue(session, kind="deadline_extension", procedure=deadline.procedure,
                    procedure_id=deadline.procedure_id, title="延长办理期限告知书",
                    subject_id=deadline.subject_id, citation=deadline.citation, created_by=principal.user_id,
                    sections=[Section(heading="事项", paragraphs=[
                        f"您的{wording.matter(deadline.procedure, deadline.procedure_id, deadline.step)}的办理期限"
                        f"由 {old_due.isoformat()} 延长至 {deadline.due_on.isoformat()}。"]),
                              Section(heading="延长理由", paragraphs=[reason])])
        document_id = doc.id
    record_event(session, principal, "deadline.extended", target_type="deadline", target_id=deadline.id,
                 subject_id=deadline.subject_id,
                 details={"procedure": deadline.procedure, "procedure_id": deadline.procedure_id,
                          "step": deadline.step, "old_due_on": old_due.isoformat(),
                          "new_due_on": deadline.due_on.isoformat(), "document_id": document_id})
    return deadline
