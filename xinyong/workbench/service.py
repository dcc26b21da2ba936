"""The workbench of the caller: its items from each source of its role (rules.SOURCES), read
with one bounded query per source, shaped into to-do items with deadline, state and a link
that opens for the caller, soonest first; and the unread notifications. Read only."""
from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.deadlines import repository as deadline_repository
from xinyong.deadlines import rules as deadline_rules
from xinyong.deadlines import service as deadlines
from xinyong.documents import repository as documents
from xinyong.feed import repository as feed_repository
from xinyong.feed import service as feed
from xinyong.kit.access import Principal
from xinyong.notifications.service import unread_count
from xinyong.workbench import repository, rules
from xinyong.workbench.rules import Todo
from xinyong.workdays import WorkCalendar, load_calendar


@dataclasses.dataclass(frozen=True)
class Context:
    session: Session
    principal: Principal
    today: dt.date
    calendar: WorkCalendar


@dataclasses.dataclass(frozen=True)
class Workbench:
    items: list[Todo]
    counts: dict[str, int]
    unread: int
    truncated: bool            # a source had more than rules.LIMIT items: the queues show the rest


@dataclasses.dataclass(frozen=True)
class Home:
    """A subject's own home: its procedures in progress and its latest documents."""
    items: list[Todo]
    documents: list
    unread: int


def workbench(session: Session, principal: Principal, today: dt.date | None = None) -> Workbench:
    ctx = Context(session, principal, today or clock.today(), load_calendar(session))
    items, truncated = [], False
    for source in rules.sources_for(principal.role):
        found = SOURCES[source](ctx)
        truncated = truncated or len(found) >= rules.LIMIT
        items.extend(found)
    items = rules.ordered(items)
    return Workbench(items, rules.counts_by_state(items), unread_count(session, principal), truncated)


def home(session: Session, principal: Principal, today: dt.date | None = None) -> Home:
    ctx = Context(session, principal, today or clock.today(), load_calendar(session))
    rows = repository.subject_deadlines(session, principal.subject_id, rules.LIMIT) \
        if principal.subject_id is not None else []
    items = [i for i in _deadline_items(ctx, rows, "subject") if i.state != rules.NO_DEADLINE]
    return Home(rules.ordered(items), documents.listing(session, principal, 5), unread_count(session, principal))


def _deadline_items(ctx: Context, rows, role: str) -> list[Todo]:
    return [Todo(kind=rules.deadline_kind(v.deadline.procedure, v.deadline.step),
                 link=deadline_rules.procedure_link(v.deadline.procedure, v.deadline.procedure_id, role),
                 due_on=v.deadline.due_on, state=rules.open_state(v.state), working_days_left=v.working_days_left,
                 citation=v.citation, ref=v.deadline.procedure_id, provisional=v.provisional)
            for v in deadlines.views(ctx.session, rows, ctx.today, ctx.calendar)]


def _org_deadlines(ctx: Context) -> list[Todo]:
    if ctx.principal.agency_id is None:
        return []
    rows = repository.org_deadlines(ctx.session, ctx.principal.agency_id, rules.LIMIT)
    return _deadline_items(ctx, rows, ctx.principal.role)


def _own_deadlines(ctx: Context) -> list[Todo]:
    return _deadline_items(ctx, repository.staff_deadlines(ctx.session, rules.LIMIT), "staff")


def _listing_steps(ctx: Context) -> list[Todo]:
    if ctx.principal.role == "agency" and ctx.principal.agency_id is None:
        return []
    org = ctx.principal.agency_id if ctx.principal.role == "agency" else None
    return [Todo(kind=kind, link=f"/office/lists/proposals/{pid}", ref=pid)
            for pid, kind in repository.listing_steps(ctx.session, org, ctx.today, rules.LIMIT)]


def _returned_batches(ctx: Context) -> list[Todo]:
    if ctx.principal.agency_id is None:
        return []
    since = clock.now() - dt.timedelta(days=rules.RETURNED_BATCH_DAYS)
    return [Todo(kind="batch_refused" if status == "refused" else "batch_returned", link=f"/batches/{bid}",
                 ref=bid, count=max(int(rows), 1))
            for bid, rows, status in repository.returned_batches(ctx.session, ctx.principal.agency_id, since,
                                                                   rules.LIMIT)]


def _feed(ctx: Context) -> list[Todo]:
    """The organisation's unacknowledged changes, as one line due by the oldest one's day."""
    if ctx.principal.agency_id is None:
        return []
    receiver = feed_repository.receiver_of_org(ctx.session, ctx.principal.agency_id)
    if receiver is None or not receiver.active:
        return []
    status = feed.status_of(ctx.session, receiver, ctx.today)
    if not status.unacknowledged:
        return []
    if status.overdue:
        state = deadline_rules.OVERDUE
    elif status.oldest_due_on is None:
        state = rules.NO_DEADLINE
    else:
        state = deadline_rules.state(ctx.calendar, status.oldest_due_on, ctx.today, None, 1)
    return [Todo(kind="feed_ack", link="/feed", due_on=status.oldest_due_on, state=state,
                 citation=feed.feed_citation(ctx.today), count=status.unacknowledged)]


def _oversight(ctx: Context) -> list[Todo]:
    """Credit-department oversight: steps of organisations past their deadline, receivers late
    to acknowledge (QZ art. 36): one line each, to the queue where they are followed up."""
    out = []
    overdue = deadline_repository.counts(ctx.session, ctx.today)["overdue"]
    if overdue:
        out.append(Todo(kind="oversight_overdue", link="/staff/deadlines?state=overdue",
                        state=deadline_rules.OVERDUE, count=overdue))
    late = [s for s in feed.statuses(ctx.session, limit=rules.LIMIT, today=ctx.today) if s.overdue]
    if late:
        out.append(Todo(kind="oversight_feed", link="/feed/receivers", state=deadline_rules.OVERDUE,
                        count=len(late)))
    return out


def _calendar(ctx: Context) -> list[Todo]:
    """Next year's official holiday schedule not loaded: deadlines over it are provisional."""
    year = ctx.today.year + 1
    if ctx.calendar.covered(year) is not None:
        return []
    return [Todo(kind="calendar_next_year", link="/staff/calendar", ref=year)]


def _reassignments(ctx: Context) -> list[Todo]:
    pending = repository.pending_reassignments(ctx.session)
    return [Todo(kind="reassignments", link="/complaints/reassignments", count=pending)] if pending else []


SOURCES = {"org_deadlines": _org_deadlines, "own_deadlines": _own_deadlines, "listing_steps": _listing_steps,
           "returned_batches": _returned_batches, "feed": _feed, "oversight": _oversight, "calendar": _calendar,
           "reassignments": _reassignments}
