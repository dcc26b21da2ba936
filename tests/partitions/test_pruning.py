"""The platform's own queries on the partitioned tables read only the months they need
(PostgreSQL; EXPLAIN of the very statements the repositories send). Queries that carry no time
(the feed after a cursor id, a record's history, a report's issuance entry) cannot prune: see
docs/RELIABILITY.md, "Partitioning and retention"."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from tests.partitions.support import UTC, make_months, scanned, statements_on
from xinyong.db import session_scope

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])
MONTHS = [(2026, m) for m in range(1, 7)]


def _spread(conn, table: str, insert: str) -> None:
    """Rows on the 15th of every month, for subjects 1 and 2."""
    make_months(conn, table, *MONTHS)
    for y, m in MONTHS:
        for subject in (1, 2):
            conn.execute(text(insert), {"at": dt.datetime(y, m, 15, tzinfo=UTC), "s": subject, "m": m})


def test_access_log_for_a_subject_in_a_date_range_reads_its_months_only(db):
    from xinyong.access.repository import LogFilter, search_log
    with db.begin() as conn:
        _spread(conn, "access_log", "INSERT INTO access_log (subject_id, at, role, items, purpose, allowed, reason, "
                                    "channel) VALUES (:s, :at, 'agency', '[]', 'p', true, '', 'api')")
    where = LogFilter(subject_id=1, date_from=dt.datetime(2026, 3, 1, tzinfo=UTC),
                      date_to=dt.datetime(2026, 5, 1, tzinfo=UTC))
    with statements_on(db, "access_log") as seen, session_scope(db) as session:
        rows = search_log(session, where, limit=50, offset=0)
    assert [r[0].at.month for r in rows] == [4, 3] and {r[0].subject_id for r in rows} == {1}
    assert scanned(db, *seen[0], "access_log") == {"access_log_p2026_03", "access_log_p2026_04"}
    with statements_on(db, "access_log") as seen, session_scope(db) as session:   # without dates: all
        search_log(session, LogFilter(subject_id=1), limit=50, offset=0)
    assert {f"access_log_p2026_0{m}" for _, m in MONTHS} <= scanned(db, *seen[0], "access_log")


def test_audit_entries_of_a_target_in_a_period_read_its_months_only(db):
    from xinyong.audit.repository import EntryFilter, search
    with db.begin() as conn:
        _spread(conn, "audit_log", "INSERT INTO audit_log (chain, seq, at, actor, action, target_type, target_id, "
                                   "details, prev_hash, hash) VALUES (:s, :m, :at, 'x', 'report.issue', 'report', "
                                   "CAST(:s AS text), '{}', '', '')")
    flt = EntryFilter(target_type="report", target_id="2", at_from=dt.datetime(2026, 6, 1, tzinfo=UTC),
                      at_to=dt.datetime(2026, 7, 1, tzinfo=UTC))
    with statements_on(db, "audit_log") as seen, session_scope(db) as session:
        found = search(session, flt, limit=50, offset=0)
    assert [(e.target_id, e.at.month) for e in found] == [("2", 6)]
    assert scanned(db, *seen[0], "audit_log") == {"audit_log_p2026_06"}


def test_a_reports_issuance_entry_is_looked_up_in_the_months_around_its_issue(db):
    """The report's entry carries no time the caller knows, but it is written in the report's
    own transaction: report_inclusion bounds it by the report's issued_at, a day either side."""
    from xinyong.models.report import IssuedReport
    from xinyong.transparency.service import report_inclusion
    with db.begin() as conn:
        _spread(conn, "audit_log", "INSERT INTO audit_log (chain, seq, at, actor, action, target_type, target_id, "
                                   "details, prev_hash, hash) VALUES (:s, :m, :at, 'x', 'report.issue', 'report', "
                                   "CAST(:m AS text), '{}', '', '')")
    with session_scope(db) as session:
        session.add(IssuedReport(id=4, code="c4", number="n4", kind="public", subject_id=1, subject_name_masked="x",
                                 requester_role="public", sha256="0" * 64, filename="r.pdf", content=b"%PDF",
                                 issued_at=dt.datetime(2026, 4, 15, 0, 0, 1, tzinfo=UTC)))
    with statements_on(db, "audit_log") as seen, session_scope(db) as session:
        found = report_inclusion(session, 4)
    assert found["status"] == "pending" and found["entry_id"] > 0   # found; no tree head signed yet
    assert scanned(db, *seen[0], "audit_log") == {"audit_log_p2026_04"}


def test_a_batchs_ingest_entry_is_looked_up_in_the_months_around_its_completion(db):
    from xinyong.models import Batch
    from xinyong.transparency.repository import batch_entry_id
    with db.begin() as conn:
        _spread(conn, "audit_log", "INSERT INTO audit_log (chain, seq, at, actor, action, target_type, target_id, "
                                   "details, prev_hash, hash) VALUES (:s, :m, :at, 'x', 'batch.ingest', 'batch', "
                                   "CAST(:m AS text), '{}', '', '')")
    with session_scope(db) as session:
        session.add(Batch(id=2, source_uscc="x", item_code="penalty", status="completed",
                          completed_at=dt.datetime(2026, 2, 15, 23, 0, tzinfo=UTC)))
    with statements_on(db, "audit_log") as seen, session_scope(db) as session:
        found = batch_entry_id(session, 2)
    with db.connect() as conn:
        assert conn.execute(text("SELECT CAST(at AS date) FROM audit_log WHERE id = :i"),
                            {"i": found}).scalar() == dt.date(2026, 2, 15)
    assert scanned(db, *seen[0], "audit_log") == {"audit_log_p2026_02"}


def test_a_reports_access_summary_reads_the_months_since_its_start_only(db):
    """The credit report's "who looked at this subject" part (reports.repository.access_summary):
    both its statements, the recent entries and the counts, skip the months before `since`."""
    from xinyong.reports.repository import access_summary
    with db.begin() as conn:
        _spread(conn, "access_log", "INSERT INTO access_log (subject_id, at, role, items, purpose, allowed, reason, "
                                    "channel) VALUES (:s, :at, 'agency', '[]', 'p', true, '', 'api')")
    since = dt.datetime(2026, 4, 1, tzinfo=UTC)
    with statements_on(db, "access_log") as seen, session_scope(db) as session:
        recent, counts = access_summary(session, 1, since, rows=50)
    assert [r[0].at.month for r in recent] == [6, 5, 4] and [c[-1] for c in counts] == [3]
    assert len(seen) == 2
    for statement in seen:
        months = {name for name in scanned(db, *statement, "access_log") if name.startswith("access_log_p2026_0")}
        assert months == {"access_log_p2026_04", "access_log_p2026_05", "access_log_p2026_06"}, statement[0]
