"""Feed events become visible in id order (xinyong/feed/repository.py write_events): a receiver
that reads after its cursor and acknowledges what it read never has an event committed later
below that cursor. Both backends: PostgreSQL by the feed writers' advisory lock, SQLite by its
one write lock."""
from __future__ import annotations

import ast
import re
import threading
import time
from pathlib import Path

from sqlalchemy import select, text

from tests.support.builders import agency
from xinyong.db import session_factory, session_scope
from xinyong.feed import repository, views
from xinyong.feed.service import emit
from xinyong.models.feed import FeedReceiver

ROOT = Path(__file__).resolve().parents[2]


def _receiver(session) -> FeedReceiver:
    return session.scalar(select(FeedReceiver))


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


def _waits_for(db, pid: int) -> bool:
    with db.connect() as conn:
        return bool(conn.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE :pid = ANY(pg_blocking_pids(pid))"),
                                {"pid": pid}))


def _until_blocked_or_done(db, thread: threading.Thread, pid: int | None) -> bool:
    """True once writer B waits for writer A (PostgreSQL: a backend blocked by A's; SQLite: B has
    not finished after a second, waiting up to its 30 s busy timeout for A's write lock); False
    if B ran to its commit."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        thread.join(0.05)
        if not thread.is_alive():
            return False
        if pid is not None and _waits_for(db, pid):
            return True
        if pid is None and time.monotonic() > deadline - 9:
            return True
    raise AssertionError("writer B neither finished nor waited")


def test_an_event_committed_after_a_later_one_is_still_delivered(db):
    """A inserts (a delisting: a withdrawal receivers must hear of) and has not committed; B
    inserts and commits; the receiver reads and acknowledges; A commits; the receiver reads again.
    Every event A and B committed reaches the receiver (before write_events' lock, A's event got
    the smaller id, lay below the acknowledged cursor and was never delivered)."""
    with session_scope(db) as session:
        session.add(FeedReceiver(org_id=agency(session).id, start_after_event_id=0, acked_through_id=0))
    writer_a = session_factory(db)()
    errors: list[BaseException] = []

    def writer_b() -> None:
        try:
            with session_scope(db) as session:
                emit(session, "listed", [{"subject_id": 2, "details": {"entry_id": 2}}])
        except BaseException as exc:   # reported by the assertion below
            errors.append(exc)

    try:
        emit(writer_a, "delisted", [{"subject_id": 1, "details": {"entry_id": 1, "reason": "withdrawn"}}])
        pid = writer_a.scalar(text("SELECT pg_backend_pid()")) if db.dialect.name == "postgresql" else None
        thread = threading.Thread(target=writer_b)
        thread.start()
        blocked = _until_blocked_or_done(db, thread, pid)
        delivered = _read_and_ack(db)
        writer_a.commit()
    finally:
        writer_a.close()
    thread.join(30)
    assert not thread.is_alive() and not errors, errors
    delivered += _read_and_ack(db)
    with session_scope(db) as session:
        committed = [(i, k) for i, k in session.execute(text("SELECT id, kind FROM feed_events ORDER BY id"))]
        watermark = _receiver(session).acked_through_id
    assert sorted(delivered) == [i for i, _ in committed] and {k for _, k in committed} == {"listed", "delisted"}
    assert watermark == committed[-1][0]
    assert blocked   # B waited for A: the interleaving above is the one that happened
    assert committed[0][1] == "delisted"   # A, which inserted first, committed first: the smaller id


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
    executes nothing itself; write_events takes the feed's lock before it executes."""
    found = _functions_writing_feed_events()
    assert set(found) == {"xinyong/feed/repository.py::insert_events",
                          "xinyong/feed/repository.py::insert_record_events"}, sorted(found)
    for name, node in found.items():
        calls = _calls(node)
        assert "write_events" in calls, name
        assert not calls & {"execute", "executemany", "add", "add_all", "bulk_insert_mappings", "copy"}, name
    tree = ast.parse((ROOT / "xinyong/feed/repository.py").read_text(encoding="utf-8"))
    write = ast.unparse(next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "write_events"))
    assert write.index("pg_advisory_xact_lock") < write.index("session.execute(statement")


def test_write_events_holds_the_feed_lock_when_it_inserts(db):
    """On PostgreSQL the lock is held from the insert to the end of the transaction (a second
    connection cannot take it), and released by the commit."""
    if db.dialect.name != "postgresql":
        with session_scope(db) as session:
            assert emit(session, "listed", [{"subject_id": 1}]) == 1
        return
    probe = "SELECT pg_try_advisory_lock(:k)"
    with session_scope(db) as session, db.connect() as other:
        emit(session, "listed", [{"subject_id": 1}])
        assert other.scalar(text(probe), {"k": repository.FEED_WRITERS_LOCK}) is False
    with db.connect() as other:
        assert other.scalar(text(probe), {"k": repository.FEED_WRITERS_LOCK}) is True
        other.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": repository.FEED_WRITERS_LOCK})
