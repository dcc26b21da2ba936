"""The worker's daily partition job: months made ahead, months wholly past the profile's
retention period dropped, the audit log's months never (PostgreSQL); on SQLite it does nothing."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from tests.partitions.support import UTC, make_months, partitions
from xinyong.db import session_scope
from xinyong.partitions.service import maintain


def _month_name(table: str, day: dt.date, months_ahead: int) -> str:
    total = day.year * 12 + day.month - 1 + months_ahead
    return f"{table}_p{total // 12:04d}_{total % 12 + 1:02d}"


@pytest.mark.parametrize("backend", ["postgresql"])
def test_the_worker_job_makes_the_months_ahead(db):
    from xinyong.worker import runner, service
    with db.connect() as conn:   # pg_partman's "now" is the server's
        today = conn.execute(text("SELECT CAST(now() AS date)")).scalar()
    ahead = {t: _month_name(t, today, 4) for t in ("access_log", "audit_log", "history", "feed_events")}
    with db.begin() as conn:
        for table, name in ahead.items():
            conn.execute(text(f"DROP TABLE IF EXISTS {name}"))
        assert not any(name in partitions(conn, t) for t, name in ahead.items())
    with session_scope(db) as session:
        job = service.enqueue(session, "partitions")
    runner.Worker(db).run_pending()   # (the due schedules run too)
    with db.connect() as conn:
        assert all(name in partitions(conn, t) for t, name in ahead.items())
        done = conn.execute(text("SELECT status, result FROM worker_jobs WHERE id = :j"), {"j": job}).one()
    assert done.status == "done" and done.result["created"] == ", ".join(sorted(ahead.values())), done.result


@pytest.mark.parametrize("backend", ["postgresql"])
def test_retention_drops_only_months_wholly_past_the_period(db):
    """Access log kept 60 months (national.d/retention.yaml): at 2026-12-04 the month of
    2021-11 ended before the cutoff 2021-12-04 and goes; 2021-12 holds days within the
    period and stays; the audit log's old months stay whatever their age."""
    with db.begin() as conn:
        make_months(conn, "access_log", (2015, 1), (2021, 11), (2021, 12))
        make_months(conn, "audit_log", (2015, 1))
        make_months(conn, "history", (2015, 1))
        conn.execute(text("INSERT INTO access_log (subject_id, at, role, items, purpose, allowed, reason, channel) "
                          "VALUES (1, '2021-11-30 12:00+00', 'agency', '[]', 'p', true, '', 'api'), "
                          "(1, '2021-12-05 12:00+00', 'agency', '[]', 'p', true, '', 'api')"))
    with session_scope(db) as session:
        report = maintain(session, now=dt.datetime(2026, 12, 4, 9, 0, tzinfo=UTC))
    assert report["dropped"] == "access_log_p2015_01, access_log_p2021_11"
    with db.connect() as conn:
        kept = partitions(conn, "access_log")
        assert "access_log_p2015_01" not in kept and "access_log_p2021_11" not in kept
        assert "access_log_p2021_12" in kept
        assert "audit_log_p2015_01" in partitions(conn, "audit_log")
        assert "history_p2015_01" in partitions(conn, "history")   # kept for ever (administrator setting)
        left = conn.execute(text("SELECT CAST(at AS date) FROM access_log")).scalars().all()
    assert left == [dt.date(2021, 12, 5)]


@pytest.mark.parametrize("backend", ["postgresql"])
def test_no_feed_month_an_active_receiver_still_has_to_take_is_dropped(db):
    from tests.support.builders import agency
    from xinyong.models.feed import FeedReceiver
    with db.begin() as conn:
        make_months(conn, "feed_events", (2019, 1), (2019, 2))
        for day in ("2019-01-10", "2019-02-10"):
            conn.execute(text("INSERT INTO feed_events (subject_id, kind, occurred_on, details, citation, created_at) "
                              "VALUES (1, 'published', CAST(:d AS date), '{}', '', CAST(:t AS timestamptz))"),
                         {"d": day, "t": day})
        first = conn.execute(text("SELECT min(id) FROM feed_events")).scalar()
    with session_scope(db) as session:   # the receiver has taken January's event, not February's
        session.add(FeedReceiver(org_id=agency(session).id, acked_through_id=first))
    with session_scope(db) as session:
        report = maintain(session, now=dt.datetime(2026, 12, 4, tzinfo=UTC))
    assert report["dropped"] == "feed_events_p2019_01"
    with db.connect() as conn:
        kept = partitions(conn, "feed_events")
    assert "feed_events_p2019_01" not in kept and "feed_events_p2019_02" in kept


@pytest.mark.parametrize("backend", ["sqlite"])
def test_sqlite_is_not_partitioned(db):
    with session_scope(db) as session:
        assert maintain(session) == {"partitioned": False}
