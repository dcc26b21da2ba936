"""Engine and sessions: pooled PostgreSQL connections that the server closed are replaced at
checkout (without a ping round trip per request); one sessionmaker per engine."""
from __future__ import annotations

import select
import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError, OperationalError

from xinyong.db import make_engine, session_factory


def _backend_pid_then_terminate(engine, pg_url) -> int:
    """Take a pooled connection's server process, end it from outside, and wait until the
    FIN has reached the pooled (idle) socket."""
    with engine.connect() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        raw = conn.connection.dbapi_connection
    killer = create_engine("postgresql+psycopg://" + pg_url.split("://", 1)[1])
    with killer.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    killer.dispose()
    poller = select.poll()
    poller.register(raw.fileno(), select.POLLIN)
    deadline = time.monotonic() + 10
    while not poller.poll(100):
        assert time.monotonic() < deadline, "the server's close never reached the pooled socket"
    return pid


def test_a_connection_the_server_closed_is_replaced_at_checkout(pg_url):
    engine = make_engine(pg_url)
    try:
        pid = _backend_pid_then_terminate(engine, pg_url)
        with engine.connect() as conn:  # the same pooled connection would fail: it is replaced
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar() != pid
        with session_factory(engine)() as session:
            assert session.execute(text("SELECT 1")).scalar() == 1
    finally:
        engine.dispose()


def test_without_the_check_that_request_would_fail(pg_url):
    """What the checkout check (or pool_pre_ping) is for."""
    engine = create_engine("postgresql+psycopg://" + pg_url.split("://", 1)[1], pool_size=1)
    try:
        _backend_pid_then_terminate(engine, pg_url)
        with pytest.raises(OperationalError), engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    finally:
        engine.dispose()


def test_tcp_keepalives_are_set_unless_the_url_sets_them(pg_url):
    for url, idle in ((pg_url, "30"), (pg_url + ("&" if "?" in pg_url else "?") + "keepalives_idle=5", "5")):
        engine = make_engine(url)
        with engine.connect() as conn:
            given = conn.connection.dbapi_connection.info.get_parameters()
        engine.dispose()
        assert given["keepalives"] == "1" and given["keepalives_idle"] == idle and given["keepalives_count"] == "3"


def test_one_sessionmaker_per_engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    assert session_factory(engine) is session_factory(engine)
    assert session_factory(engine)().bind is engine
    engine.dispose()


def test_a_session_left_idle_in_its_transaction_is_ended_by_the_server(pg_url, monkeypatch):
    """Its locks (the feed writer's announcement among them: receivers get nothing above it
    until it ends) are released after idle_in_transaction_seconds, not held for ever."""
    from xinyong.config import reset_settings
    engine = make_engine(pg_url)
    try:
        with engine.connect() as conn:   # the default: ten minutes
            assert conn.execute(text("SHOW idle_in_transaction_session_timeout")).scalar() == "10min"
    finally:
        engine.dispose()
    monkeypatch.setenv("XINYONG_IDLE_IN_TRANSACTION_SECONDS", "1")
    reset_settings()
    engine = make_engine(pg_url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock_shared(424242)"))
            time.sleep(2.5)
            with pytest.raises(DBAPIError, match="idle-in-transaction timeout"):
                conn.execute(text("SELECT 1"))
        with engine.connect() as conn:   # the lock went with the session
            assert conn.execute(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                                     "AND objid = 424242")).scalar() == 0
    finally:
        engine.dispose()
        monkeypatch.delenv("XINYONG_IDLE_IN_TRANSACTION_SECONDS")
        reset_settings()


def test_a_url_that_sets_its_own_options_keeps_them(pg_url):
    sep = "&" if "?" in pg_url else "?"
    engine = make_engine(f"{pg_url}{sep}options=-c%20idle_in_transaction_session_timeout%3D7s")
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SHOW idle_in_transaction_session_timeout")).scalar() == "7s"
    finally:
        engine.dispose()


def test_a_new_sqlite_database_gets_the_platforms_page_size_and_an_old_one_keeps_its_own(tmp_path):
    """The page size is a file's setting, fixed before its first table (and WAL): the engine
    gives a database it creates SQLITE_PAGE_SIZE; a file made elsewhere with SQLite's default
    keeps 4096 and is used as it is."""
    import sqlite3

    from xinyong.db import SQLITE_PAGE_SIZE
    assert SQLITE_PAGE_SIZE == 16384
    engine = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (v TEXT)"))
        conn.execute(text("INSERT INTO t VALUES ('x')"))
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA page_size")).scalar() == SQLITE_PAGE_SIZE
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    engine.dispose()
    old = sqlite3.connect(tmp_path / "old.db")
    old.execute("CREATE TABLE t (v TEXT)")
    old.commit()
    old.close()
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES ('y')"))
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA page_size")).scalar() == 4096
        assert conn.execute(text("SELECT v FROM t")).scalar() == "y"
    engine.dispose()
