"""Queries of the change feed. Set-based: events are inserted with INSERT ... SELECT, and the
overdue changes of every receiver are counted in one grouped query."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, and_, case, cast, delete, exists, func, insert, literal, or_, select, text
from sqlalchemy.orm import Session, aliased

from xinyong import clock
from xinyong.disclosure.publicity import public_condition, public_sql
from xinyong.feed import rules
from xinyong.lists.repository import in_force as list_in_force
from xinyong.models import Agency, FeedEvent, Record
from xinyong.models.feed import FeedAck, FeedReceiver
from xinyong.models.listing import ListEntry
from xinyong.partitions.repository import events_after, newest_event_bound


def _details_sql(pg: bool) -> str:
    build = "jsonb_build_object" if pg else "json_object"
    # a JSON boolean on both backends (SQLite keeps booleans as 0/1)
    flag = "r.under_objection" if pg else "CASE WHEN r.under_objection THEN json('true') ELSE json('false') END"
    return (f"{build}('item_code', r.item_code, 'decision_no', r.decision_no, 'source_agency_id', r.source_agency_id, "
            f"'version', r.version, 'under_objection', {flag})")


def _kinds_sql(kinds: tuple[str, ...]) -> str:
    return ", ".join(f"'{k}'" for k in kinds)


def emit_condition(kind: str, today_sql: str = ":on") -> str:
    """SQL over ``r`` (records) that a record-change of ``kind`` may be emitted: revealing
    changes only for records in public view, ending ones only for records once announced."""
    if kind in rules.REVEALING_KINDS:
        return public_sql("r", today_sql)
    if kind in rules.ENDING_KINDS:
        return announced_sql("r")
    raise ValueError(f"{kind!r} is not a change of a record")


def announced_sql(alias: str = "r") -> str:
    return (f"EXISTS (SELECT 1 FROM feed_events fa WHERE fa.record_id = {alias}.id "
            f"AND fa.kind IN ({_kinds_sql(rules.REVEALING_KINDS)}))")


def _entry_id(events):
    """The list entry a "listed" or "delisted" change is about (details.entry_id), or NULL."""
    return cast(events.details["entry_id"].as_string(), BigInteger)


def readable(session: Session, today: dt.date, start_after):
    """Whether a receiver that follows the feed after event ``start_after`` (its
    start_after_event_id: a value, or the receivers' column in a grouped count) reads, and is
    counted for, a change. It does, unless the change
    - shows a record not in public view today, or a list entry not on the public list today: a
      backlog of old publications shows nothing of records since expired or entries since removed;
    - takes down a record or an entry the receiver could never have been shown: one whose showing
      change came before the receiver followed the feed (a receiver registered later, with a
      backlog, hears nothing of what was announced and ended before its time).
    A change naming no record or entry hides nothing. One condition, its correlated subqueries
    each behind its kind (and the later ones bounded to the months after the start): no query
    per event."""
    record_public = exists(select(Record.id).where(Record.id == FeedEvent.record_id, public_condition(today)))
    entry = _entry_id(FeedEvent)
    entry_public = exists(select(ListEntry.id).where(ListEntry.id == entry, ListEntry.subject_id == FeedEvent.subject_id,
                                                     list_in_force(today)))
    shown = aliased(FeedEvent, name="shown")
    followed = and_(shown.subject_id == FeedEvent.subject_id, shown.id > start_after, shown.id < FeedEvent.id,
                    events_after(session, start_after, shown))
    record_shown = exists(select(shown.id).where(shown.record_id == FeedEvent.record_id,
                                                 shown.kind.in_(rules.REVEALING_KINDS), followed))
    entry_shown = exists(select(shown.id).where(shown.kind.in_(rules.LIST_REVEALING_KINDS), _entry_id(shown) == entry,
                                                followed))
    told_of = rules.REVEALING_KINDS + rules.ENDING_KINDS + rules.LIST_REVEALING_KINDS + rules.LIST_ENDING_KINDS
    no_record, no_entry = FeedEvent.record_id.is_(None), entry.is_(None)
    return or_(FeedEvent.kind.not_in(told_of),
               and_(FeedEvent.kind.in_(rules.REVEALING_KINDS), or_(no_record, record_public)),
               and_(FeedEvent.kind.in_(rules.ENDING_KINDS), or_(no_record, record_shown)),
               and_(FeedEvent.kind.in_(rules.LIST_REVEALING_KINDS), or_(no_entry, entry_public)),
               and_(FeedEvent.kind.in_(rules.LIST_ENDING_KINDS), or_(no_entry, entry_shown)))


# ---- writers announce the ids they may take; readers deliver only below every writer in flight -------------
# docs/RELIABILITY.md, "Feed delivery never skips a late commit". A receiver reads after a cursor (the last id it
# acknowledged) and a sequence gives ids at INSERT time, not at commit: writer A took 10, B took 11 and committed,
# a receiver read and acknowledged 11, A committed, and 10 lay below its cursor for ever.

FEED_WRITER_TAG = 0x5846   # "XF": bits 48-62 of a feed writer's advisory-lock key; bits 0-47 carry its floor
FEED_SEQUENCE = "feed_events_id_seq"
_OURS = "locktype = 'advisory' AND objsubid = 1 AND (CAST(classid AS bigint) >> 16) = :tag"
_ISSUED = "coalesce(pg_sequence_last_value(CAST(:seq AS regclass)), 0)"   # NULL: nothing issued since (re)start
_ANNOUNCE = text(f"SELECT pg_advisory_xact_lock_shared((CAST(:tag AS bigint) << 48) | {_ISSUED}) "
                 f"WHERE NOT EXISTS (SELECT 1 FROM pg_locks WHERE {_OURS} AND pid = pg_backend_pid())")
_IN_FLIGHT = text("SELECT min(((CAST(classid AS bigint) & 65535) << 32) | CAST(objid AS bigint)) FROM pg_locks "
                  f"WHERE {_OURS} AND pid <> pg_backend_pid()")


def _pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def write_events(session: Session, statement, params=None):
    """Execute ``statement``, an INSERT into feed_events: the one way events are written
    (tests/feed/test_ordering.py checks every path). On PostgreSQL the writer first announces,
    once per transaction, the ids it may take: a shared transaction-scoped advisory lock whose
    key carries the sequence's last issued value, read before any id of this transaction is
    taken, so every id the writer takes is larger (the sequence has no cache per session). The
    lock is held to commit or rollback, but nobody ever takes it exclusively: it makes no one
    wait, it only shows ``delivery_horizon`` (readers) that ids above that floor may still
    appear. SQLite gives ids under its one write lock, held to commit: commit order."""
    if _pg(session):
        session.execute(_ANNOUNCE, {"tag": FEED_WRITER_TAG, "seq": FEED_SEQUENCE})
    return session.execute(statement, params)


def delivery_horizon(session: Session) -> int | None:
    """The largest event id a receiver may be given or may acknowledge now (None: no bound,
    SQLite). On PostgreSQL: the sequence's last issued value, read first, and below the floor of
    every other transaction that announced feed writes and has not ended. An event id at or
    under it is committed or never will be: its writer either announced before the sequence was
    read (then still in flight: the horizon is under its floor; or ended: a lock is released
    after the commit is visible, and the caller's next statement, READ COMMITTED, sees it), or
    took its ids after that read (larger than the horizon). The caller's own transaction is not
    counted: its events are visible to itself."""
    if not _pg(session):
        return None
    issued = session.scalar(text(f"SELECT {_ISSUED}"), {"seq": FEED_SEQUENCE})
    floor = session.scalar(_IN_FLIGHT, {"tag": FEED_WRITER_TAG})
    return issued if floor is None else min(issued, floor)


def _below(horizon: int | None):
    return FeedEvent.id <= horizon if horizon is not None else literal(True)


def insert_events(session: Session, rows: list[dict]) -> int:
    """Events given in full (one executemany): ``rows`` are FeedEvent column values."""
    write_events(session, insert(FeedEvent), rows)
    return len(rows)


def insert_record_events(session: Session, kind_sql: str, where_sql: str, params: dict, occurred_on_sql: str,
                         citation: str) -> int:
    """One INSERT ... SELECT of one event per matching record (``r`` is records), in record
    order: without the ORDER BY, PostgreSQL numbered a batch's events in whatever order its plan
    read the records, so an ingest run again after a kill gave the same events under other ids
    (found by the crash trials, tests/faults)."""
    pg = _pg(session)
    result = write_events(session, text(
        f"INSERT INTO feed_events (subject_id, record_id, kind, occurred_on, details, citation, created_at) "
        f"SELECT r.subject_id, r.id, {kind_sql}, {occurred_on_sql}, {_details_sql(pg)}, :citation, :now "
        f"FROM records r WHERE {where_sql} ORDER BY r.id"),   # ids in record order: a re-run, the same feed
        {**params, "citation": citation, "now": clock.now()})
    return result.rowcount or 0


def max_event_id(session: Session) -> int:
    return session.scalar(select(func.coalesce(func.max(FeedEvent.id), 0))
                          .where(newest_event_bound(session))) or 0


def newest_deliverable(session: Session, horizon: int | None = None) -> int:
    """The newest event id a receiver may be given now: the newest committed one, not above
    ``delivery_horizon`` (an event still in flight below it would otherwise be passed over)."""
    newest = max_event_id(session)
    horizon = delivery_horizon(session) if horizon is None else horizon
    return newest if horizon is None else min(newest, horizon)


def start_for_backlog(session: Session, backlog: int) -> int:
    """The event id after which a new receiver starts so that it also follows the newest
    ``backlog`` events (0: only what comes next)."""
    newest = newest_deliverable(session)
    if backlog <= 0 or newest == 0:
        return newest
    ids = select(FeedEvent.id).where(FeedEvent.id <= newest).order_by(FeedEvent.id.desc()).limit(backlog).subquery()
    oldest = session.scalar(select(func.min(ids.c.id)))
    return (oldest or 1) - 1


def _pending(receiver_cols):
    """Join condition: events a receiver follows and has not acknowledged."""
    return and_(FeedEvent.id > receiver_cols.acked_through_id, FeedEvent.id > receiver_cols.start_after_event_id)


def receivers_with_counts(session: Session, cutoff: dt.date | None, *, receiver_id: int | None = None,
                          limit: int = 200, offset: int = 0, today: dt.date | None = None) -> list[tuple]:
    """(receiver, organisation, unacknowledged, overdue, oldest unacknowledged date, oldest
    unacknowledged event id) per receiver: one grouped query over the events after each
    receiver's watermark that carry no single acknowledgement (on PostgreSQL only the months
    from the earliest event after the lowest watermark of those counted)."""
    overdue = (func.sum(case((FeedEvent.occurred_on <= cutoff, 1), else_=0)) if cutoff is not None
               else literal(0))
    counts = (select(FeedReceiver.id.label("rid"), func.count(FeedEvent.id).label("unacked"),
                     overdue.label("overdue"), func.min(FeedEvent.occurred_on).label("oldest_on"),
                     func.min(FeedEvent.id).label("oldest_id"))
              .select_from(FeedReceiver)
              .join(FeedEvent, _pending(FeedReceiver))
              .outerjoin(FeedAck, and_(FeedAck.receiver_id == FeedReceiver.id, FeedAck.event_id == FeedEvent.id))
              .where(FeedAck.event_id.is_(None), FeedReceiver.active.is_(True),
                     readable(session, today or clock.today(), FeedReceiver.start_after_event_id))
              .group_by(FeedReceiver.id))
    lowest = select(func.min(func.greatest(FeedReceiver.acked_through_id, FeedReceiver.start_after_event_id))
                    ).where(FeedReceiver.active.is_(True))
    if receiver_id is not None:
        counts = counts.where(FeedReceiver.id == receiver_id)
        lowest = lowest.where(FeedReceiver.id == receiver_id)
    counts = counts.where(events_after(session, lowest.scalar_subquery()))
    sub = counts.subquery()
    query = (select(FeedReceiver, Agency, func.coalesce(sub.c.unacked, 0), func.coalesce(sub.c.overdue, 0),
                    sub.c.oldest_on, sub.c.oldest_id)
             .join(Agency, Agency.id == FeedReceiver.org_id)
             .outerjoin(sub, sub.c.rid == FeedReceiver.id)
             .order_by(func.coalesce(sub.c.overdue, 0).desc(), Agency.name))
    if receiver_id is not None:
        query = query.where(FeedReceiver.id == receiver_id)
    return list(session.execute(query.limit(limit).offset(offset)))


def count_receivers(session: Session) -> int:
    return session.scalar(select(func.count(FeedReceiver.id))) or 0


def events_for(session: Session, receiver: FeedReceiver, after: int, limit: int,
               unacked_only: bool) -> list[tuple[FeedEvent, bool]]:
    """The receiver's events with id > after (never before its registration) and not above the
    delivery horizon, oldest first, each with whether it is acknowledged."""
    floor = max(after, receiver.start_after_event_id)
    horizon = delivery_horizon(session)
    acked = case((FeedEvent.id <= receiver.acked_through_id, True), (FeedAck.event_id.is_not(None), True),
                 else_=False)
    query = (select(FeedEvent, acked)
             .outerjoin(FeedAck, and_(FeedAck.receiver_id == receiver.id, FeedAck.event_id == FeedEvent.id))
             .where(FeedEvent.id > floor, _below(horizon), events_after(session, floor),
                    readable(session, clock.today(), receiver.start_after_event_id))
             .order_by(FeedEvent.id).limit(limit))
    if unacked_only:
        query = query.where(FeedEvent.id > receiver.acked_through_id, FeedAck.event_id.is_(None))
    return [(e, bool(a)) for e, a in session.execute(query)]


def ack_through(session: Session, receiver: FeedReceiver, up_to: int) -> None:
    """Acknowledge every event up to ``up_to`` (never beyond the newest event)."""
    up_to = min(up_to, newest_deliverable(session))
    if up_to > receiver.acked_through_id:
        receiver.acked_through_id = up_to
        session.flush()


def ack_ids(session: Session, receiver: FeedReceiver, ids: list[int]) -> int:
    """Single acknowledgements above the watermark, for events that exist, the receiver
    follows and may have been given (not above the delivery horizon: one INSERT ... SELECT;
    already acknowledged ids are skipped)."""
    if not ids:
        return 0
    floor = max(receiver.acked_through_id, receiver.start_after_event_id)
    already = select(FeedAck.event_id).where(FeedAck.receiver_id == receiver.id)
    chosen = (select(literal(receiver.id), FeedEvent.id, literal(clock.now()))
              .where(FeedEvent.id.in_(ids), FeedEvent.id > floor, _below(delivery_horizon(session)),
                     events_after(session, floor),
                     FeedEvent.id.not_in(already)))
    result = session.execute(insert(FeedAck).from_select(["receiver_id", "event_id", "acked_at"], chosen))
    return result.rowcount or 0


def compact(session: Session, receiver: FeedReceiver) -> None:
    """Move the watermark over single acknowledgements that became contiguous with it, never
    above the delivery horizon (an event in flight below it would be covered before it
    commits), then drop the single rows it now covers (two statements, whatever their number)."""
    floor = max(receiver.acked_through_id, receiver.start_after_event_id)
    horizon = delivery_horizon(session)
    first_gap = session.scalar(
        select(func.min(FeedEvent.id))
        .outerjoin(FeedAck, and_(FeedAck.receiver_id == receiver.id, FeedAck.event_id == FeedEvent.id))
        .where(FeedEvent.id > floor, events_after(session, floor), FeedAck.event_id.is_(None),
               readable(session, clock.today(), receiver.start_after_event_id)))   # unread: no gap
    through = (first_gap - 1) if first_gap is not None else max_event_id(session)
    if horizon is not None:
        through = min(through, horizon)
    if through > receiver.acked_through_id:
        receiver.acked_through_id = through
    session.execute(delete(FeedAck).where(FeedAck.receiver_id == receiver.id,
                                          FeedAck.event_id <= receiver.acked_through_id))
    receiver.last_ack_at = clock.now()
    session.flush()


def receiver_of_org(session: Session, org_id: int | None) -> FeedReceiver | None:
    if org_id is None:
        return None
    return session.scalar(select(FeedReceiver).where(FeedReceiver.org_id == org_id))
