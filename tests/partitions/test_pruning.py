"""The platform's own queries on the partitioned tables read only the months they need
(PostgreSQL; EXPLAIN of the very statements the repositories send). Queries that carry no time
of their own (the feed after a cursor id, a record's history, audit entries by id) are bounded by
what 0025_prune keeps beside them, checked under EXPLAIN ANALYZE where the bound is an InitPlan
(run-time pruning), also with the settable clock moved back: see docs/RELIABILITY.md,
"Partitioning and retention"."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from tests.partitions.support import UTC, executed, make_months, scanned, statements_on
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


def test_an_access_log_entry_opened_from_the_list_reads_its_month_only(db):
    """The list links an entry with its date (``?on=``): its month is read, not the others; a
    wrong or missing date falls back to every month and still finds it."""
    from xinyong.access.repository import log_entry
    with db.begin() as conn:
        _spread(conn, "access_log", "INSERT INTO access_log (subject_id, at, role, items, purpose, allowed, reason, "
                                    "channel) VALUES (:s, :at, 'agency', '[]', 'p', true, '', 'api')")
        march = conn.execute(text("SELECT id FROM access_log WHERE subject_id = 1 AND at < '2026-04-01' "
                                  "AND at >= '2026-03-01'")).scalar()
    with statements_on(db, "access_log") as seen, session_scope(db) as session:
        found = log_entry(session, march, subject_id=1, on=dt.date(2026, 3, 15))
    assert found[0].id == march and len(seen) == 1
    assert scanned(db, *seen[0], "access_log") == {"access_log_p2026_03"}
    with statements_on(db, "access_log") as seen, session_scope(db) as session:
        assert log_entry(session, march, subject_id=1, on=dt.date(2026, 5, 2))[0].id == march
    assert len(seen) == 2 and {f"access_log_p2026_0{m}" for _, m in MONTHS} <= scanned(db, *seen[1], "access_log")


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


# ---- queries that carry no time: bounded by what 0025_prune keeps beside them -------------------

def _months(found: set[str], table: str) -> set[int]:
    """The months of 2026's first half among the partitions read (future and default ones aside)."""
    return {int(n[-2:]) for n in found if n.startswith(f"{table}_p2026_0")}


def _at(monkeypatch, day: str) -> None:
    monkeypatch.setenv("XINYONG_TODAY", day)


def _feed_world(db, monkeypatch) -> dict[str, int]:
    """One event on the 15th of each month Jan-Jun (in clock order), and a receiver."""
    from tests.support.builders import agency
    from xinyong.feed.service import emit
    from xinyong.models.feed import FeedReceiver
    with db.begin() as conn:
        make_months(conn, "feed_events", *MONTHS)
    ids = {}
    for _, m in MONTHS:
        _at(monkeypatch, f"2026-0{m}-15")
        with session_scope(db) as session:
            emit(session, "listed", [{"subject_id": m}])
            ids[m] = session.scalar(text("SELECT max(id) FROM feed_events"))
    with session_scope(db) as session:
        session.add(FeedReceiver(org_id=agency(session).id, start_after_event_id=0, acked_through_id=0))
    return ids


def _receiver(session):
    from sqlalchemy import select

    from xinyong.models.feed import FeedReceiver
    return session.scalar(select(FeedReceiver))


def test_the_feed_after_a_cursor_reads_the_months_from_the_first_event_after_it(db, monkeypatch):
    """events_for after the April event reads May and June only; an event written later under a
    clock set back to February (a larger id in an earlier month) is still delivered, and the read
    then starts at February: the bound comes from the spans the writes left, never from the ids."""
    from xinyong.feed import repository
    from xinyong.feed.service import emit
    ids = _feed_world(db, monkeypatch)
    with statements_on(db, "feed_events") as seen, session_scope(db) as session:
        got = repository.events_for(session, _receiver(session), ids[4], 50, False)
    assert [e.subject_id for e, _ in got] == [5, 6]
    assert _months(executed(db, *seen[0], "feed_events"), "feed_events") == {5, 6}
    _at(monkeypatch, "2026-02-20")   # the clock set back
    with session_scope(db) as session:
        emit(session, "listed", [{"subject_id": 22}])
    with statements_on(db, "feed_events") as seen, session_scope(db) as session:
        got = repository.events_for(session, _receiver(session), ids[4], 50, False)
    assert [e.subject_id for e, _ in got] == [5, 6, 22]
    assert _months(executed(db, *seen[0], "feed_events"), "feed_events") == {2, 3, 4, 5, 6}


def test_a_removal_is_checked_against_the_listings_after_the_receivers_start_only(db, monkeypatch):
    """A "delisted" reaches a receiver only when the listing came after the receiver's start
    (feed.repository.readable): that look-up reads the months from the first event after the
    start on, like the read itself, not every month of the feed."""
    from xinyong.feed import repository
    from xinyong.feed.service import emit
    ids = _feed_world(db, monkeypatch)
    with session_scope(db) as session:
        emit(session, "delisted", [{"subject_id": 2, "details": {"entry_id": 8}}])   # its listing never reached this receiver
        emit(session, "listed", [{"subject_id": 6, "details": {"entry_id": 9}}])     # no longer on any list: not told
        emit(session, "delisted", [{"subject_id": 6, "details": {"entry_id": 9}}])
        _receiver(session).start_after_event_id = _receiver(session).acked_through_id = ids[4]
    with statements_on(db, "feed_events") as seen, session_scope(db) as session:
        got = repository.events_for(session, _receiver(session), ids[4], 50, False)
    assert [(e.subject_id, e.kind) for e, _ in got] == [(5, "listed"), (6, "listed"), (6, "delisted")]
    assert _months(executed(db, *seen[0], "feed_events"), "feed_events") == {5, 6}


def test_every_feed_statement_after_a_watermark_reads_from_its_first_event_on(db, monkeypatch):
    """Counting, compacting, acknowledging single ids, the newest id, the oldest unacknowledged
    event (retention) and the upstream's event details: each statement that reads feed_events
    after the receiver's watermark (the April event) reads May and June only, also after the
    worker merged the spans of each month."""
    from xinyong.feed import repository
    from xinyong.partitions.repository import merge_feed_spans, oldest_unacknowledged_event_at
    from xinyong.upstream.repository import event_details
    from xinyong.feed.service import emit
    ids = _feed_world(db, monkeypatch)
    with session_scope(db) as session:   # a second statement in June: two spans of one month
        emit(session, "listed", [{"subject_id": 66}])
        ids[66] = session.scalar(text("SELECT max(id) FROM feed_events"))
    with session_scope(db) as session:
        _receiver(session).acked_through_id = ids[4]
        assert merge_feed_spans(session) == 2   # June's two spans became one
        assert session.scalar(text("SELECT count(*) FROM feed_event_spans")) == 6
    calls = [(lambda s: repository.receivers_with_counts(s, None), {5, 6}),
             (lambda s: oldest_unacknowledged_event_at(s), {5, 6}),   # which feed months retention keeps
             (lambda s: repository.ack_ids(s, _receiver(s), [ids[5]]), {5, 6}),
             (lambda s: repository.compact(s, _receiver(s)), {5, 6}),
             (lambda s: repository.max_event_id(s), {6}),   # the newest span's month
             (lambda s: event_details(s, [ids[5], ids[66]]), {5, 6})]
    for call, months in calls:
        with statements_on(db, "feed_events", ("SELECT", "INSERT")) as seen, session_scope(db) as session:
            call(session)
        assert seen, call
        for statement in seen:
            read = _months(executed(db, *statement, "feed_events"), "feed_events")
            assert read == months, (read, statement[0])
    with session_scope(db) as session:
        assert repository.max_event_id(session) == ids[66] and _receiver(session).acked_through_id == ids[5]


def test_a_concurrent_writer_with_the_clock_set_back_is_read_after_it_commits(db, monkeypatch):
    """Writer A takes its id under a clock set back to February and commits last; writer B, with
    a later id in June, commits first. A read between the commits returns neither: A's event (its
    span not visible either) is in flight below B's, which waits for it (tests/feed/test_ordering.py);
    a read after A's commit returns both, reading from February."""
    from xinyong.db import session_factory
    from xinyong.feed import repository
    from xinyong.feed.service import emit
    ids = _feed_world(db, monkeypatch)
    writer_a = session_factory(db)()
    try:
        _at(monkeypatch, "2026-02-10")
        emit(writer_a, "listed", [{"subject_id": 20}])
        _at(monkeypatch, "2026-06-20")
        with session_scope(db) as writer_b:
            emit(writer_b, "listed", [{"subject_id": 60}])
        with session_scope(db) as session:
            got = repository.events_for(session, _receiver(session), ids[6], 50, False)
        assert got == []
        writer_a.commit()
    finally:
        writer_a.close()
    with statements_on(db, "feed_events") as seen, session_scope(db) as session:
        got = repository.events_for(session, _receiver(session), ids[6], 50, False)
    assert [e.subject_id for e, _ in got] == [20, 60]
    assert _months(executed(db, *seen[0], "feed_events"), "feed_events") == {2, 3, 4, 5, 6}


def _history(conn, entity_id: int, month: int, version: int) -> None:
    conn.execute(text("INSERT INTO history (entity, entity_id, subject_id, version, snapshot, change_reason, "
                      "changed_at) VALUES ('record', :e, 1, :v, '{}', 'r', :at)"),
                 {"e": entity_id, "v": version, "at": dt.datetime(2026, month, 15, tzinfo=UTC)})


def test_a_records_history_reads_the_months_from_its_first_to_its_last_change(db):
    """Record 7 changed in March only: one month read. Record 8 changed in February, then in
    May, then (clock set back) in January: its history needs January to May, and reads them."""
    from xinyong.history import versions
    from xinyong.reports.repository import record_histories
    with db.begin() as conn:
        make_months(conn, "history", *MONTHS)
        for entity_id, month, version in ((7, 3, 1), (8, 2, 1), (8, 5, 2), (8, 1, 3), (9, 6, 1)):
            _history(conn, entity_id, month, version)
    for entity_id, wanted, months in ((7, [1], {3}), (8, [1, 2, 3], {1, 2, 3, 4, 5})):
        with statements_on(db, "history") as seen, session_scope(db) as session:
            found = versions(session, "record", entity_id)
        assert [h.version for h in found] == wanted
        assert _months(executed(db, *seen[0], "history"), "history") == months
    with statements_on(db, "history") as seen, session_scope(db) as session:
        found = record_histories(session, 1, [7, 9])
    assert {k: [h.version for h in v] for k, v in found.items()} == {7: [1], 9: [1]}
    assert _months(executed(db, *seen[0], "history"), "history") == {3, 4, 5, 6}


def _audit_entries(db, monkeypatch, days: list[str], action: str = "test.event", target: str = "") -> list[int]:
    from xinyong.audit import record_event
    found = []
    for day in days:
        _at(monkeypatch, day)
        with session_scope(db) as session:
            found.append(record_event(session, None, action, target_type="complaint" if target else "",
                                      target_id=target).id)
    return found


def test_the_sequencer_and_a_leafs_entry_read_only_the_months_of_their_entries(db, monkeypatch):
    """Entries written in March, then (clock set back) January: the sequencer reads those two
    months for them, and a leaf's entry is read from its own month by the time the leaf keeps."""
    from xinyong.transparency import repository, service
    with db.begin() as conn:
        make_months(conn, "audit_log", *MONTHS)
    ids = _audit_entries(db, monkeypatch, ["2026-03-10", "2026-01-20"])
    with statements_on(db, "audit_log") as seen, session_scope(db) as session:
        service.sequence(session)
    reads = [st for st in seen if "transparency_pending" not in st[0]]
    assert reads and all(scanned(db, *st, "audit_log") == {"audit_log_p2026_01", "audit_log_p2026_03"}
                         for st in reads)
    with statements_on(db, "audit_log") as seen, session_scope(db) as session:
        entry = repository.entry_of_leaf(session, repository.leaf_of_entry(session, ids[1]))
    assert entry.id == ids[1] and entry.fields.at.month == 1
    assert [scanned(db, *st, "audit_log") for st in seen] == [{"audit_log_p2026_01"}]


def test_a_complaints_identity_openings_read_the_months_from_the_first_opening(db, monkeypatch):
    """Openings in April and June, then one under a clock set back to February: the list reads
    from February on (the complaint keeps its first opening's time), and before any opening
    reads nothing of the log."""
    from xinyong.complaints import opener, repository
    from xinyong.models.complaint import Complaint
    with db.begin() as conn:
        make_months(conn, "audit_log", *MONTHS)
    with session_scope(db) as session:
        complaint = Complaint(tracking_code="t1", secret_hash="0" * 64, kind="complaint", stage="collection",
                              summary="s", filed_on=dt.date(2026, 3, 1))
        session.add(complaint)
        session.flush()
        complaint_id = complaint.id
    with statements_on(db, "audit_log") as seen, session_scope(db) as session:
        assert repository.identity_views(session, complaint_id, opener.VIEWED) == []
    assert _months(executed(db, *seen[0], "audit_log"), "audit_log") == set()
    for day in ("2026-04-15", "2026-06-15", "2026-02-15"):
        _at(monkeypatch, day)
        with session_scope(db) as session:
            opener._audit(session, None, target_id=complaint_id, purpose="handle")
    with statements_on(db, "audit_log") as seen, session_scope(db) as session:
        found = repository.identity_views(session, complaint_id, opener.VIEWED)
    assert [e.at.month for e in found] == [4, 6, 2]
    assert _months(executed(db, *seen[0], "audit_log"), "audit_log") == {2, 3, 4, 5, 6}
