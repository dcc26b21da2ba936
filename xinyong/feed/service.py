"""The change feed: emitting changes, registering receiving systems, reading and
acknowledging (QZ art. 36 para. 2, NDRC Order 36). Set-based: one INSERT for any number of
events; overdue acknowledgements are counted per receiver in one grouped query.
Flushes, never commits."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.agencies import standing
from xinyong.audit import record_event
from xinyong.feed import repository, rules
from xinyong.kit.access import Principal
from xinyong.kit.errors import Conflict, InvalidInput, NotFound
from xinyong.law.loader import RuleNotInForce, active_profile
from xinyong.models import Agency
from xinyong.models.feed import FeedReceiver
from xinyong.workdays import WorkCalendar, load_calendar

KINDS = rules.EVENT_KINDS
MAX_ACK_IDS = 1000


def emit(session: Session, kind: str, events: list[dict], occurred_on: dt.date | None = None,
         citation: str = "") -> int:
    """Each event is ``{"subject_id": .., "record_id": .. | None, "details": {...}}``."""
    if kind not in KINDS:
        raise ValueError(f"unknown feed event kind {kind!r}")
    if not events:
        return 0
    on, now = occurred_on or clock.today(), clock.now()
    repository.insert_events(session, [
        {"subject_id": e["subject_id"], "record_id": e.get("record_id"), "kind": kind, "occurred_on": on,
         "details": e.get("details") or {}, "citation": e.get("citation", citation), "created_at": now}
        for e in events])
    session.flush()
    return len(events)


def emit_for_records(session: Session, kind: str, record_ids: list[int], occurred_on: dt.date | None = None,
                     citation: str | None = None) -> int:
    """One event per record the change may be told of (``repository.emit_condition``), details
    read from the records in the same statement."""
    if kind not in KINDS:
        raise ValueError(f"unknown feed event kind {kind!r}")
    ids = sorted({int(i) for i in record_ids})
    if not ids:
        return 0
    on = occurred_on or clock.today()
    placeholders = ", ".join(f":id{n}" for n in range(len(ids)))
    count = repository.insert_record_events(
        session, ":kind", f"r.id IN ({placeholders}) AND {repository.emit_condition(kind)}", {"kind": kind, "on": on, **{f"id{n}": v for n, v in enumerate(ids)}},
        ":on", citation if citation is not None else feed_citation(on))
    session.flush()
    return count


def feed_citation(on: dt.date) -> str:
    policy = rules.ack_policy(active_profile(), on)
    return policy.citation


# ---- receivers --------------------------------------------------------------------------------------------

def _receiver_rule(on: dt.date) -> dict:
    try:
        return active_profile().rule(rules.RECEIVER_RULE, on).value
    except RuleNotInForce:
        return {"self_registering_kinds": [], "receiver_kinds": []}


def register_receiver(session: Session, actor: Principal | None, org_id: int, note: str = "",
                      backlog: int = 0) -> FeedReceiver:
    """Staff register an organisation as a receiving system; it follows changes from now on, or
    also the last ``backlog`` changes already in the feed (its initial synchronisation)."""
    org, in_standing = standing.organisation(session, org_id)
    if org is None:
        raise NotFound("未找到该机构", field="org", message_en="no such organisation")
    refusal = rules.receiver_refusal(org.kind, in_standing, list(_receiver_rule(clock.today())["receiver_kinds"]))
    if refusal:
        raise InvalidInput(f"该机构不能登记为接收系统：{refusal}", code=refusal, field="org",
                           message_en=f"this organisation cannot receive the feed: {refusal}")
    existing = repository.receiver_of_org(session, org.id)
    if existing is not None:
        if existing.active:
            raise Conflict("该机构已登记为接收系统", code="already_receiver", field="org",
                           message_en="this organisation already receives the feed")
        existing.active = True
        session.flush()
        receiver = existing
    else:
        receiver = _new_receiver(session, org.id, actor, note, backlog)
    record_event(session, actor, "feed.receiver.registered", target_type="feed_receiver", target_id=receiver.id,
                 details={"org_id": org.id, "org_kind": org.kind, "start_after_event_id": receiver.start_after_event_id})
    return receiver


def _new_receiver(session: Session, org_id: int, actor: Principal | None, note: str,
                  backlog: int = 0) -> FeedReceiver:
    start = repository.start_for_backlog(session, max(0, backlog))
    receiver = FeedReceiver(org_id=org_id, start_after_event_id=start, acked_through_id=start, note=note.strip(),
                            registered_by=actor.user_id if actor else None)
    session.add(receiver)
    session.flush()
    return receiver


def receiver_for(session: Session, principal: Principal) -> FeedReceiver:
    """The receiver the calling organisation account speaks for; a credit service agency's
    first call registers it. Others that are not registered: 404. The caller's organisation is in
    standing (callers are resolved so: xinyong.agencies.standing); a self-registration asks again."""
    receiver = repository.receiver_of_org(session, principal.agency_id)
    if receiver is not None and receiver.active:
        return receiver
    org, in_standing = standing.organisation(session, principal.agency_id)
    if receiver is None and in_standing and rules.may_self_register(
            org.kind, list(_receiver_rule(clock.today())["self_registering_kinds"])):
        receiver = _new_receiver(session, org.id, principal, "self-registered credit service agency")
        record_event(session, principal, "feed.receiver.self_registered", target_type="feed_receiver",
                     target_id=receiver.id, details={"org_id": org.id, "start_after_event_id": receiver.start_after_event_id})
        return receiver
    raise NotFound("本机构未登记为变更订阅接收系统", code="not_a_receiver",
                   message_en="your organisation is not registered as a receiver of the change feed")


# ---- reading and acknowledging ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ReceiverStatus:
    receiver: FeedReceiver
    org: Agency
    unacknowledged: int
    overdue: int
    oldest_unacknowledged_on: dt.date | None
    oldest_unacknowledged_id: int | None
    oldest_due_on: dt.date | None


@dataclass(frozen=True)
class Clock:
    today: dt.date
    calendar: WorkCalendar
    policy: rules.AckPolicy

    def due(self, occurred_on: dt.date) -> dt.date | None:
        if self.policy.working_days is None:
            return None
        return rules.ack_due(self.calendar, occurred_on, self.policy.working_days)

    @property
    def cutoff(self) -> dt.date | None:
        if self.policy.working_days is None:
            return None
        return rules.overdue_cutoff(self.calendar, self.today, self.policy.working_days)


def ack_clock(session: Session, today: dt.date | None = None) -> Clock:
    today = today or clock.today()
    return Clock(today, load_calendar(session), rules.ack_policy(active_profile(), today))


def statuses(session: Session, *, receiver_id: int | None = None, limit: int = 200, offset: int = 0,
             today: dt.date | None = None) -> list[ReceiverStatus]:
    c = ack_clock(session, today)
    rows = repository.receivers_with_counts(session, c.cutoff, receiver_id=receiver_id, limit=limit, offset=offset,
                                           today=c.today)
    return [ReceiverStatus(r, org, int(unacked), int(overdue), oldest_on, oldest_id,
                           c.due(oldest_on) if oldest_on else None)
            for r, org, unacked, overdue, oldest_on, oldest_id in rows]


def status_of(session: Session, receiver: FeedReceiver, today: dt.date | None = None) -> ReceiverStatus:
    return statuses(session, receiver_id=receiver.id, limit=1, today=today)[0]


def acknowledge(session: Session, principal: Principal, receiver: FeedReceiver, *, up_to: int | None = None,
                ids: list[int] | None = None) -> ReceiverStatus:
    """Acknowledge every change up to ``up_to``, and/or the listed ids."""
    ids = list(dict.fromkeys(int(i) for i in (ids or [])))
    if up_to is None and not ids:
        raise InvalidInput("请给出确认到的变更编号或变更编号列表", field="up_to",
                           message_en="give up_to (an event id) or ids (a list of event ids)")
    if len(ids) > MAX_ACK_IDS:
        raise InvalidInput(f"一次最多确认 {MAX_ACK_IDS} 条", field="ids",
                           message_en=f"at most {MAX_ACK_IDS} ids at a time")
    before = receiver.acked_through_id
    if up_to is not None:
        repository.ack_through(session, receiver, up_to)
    single = repository.ack_ids(session, receiver, ids)
    repository.compact(session, receiver)
    record_event(session, principal, "feed.acknowledged", target_type="feed_receiver", target_id=receiver.id,
                 details={"up_to": up_to or 0, "ids": len(ids), "single_recorded": single,
                          "watermark_before": before, "watermark_after": receiver.acked_through_id})
    return status_of(session, receiver)


def receiver_by_id(session: Session, receiver_id: int) -> FeedReceiver:
    receiver = session.get(FeedReceiver, receiver_id)
    if receiver is None:
        raise NotFound("未找到该接收系统", message_en="no such receiver")
    return receiver


def deactivate_receiver(session: Session, actor: Principal, receiver_id: int) -> FeedReceiver:
    receiver = receiver_by_id(session, receiver_id)
    receiver.active = False
    session.flush()
    record_event(session, actor, "feed.receiver.deactivated", target_type="feed_receiver", target_id=receiver.id,
                 details={"org_id": receiver.org_id})
    return receiver


def receiver_candidates(session: Session) -> list[Agency]:
    """Organisations in standing of a receiving kind not yet receiving (for the staff form)."""
    kinds = list(_receiver_rule(clock.today())["receiver_kinds"])
    taken = select(FeedReceiver.org_id).where(FeedReceiver.active.is_(True))
    return list(session.scalars(standing.organisations_in_standing(
        select(Agency).where(Agency.kind.in_(kinds), Agency.id.not_in(taken))).order_by(Agency.name).limit(500)))
