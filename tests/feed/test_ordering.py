"""A receiver never has an event committed below its cursor after it moved past (the feed's
late-commit defect, docs/RELIABILITY.md "Feed delivery never skips a late commit"): every feed
insert goes through repository.write_events, which on PostgreSQL announces the ids the writer
may take, and receivers are given and may acknowledge only ids under repository.delivery_horizon.
No writer ever waits for another (a nested session of the same thread included). SQLite: its one
write lock gives ids in commit order."""
from __future__ import annotations

import ast
import re
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import event, select, text

from tests.support.builders import agency
from xinyong.db import make_engine, session_factory, session_scope
from xinyong.feed import repository, rules, views
from xinyong.feed.service import emit
from xinyong.models.feed import FeedReceiver

ROOT = Path(__file__).resolve().parents[2]
ON_POSTGRESQL = pytest.mark.parametrize("backend", ["postgresql"])   # SQLite has one writer at a time


def _receiver(session) -> FeedReceiver:
    return session.scalar(select(FeedReceiver))


def _add_receiver(db) -> None:
    with session_scope(db) as session:
        session.add(FeedReceiver(org_id=agency(session).id, start_after_event_id=0, acked_through_id=0))


def _read_and_ack(db) -> list[int]:
    """What a receiver does: read the page after its watermark, acknowledge up to its last id."""
    with session_scope(db) as session:
        receiver = _receiver(session)
        page = views.feed_page(session, receiver, None, 100, False)
        ids = [e.id for e in page.events]
        if ids:
            repository.ack_through(session, receiver, ids[-1])
            repository.compact(session, receiver)
    return ids


def _committed(db) -> list[tuple[int, str]]:
    with session_scope(db) as session:
        return [tuple(r) for r in session.execute(text("SELECT id, kind FROM feed_events ORDER BY id"))]


def test_an_event_committed_after_a_later_one_is_still_delivered(db):
    """Two real connections. A inserts a delisting (a withdrawal receivers must hear of) and has
    not committed; B inserts and commits; the receiver reads and acknowledges; A commits; the
    receiver reads again from its cursor. Every event A and B committed reaches it. Before the
    fix, on PostgreSQL, A's event had the smaller id, B's was read and acknowledged, and A's lay
    below the cursor for ever. (PostgreSQL: B does not wait for A; SQLite: B waits on A's write
    lock, so B's id is the larger there too.) The events name no list entry: which entries a
    receiver hears of is tests/feed/test_publicity.py's matter."""
    _add_receiver(db)
    pg = db.dialect.name == "postgresql"
    writer_a = session_factory(db)()
    errors: list[BaseException] = []

    def writer_b() -> None:
        try:
            with session_scope(db) as session:
                emit(session, "listed", [{"subject_id": 2}])
        except BaseException as exc:   # reported by the assertion below
            errors.append(exc)

    thread = threading.Thread(target=writer_b)
    try:
        emit(writer_a, "delisted", [{"subject_id": 1, "details": {"reason": "withdrawn"}}])
        thread.start()
        thread.join(1.0 if not pg else 30)   # SQLite: B waits up to its 30 s busy timeout for A's write lock
        b_committed_first = not thread.is_alive()
        delivered = _read_and_ack(db)
        writer_a.commit()
    finally:
        writer_a.close()
    thread.join(30)
    assert not thread.is_alive() and not errors, errors
    delivered += _read_and_ack(db)
    committed = _committed(db)
    with session_scope(db) as session:
        watermark = _receiver(session).acked_through_id
    assert sorted(delivered) == [i for i, _ in committed] and [k for _, k in committed] == ["delisted", "listed"]
    assert watermark == committed[-1][0]
    assert b_committed_first == pg   # the interleaving above is the one that happened: on PostgreSQL B's
    # event (the larger id) was committed while A's (the smaller) was not, and the receiver read then


@ON_POSTGRESQL
def test_a_receiver_cannot_acknowledge_past_an_event_in_flight(db):
    """PostgreSQL: while A's event (the smaller id) is uncommitted, B's committed event is not
    given, a cumulative acknowledgement up to B's id stops below A's, and a single acknowledgement
    of B's id is not taken; after A commits both are given."""
    _add_receiver(db)
    writer_a = session_factory(db)()
    try:
        emit(writer_a, "delisted", [{"subject_id": 1}])
        with session_scope(db) as session:
            emit(session, "listed", [{"subject_id": 2}])
        newest = max(i for i, _ in _committed(db))
        with session_scope(db) as session:
            receiver = _receiver(session)
            repository.ack_ids(session, receiver, [newest])
            repository.ack_through(session, receiver, newest)
            repository.compact(session, receiver)
            watermark = receiver.acked_through_id
        held_back = _read_and_ack(db)
        writer_a.commit()
    finally:
        writer_a.close()
    assert (held_back, watermark) == ([], newest - 2)
    assert _read_and_ack(db) == [newest - 1, newest]


def _bounded(engine) -> None:
    """Every connection of ``engine`` gives up a lock wait after 10 s (PostgreSQL): a writer that
    waited on another session of its own thread fails instead of hanging the suite."""
    if engine.dialect.name == "postgresql":
        event.listen(engine, "connect", lambda dbapi, _rec: _set_lock_timeout(dbapi))


def _set_lock_timeout(dbapi) -> None:
    with dbapi.cursor() as cur:
        cur.execute("SET lock_timeout = '10s'")
    dbapi.commit()


@ON_POSTGRESQL
def test_a_nested_session_of_the_same_thread_writes_and_commits_while_the_outer_one_is_open(db):
    """What hung `xinyong demo` under the withdrawn lock (the after-commit tree-head signer in a
    second session while the first held the feed lock): an outer transaction writes an event,
    then, before it commits, a second session of the same engine in the same thread writes an
    event and commits; then the outer commits. Nothing waits (a lock wait fails after 10 s, and
    the whole runs in a thread joined with a timeout); a receiver reading meanwhile is given
    nothing on PostgreSQL (the outer's event, the smaller id, is in flight); after the outer's
    commit it is given both, in order. (SQLite: one write transaction at a time; a nested writer
    would wait out its busy timeout, as it always did.)"""
    _add_receiver(db)
    engine = make_engine(db.url.render_as_string(hide_password=False))
    _bounded(engine)
    seen: dict[str, object] = {}

    def run() -> None:
        try:
            outer = session_factory(engine)()
            try:
                emit(outer, "delisted", [{"subject_id": 1}])
                with session_scope(engine) as inner:
                    emit(inner, "tree_head", [{"subject_id": rules.NO_SUBJECT, "details": {"tree_size": 1}}])
                seen["meanwhile"] = _read_and_ack(engine)
                outer.commit()
            finally:
                outer.close()
            seen["after"] = _read_and_ack(engine)
        except BaseException as exc:   # reported by the assertion below
            seen["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    started = time.monotonic()
    thread.start()
    thread.join(60)
    engine.dispose()
    assert not thread.is_alive(), "the nested session hung"
    assert "error" not in seen, seen.get("error")
    committed = _committed(db)
    assert [k for _, k in committed] == ["delisted", "tree_head"]
    assert seen["meanwhile"] == [] and seen["after"] == [i for i, _ in committed]
    assert time.monotonic() - started < 30


@ON_POSTGRESQL
def test_a_writer_announces_once_per_transaction_and_never_makes_another_wait(db):
    """PostgreSQL: the announcement is one shared lock per transaction however many inserts it
    makes (a loop of emits cannot fill the lock table), its key carries a floor under the ids the
    writer took, an exclusive taker would be the only one to wait (none exists: the scan below),
    and the commit releases it."""
    mine = ("SELECT ((CAST(classid AS bigint) & 65535) << 32) | CAST(objid AS bigint), mode FROM pg_locks "
            "WHERE locktype = 'advisory' AND objsubid = 1 AND (CAST(classid AS bigint) >> 16) = :tag "
            "AND pid = pg_backend_pid()")
    tag = {"tag": repository.FEED_WRITER_TAG}
    other = session_factory(db)()
    with session_scope(db) as session:
        for n in range(5):
            emit(session, "listed", [{"subject_id": n}])
        locks = session.execute(text(mine), tag).all()
        ids = list(session.scalars(text("SELECT id FROM feed_events")))
        assert len(locks) == 1 and locks[0][1] == "ShareLock" and locks[0][0] < min(ids)
        assert repository.delivery_horizon(session) >= max(ids)   # its own events: visible to itself
        assert repository.delivery_horizon(other) == locks[0][0] < min(ids)
        key = (repository.FEED_WRITER_TAG << 48) | locks[0][0]
        assert other.scalar(text("SELECT pg_try_advisory_xact_lock_shared(:k)"), {"k": key}) is True
        assert other.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": key}) is False
        other.rollback()
    try:
        assert other.execute(text(mine.replace("pid = pg_backend_pid()", "true")), tag).all() == []
        assert repository.delivery_horizon(other) == max(ids)
    finally:
        other.close()


@ON_POSTGRESQL
def test_the_feed_sequence_hands_out_one_id_at_a_time(db):
    """The announcement's floor is the sequence's last issued value: sound only while no session
    holds a cache of ids taken ahead (CACHE 1, PostgreSQL's default)."""
    with db.connect() as conn:
        assert conn.scalar(text("SELECT cache_size FROM pg_sequences WHERE sequencename = :s"),
                           {"s": repository.FEED_SEQUENCE}) == 1
        assert conn.scalar(text("SELECT pg_get_serial_sequence('feed_events', 'id')")) == \
            f"public.{repository.FEED_SEQUENCE}"


# ---- one function writes every feed event ---------------------------------------------------------------

FEED_INSERT = re.compile(r"insert\s+into\s+feed_events|copy\s+feed_events|insert\(\s*FeedEvent\b|"
                         r"\bFeedEvent\s*\(|FeedEvent\.__table__\.insert|feed_events\.insert", re.IGNORECASE)
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def _without_docstrings(tree: ast.Module) -> ast.Module:
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, *FUNCTIONS)) and ast.get_docstring(node) is not None:
            node.body = node.body[1:] or [ast.Pass()]
    return tree


def _functions_writing_feed_events() -> dict[str, ast.AST]:
    """Every function of xinyong/ whose code (docstrings and comments aside) builds an insert
    into feed_events; code outside functions must build none."""
    found = {}
    for path in sorted((ROOT / "xinyong").rglob("*.py")):
        tree = _without_docstrings(ast.parse(path.read_text(encoding="utf-8")))
        outside = [n for n in tree.body if not isinstance(n, (*FUNCTIONS, ast.ClassDef))]
        outside += [n for c in tree.body if isinstance(c, ast.ClassDef) for n in c.body if not isinstance(n, FUNCTIONS)]
        assert not FEED_INSERT.search("\n".join(ast.unparse(n) for n in outside)), path
        for node in ast.walk(tree):
            if isinstance(node, FUNCTIONS) and FEED_INSERT.search(ast.unparse(node)):
                found[f"{path.relative_to(ROOT)}::{node.name}"] = node
    return found


def _calls(node: ast.AST) -> set[str]:
    names = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Call):
            names.add(n.func.attr if isinstance(n.func, ast.Attribute) else getattr(n.func, "id", ""))
    return names


def test_every_feed_insert_goes_through_write_events():
    """Every function of the platform that builds an insert into feed_events (SQL text, a Core
    insert, a FeedEvent object for the ORM, a COPY) hands it to repository.write_events and
    executes nothing itself; write_events announces the writer before it executes; and the
    platform takes the feed writers' key in shared mode only (no code waits on it)."""
    found = _functions_writing_feed_events()
    assert set(found) == {"xinyong/feed/repository.py::insert_events",
                          "xinyong/feed/repository.py::insert_record_events"}, sorted(found)
    for name, node in found.items():
        calls = _calls(node)
        assert "write_events" in calls, name
        assert not calls & {"execute", "executemany", "add", "add_all", "bulk_insert_mappings", "copy"}, name
    source = (ROOT / "xinyong/feed/repository.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    write = ast.unparse(next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "write_events"))
    assert write.index("_ANNOUNCE") < write.index("session.execute(statement")
    taken = [m for p in sorted((ROOT / "xinyong").rglob("*.py"))
             for m in re.findall(r"pg_(?:try_)?advisory_\w+", p.read_text(encoding="utf-8"))]
    assert taken == ["pg_advisory_xact_lock_shared"], taken



@ON_POSTGRESQL
def test_the_upstream_outbox_takes_an_items_changes_in_id_order(db):
    """The upstream submissions are made from the feed (upstream.repository.enqueue_from_feed):
    while A's change of list entry 1 (the smaller id) is uncommitted, B's later change of the same
    entry is not queued ahead of it; after A commits both are queued, A's first."""
    from xinyong.upstream.repository import enqueue_from_feed
    writer_a = session_factory(db)()
    try:
        emit(writer_a, "listed", [{"subject_id": 1, "details": {"entry_id": 1}}])
        with session_scope(db) as session:
            emit(session, "delisted", [{"subject_id": 1, "details": {"entry_id": 1}}])
        with session_scope(db) as session:
            held_back = enqueue_from_feed(session)
        writer_a.commit()
    finally:
        writer_a.close()
    with session_scope(db) as session:
        after = enqueue_from_feed(session)
        queued = [tuple(r) for r in session.execute(text(
            "SELECT u.action, u.event_id FROM upstream_submissions u ORDER BY u.id"))]
    assert (held_back, after) == (0, 2)
    assert [a for a, _ in queued] == ["list", "delist"] and queued[0][1] < queued[1][1]
