"""Rate-limit buckets in the database (issue 16 point 2): every web node takes from the same
bucket, with the same arithmetic as the in-process store. Both backends."""
from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from tests.support.clocks import FakeClock, allowed_from_threads
from xinyong.config import Settings, reset_settings
from xinyong.db import make_engine
from xinyong.kit.dbbuckets import DatabaseBucketStore
from xinyong.kit.ratelimit import Limit, MemoryBucketStore, RateLimiter


def test_the_n_plus_first_take_is_refused_and_told_when_to_retry(db):
    store, limit = DatabaseBucketStore(db, FakeClock()), Limit(per_minute=60, burst=60)
    assert all(store.take("ip:1", limit).allowed for _ in range(60))
    refused = store.take("ip:1", limit)
    assert not refused.allowed and refused.retry_after == pytest.approx(1.0)
    assert store.take("ip:2", limit).allowed  # buckets are per key


def test_two_nodes_take_from_one_bucket(db, migrated, backend):
    """Two engines (two nodes' connection pools) on one database: one limit, not two."""
    clock, limit = FakeClock(), Limit(per_minute=60, burst=10)
    other = make_engine(migrated(backend))
    try:
        first, second = DatabaseBucketStore(db, clock, "routes"), DatabaseBucketStore(other, clock, "routes")
        taken = [store.take("ip:203.0.113.9", limit).allowed for _ in range(8) for store in (first, second)]
        assert taken.count(True) == 10 and not any(taken[10:])
        assert DatabaseBucketStore(other, clock, "public").take("ip:203.0.113.9", limit).allowed  # namespaces apart
    finally:
        other.dispose()


def test_the_database_clock_is_used_when_none_is_given(db):
    store, limit = DatabaseBucketStore(db), Limit(per_minute=1, burst=2)
    assert [store.take("k", limit).allowed for _ in range(3)] == [True, True, False]
    refused = store.take("k", limit)
    assert 55 < refused.retry_after <= 60  # one token a minute, barely started to come back


def test_concurrent_takes_never_overdraw(db):
    store, limit = DatabaseBucketStore(db, FakeClock()), Limit(per_minute=1, burst=150)
    assert allowed_from_threads(store, limit, "shared", threads=6, takes=40) == 150


def test_no_address_or_user_id_is_stored_and_refilled_buckets_go(db):
    clock = FakeClock()
    store, limit = DatabaseBucketStore(db, clock, sweep_every=5), Limit(per_minute=60, burst=5)
    for n in range(4):
        store.take(f"ip:198.51.100.{n}", limit)
    with db.connect() as conn:
        keys = conn.execute(text("SELECT bucket FROM rate_buckets")).scalars().all()
    assert len(keys) == 4 and not any("198.51" in k or "ip:" in k for k in keys)
    assert len(store) == 4
    clock.advance(3600)  # all refilled: the 5th take sweeps them, leaving its own
    store.take("ip:other", limit)
    assert len(store) == 1
    with db.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM rate_buckets")).scalar_one() == 1


_steps = st.lists(st.tuples(st.integers(0, 2), st.sampled_from([0.0, 0.0, 0.5, 1.5, 9.9, 10.1, 40.0, 3600.0])),
                  min_size=1, max_size=40)


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(per_minute=st.integers(1, 600), burst=st.integers(1, 20), steps=_steps)
def test_it_decides_exactly_as_the_in_process_store(db, per_minute, burst, steps):
    """The UPSERT's arithmetic is take_one's: any walk of takes and waits, the same decisions."""
    db_clock, memory_clock = FakeClock(), FakeClock()
    store = DatabaseBucketStore(db, db_clock, namespace=uuid.uuid4().hex)  # a fresh table for each example
    memory, limit = MemoryBucketStore(memory_clock), Limit(per_minute, burst)
    for key, wait in steps:
        assert store.take(f"k{key}", limit) == memory.take(f"k{key}", limit)
        db_clock.advance(wait)
        memory_clock.advance(wait)


@pytest.mark.parametrize("url, given, kind", [
    ("postgresql://u@h/x", "", "database"), ("sqlite:///x.db", "", "memory"),
    ("sqlite:///x.db", "database", "database"), ("postgresql://u@h/x", "memory", "memory"),
    ("postgresql://u@h/x", "/run/xinyong/buckets", "file")])
def test_where_the_buckets_live_by_default_and_when_told(url, given, kind):
    assert Settings(database_url=url, rate_store=given).rate_store_kind() == kind


def test_the_limiters_of_the_app_use_the_database_on_postgresql(db, backend, monkeypatch):
    monkeypatch.setenv("XINYONG_RATE_ANON_PER_MINUTE", "2")
    reset_settings()
    from xinyong.config import get_settings
    limiter = RateLimiter.from_settings(get_settings())
    assert isinstance(limiter.store, DatabaseBucketStore) == (backend == "postgresql")
    if backend == "sqlite":
        monkeypatch.setenv("XINYONG_RATE_STORE", "database")
        reset_settings()
        limiter = RateLimiter.from_settings(get_settings())
    scope = {"type": "http", "method": "GET", "path": "/search", "headers": [], "client": ("203.0.113.9", 1)}
    again = RateLimiter.from_settings(get_settings())   # another process, or another node
    assert [limiter.check(scope).allowed, again.check(scope).allowed, limiter.check(scope).allowed] == [True, True, False]
    reset_settings()


def test_sweeps_and_takes_from_many_threads_never_fail(db):
    """Every take also sweeps, on buckets that refill within 10 ms: sweeps delete rows that other
    takes are writing, and none of them waits on another (SKIP LOCKED) or fails."""
    import threading
    store, limit, errors = DatabaseBucketStore(db, sweep_every=1), Limit(per_minute=6000, burst=1), []

    def hammer(n: int) -> None:
        try:
            for i in range(30):
                store.take(f"ip:{(n * 7 + i) % 12}", limit)
        except Exception as exc:  # noqa: BLE001 - the test reports whatever went wrong
            errors.append(exc)

    threads = [threading.Thread(target=hammer, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [] and not any(t.is_alive() for t in threads)


def test_with_the_database_out_of_reach_the_limit_holds_per_process_and_the_database_is_tried_again(monkeypatch):
    """The primary is dead and no standby promoted: takes fall back to this process's buckets
    with the same limit (never unlimited, never an error page), then go back to the database."""
    from xinyong.devtools.ports import free_port
    from xinyong.kit import dbbuckets
    dead = make_engine(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nothing?connect_timeout=2")
    store, limit = DatabaseBucketStore(dead), Limit(per_minute=60, burst=5)
    try:
        taken = [store.take("ip:198.51.100.7", limit).allowed for _ in range(7)]
        assert taken == [True] * 5 + [False] * 2
        assert store.take("ip:198.51.100.8", limit).allowed          # per key, as before
        tried = []
        monkeypatch.setattr(store, "_take", lambda key, lim: tried.append(key) or dbbuckets.Decision(True))
        assert store.take("ip:198.51.100.9", limit).allowed and tried == []   # within DOWN_SECONDS: memory
        store._down_until = 0.0
        assert store.take("ip:198.51.100.9", limit).allowed and tried == ["ip:198.51.100.9"]   # then the database
    finally:
        dead.dispose()


def test_an_error_that_is_not_an_outage_is_raised_not_hidden(db, monkeypatch):
    from sqlalchemy.exc import ProgrammingError
    store = DatabaseBucketStore(db)

    def broken(key, limit):
        raise ProgrammingError("SELECT … FROM rate_buckets", {}, Exception('relation "rate_buckets" does not exist'))
    monkeypatch.setattr(store, "_take", broken)
    with pytest.raises(ProgrammingError):
        store.take("ip:1", Limit(per_minute=60, burst=5))
    assert store._down_until == 0.0


def test_a_take_is_one_statement_in_autocommit(db, monkeypatch):
    """Issue #14: the UPSERT is its own transaction, one round trip (no BEGIN and COMMIT around
    it, on every public read); the sweep too."""
    import sqlite3

    from xinyong.db import KeptStatement
    seen, rows = [], KeptStatement.rows_on_driver

    def spy(self, connection, dialect, values):
        driver = connection.dbapi_connection
        seen.append(driver.isolation_level is None if isinstance(driver, sqlite3.Connection) else driver.autocommit)
        return rows(self, connection, dialect, values)

    monkeypatch.setattr(KeptStatement, "rows_on_driver", spy)
    store, limit = DatabaseBucketStore(db, FakeClock(), sweep_every=2), Limit(per_minute=60, burst=5)
    assert store.take("ip:1", limit).allowed and store.take("ip:1", limit).allowed
    assert seen == [True] * 3   # two takes, one sweep
    with db.connect() as conn:   # the pooled connection went back out of autocommit
        driver = conn.connection.dbapi_connection
        assert (driver.isolation_level is not None if isinstance(driver, sqlite3.Connection) else not driver.autocommit)
