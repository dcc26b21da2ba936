"""kit.bulk.hold_write_lock: on SQLite a transaction that reads what it is about to write takes the
write lock before its first read. Without it, another connection's commit between the read and
the first write fails that write at once (SQLITE_BUSY_SNAPSHOT: no busy timeout waits it out);
with it, the other connection waits, and both writes land. Stop 37's CI: two cities syncing each
other (tests/faults/test_peers.py) failed so on peer_certificates."""
from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from xinyong.kit import bulk


@pytest.fixture()
def path(tmp_path):
    file = tmp_path / "lock.db"
    con = sqlite3.connect(file)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    con.execute("INSERT INTO t (v) VALUES ('a')")
    con.commit()
    con.close()
    return file


def _other_writer(path, started: threading.Event, done: list) -> None:
    con = sqlite3.connect(path, timeout=10)
    started.set()
    con.execute("INSERT INTO t (v) VALUES ('other')")   # waits while the session holds the lock
    con.commit()
    con.close()
    done.append(True)


@pytest.mark.parametrize("held", [False, True])
def test_a_read_then_write_survives_another_writers_commit_only_with_the_lock_held(path, held):
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 10})
    with Session(engine) as session:
        with session.begin():
            session.execute(text("SAVEPOINT s"))   # as session.begin_nested() opens the transaction
            if held:
                bulk.hold_write_lock(session, "t")
            assert session.execute(text("SELECT count(*) FROM t")).scalar() == 1   # the snapshot
            started, done = threading.Event(), []
            other = threading.Thread(target=_other_writer, args=(path, started, done))
            other.start()
            started.wait()
            other.join(0.5)   # without the lock its commit lands here; with it, it waits for ours
            if not held:
                assert done == [True]
                with pytest.raises(OperationalError, match="locked"):
                    session.execute(text("UPDATE t SET v = 'mine' WHERE id = 1"))
                session.rollback()
                other.join()
                return
            assert done == []
            session.execute(text("UPDATE t SET v = 'mine' WHERE id = 1"))
            session.execute(text("RELEASE s"))
        other.join()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT v FROM t ORDER BY id")).scalars().all() == ["mine", "other"]
    engine.dispose()


def test_only_sqlite_gets_the_no_op_write_and_the_session_goes_on(db, session, backend):
    sent = []
    listener = lambda conn, cursor, statement, *rest: sent.append(statement)   # noqa: E731
    event.listen(db, "before_cursor_execute", listener)
    try:
        bulk.hold_write_lock(session, "subjects")
        assert session.execute(text("SELECT count(*) FROM subjects")).scalar() == 0
    finally:
        event.remove(db, "before_cursor_execute", listener)
    locks = [s for s in sent if s.startswith("UPDATE subjects SET id = id WHERE 0")]
    assert locks == (["UPDATE subjects SET id = id WHERE 0"] if backend == "sqlite" else [])
