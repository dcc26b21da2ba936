"""Queries of sharing upward. Set-based: the feed's changes become submissions in one
INSERT ... SELECT; receipts and failures are written with one executemany each; timeliness is
one GROUP BY over (agency, decision day, receipt day, acknowledgement day)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, and_, bindparam, cast, func, select, text
from sqlalchemy.orm import Session, aliased

from xinyong import clock
from xinyong.disclosure.publicity import public_sql
from xinyong.feed.repository import delivery_horizon
from xinyong.models import Agency, FeedEvent, Record, Subject
from xinyong.models.base import TimestampTZ
from xinyong.models.upstream import UpstreamSubmission as S
from xinyong.upstream import rules


def _pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _action_sql() -> str:
    return "CASE fe.kind " + " ".join(f"WHEN '{k}' THEN '{a}'" for k, a in rules.ACTIONS.items()) + " END"


def enqueue_from_feed(session: Session, now: dt.datetime | None = None) -> int:
    """Every change of a reported kind the outbox does not hold yet becomes a pending submission
    (the unique event id makes a concurrent second run insert nothing twice). The version is the
    event id: it grows with every change of an item, and a retry re-sends the same one."""
    entry = "(fe.details->>'entry_id')" if _pg(session) else "json_extract(fe.details, '$.entry_id')"
    kinds = ", ".join(f"'{k}'" for k in rules.FEED_KINDS)
    # only events under the feed's delivery horizon: an item's earlier change still in flight in
    # another transaction must become its submission before a later one (an item's changes reach
    # the upstream in id order, claim_due below)
    horizon = delivery_horizon(session)
    capped = "" if horizon is None else "AND fe.id <= :horizon "
    result = session.execute(text(
        "INSERT INTO upstream_submissions (event_id, item_key, version, action, record_id, agency_id, decision_date, "
        "received_at, attempts, next_attempt_at, last_error, created_at) "
        f"SELECT fe.id, CASE WHEN fe.record_id IS NOT NULL THEN 'record:' || CAST(fe.record_id AS VARCHAR(20)) "
        f"ELSE 'list:' || CAST({entry} AS VARCHAR(20)) END, fe.id, {_action_sql()}, fe.record_id, r.source_agency_id, "
        "r.decision_date, r.received_at, 0, :now, '', :now "
        "FROM feed_events fe LEFT JOIN records r ON r.id = fe.record_id "
        f"WHERE fe.kind IN ({kinds}) AND (fe.record_id IS NOT NULL OR {entry} IS NOT NULL) "
        f"AND NOT EXISTS (SELECT 1 FROM upstream_submissions u WHERE u.event_id = fe.id) {capped}ORDER BY fe.id")
        .bindparams(bindparam("now", type_=TimestampTZ)),   # stored as the column type stores it
        {"now": now or clock.now(), **({} if horizon is None else {"horizon": horizon})})
    return result.rowcount or 0


def claim_due(session: Session, now: dt.datetime, limit: int) -> list[S]:
    """Pending submissions due now, oldest first, skipping any whose item has an earlier
    submission still waiting (an item's changes reach the upstream in order). Rows another
    worker holds are skipped (FOR UPDATE SKIP LOCKED on PostgreSQL)."""
    earlier = aliased(S)
    blocked = select(earlier.id).where(earlier.item_key == S.item_key, earlier.acknowledged_at.is_(None),
                                       earlier.id < S.id, earlier.next_attempt_at > now).exists()
    query = (select(S).where(S.acknowledged_at.is_(None), S.next_attempt_at <= now, ~blocked)
             .order_by(S.id).limit(limit))
    if _pg(session):
        query = query.with_for_update(skip_locked=True, of=S)
    return list(session.scalars(query))


def records_of(session: Session, ids: list[int]) -> dict[int, Record]:
    if not ids:
        return {}
    return {r.id: r for r in session.scalars(select(Record).where(Record.id.in_(ids)))}


def subjects_of(session: Session, ids: set[int]) -> dict[int, Subject]:
    if not ids:
        return {}
    return {s.id: s for s in session.scalars(select(Subject).where(Subject.id.in_(ids)))}


def agencies_of(session: Session, ids: set[int]) -> dict[int, Agency]:
    if not ids:
        return {}
    return {a.id: a for a in session.scalars(select(Agency).where(Agency.id.in_(ids)))}


def event_details(session: Session, ids: list[int]) -> dict[int, dict]:
    if not ids:
        return {}
    from xinyong.partitions.repository import events_after
    return dict(session.execute(select(FeedEvent.id, FeedEvent.details).where(
        FeedEvent.id.in_(ids), events_after(session, min(ids) - 1))).all())


def mark_acknowledged(session: Session, rows: list[dict]) -> None:
    """rows: {"sid", "b_upstream_id", "b_at"} — the receipt kept, one executemany for all."""
    if rows:
        session.connection().execute(
            S.__table__.update().where(S.__table__.c.id == bindparam("sid")).values(
                upstream_id=bindparam("b_upstream_id"), acknowledged_at=bindparam("b_at"),
                attempts=S.__table__.c.attempts + 1, last_error=""), rows)


def mark_failed(session: Session, rows: list[dict]) -> None:
    """rows: {"sid", "b_error", "b_next_at"} — attempts + 1, the error kept, the next attempt later."""
    if rows:
        session.connection().execute(
            S.__table__.update().where(S.__table__.c.id == bindparam("sid")).values(
                last_error=bindparam("b_error"), next_attempt_at=bindparam("b_next_at"),
                attempts=S.__table__.c.attempts + 1), rows)


def counts(session: Session) -> dict[str, int]:
    pending, acked, failing = session.execute(select(
        func.count().filter(S.acknowledged_at.is_(None)), func.count().filter(S.acknowledged_at.is_not(None)),
        func.count().filter(and_(S.acknowledged_at.is_(None), S.attempts > 0)))).one()
    return {"pending": int(pending), "acknowledged": int(acked), "failing": int(failing or 0)}


def failing(session: Session, limit: int = 100) -> list[S]:
    return list(session.scalars(select(S).where(S.acknowledged_at.is_(None), S.attempts > 0)
                                .order_by(S.attempts.desc(), S.id).limit(limit)))


# ---- reconciliation ------------------------------------------------------------------------------------

def public_record_ids(session: Session, today: dt.date, after_id: int, limit: int) -> list[int]:
    """Ids of records in public view today, in pages (keyset on id)."""
    return list(session.scalars(text(
        f"SELECT r.id FROM records r WHERE r.id > :after AND {public_sql('r', ':today')} ORDER BY r.id LIMIT :limit"),
        {"after": after_id, "today": today, "limit": limit}))


def reported_not_public(session: Session, today: dt.date, after_id: int, limit: int) -> list[int]:
    """Records once reported upward that are not in public view today (withdrawn, repaired,
    expired): the upstream must not hold them."""
    return list(session.scalars(text(
        "SELECT r.id FROM records r WHERE r.id > :after "
        "AND EXISTS (SELECT 1 FROM upstream_submissions u WHERE u.record_id = r.id) "
        f"AND NOT {public_sql('r', ':today')} ORDER BY r.id LIMIT :limit"),
        {"after": after_id, "today": today, "limit": limit}))


def latest_versions(session: Session, keys: list[str]) -> dict[str, int]:
    if not keys:
        return {}
    return dict(session.execute(select(S.item_key, func.max(S.version))
                                .where(S.item_key.in_(keys), S.acknowledged_at.is_not(None))
                                .group_by(S.item_key)).all())


def pending_resends(session: Session, keys: list[str]) -> set[str]:
    if not keys:
        return set()
    return set(session.scalars(select(S.item_key).where(S.item_key.in_(keys), S.action == "resend",
                                                        S.acknowledged_at.is_(None))))


# ---- timeliness ---------------------------------------------------------------------------------------

def _china_date(session: Session, column):
    if _pg(session):
        return cast(func.timezone("Asia/Shanghai", column), Date)
    return func.date(column, "+8 hours")


def timeliness_groups(session: Session, items: tuple[str, ...]) -> list[tuple]:
    """(agency id, agency name, decision date, receipt date, acknowledgement date | None, count,
    summed hours receipt -> acknowledgement) over first publications of records of ``items``."""
    recv, ack = _china_date(session, S.received_at), _china_date(session, S.acknowledged_at)
    if _pg(session):
        hours = func.extract("epoch", S.acknowledged_at - S.received_at) / 3600.0
    else:
        hours = (func.julianday(S.acknowledged_at) - func.julianday(S.received_at)) * 24.0
    return list(session.execute(
        select(S.agency_id, Agency.name, S.decision_date, recv, ack, func.count(), func.sum(hours))
        .join(Record, Record.id == S.record_id).join(Agency, Agency.id == S.agency_id, isouter=True)
        .where(S.action == "publish", Record.item_code.in_(items))
        .group_by(S.agency_id, Agency.name, S.decision_date, recv, ack)))
