"""Rate-limit buckets shared by the processes of one machine (xinyong serve --workers N)."""
from __future__ import annotations

import multiprocessing
import os

import pytest

from tests.support.clocks import FakeClock, allowed_from_threads
from xinyong.config import reset_settings
from xinyong.kit.ratelimit import Limit, MemoryBucketStore, RateLimiter
from xinyong.kit.sharedbuckets import SharedBucketStore


@pytest.fixture
def path(tmp_path):
    return tmp_path / "buckets"


def test_two_processes_views_of_the_file_share_one_bucket(path):
    clock, limit = FakeClock(), Limit(per_minute=60, burst=60)
    first, second = SharedBucketStore(path, clock), SharedBucketStore(path, clock)
    assert all(first.take("ip:1", limit).allowed for _ in range(30))
    assert all(second.take("ip:1", limit).allowed for _ in range(30))
    refused = first.take("ip:1", limit)
    assert not refused.allowed and refused.retry_after == pytest.approx(1.0)
    assert not second.take("ip:1", limit).allowed
    assert second.take("ip:2", limit).allowed  # buckets are per key
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"


def test_it_decides_exactly_as_the_in_process_store(path):
    """Same refill arithmetic: a random walk of takes and waits gives the same decisions."""
    import random
    rng = random.Random(7)
    shared_clock, memory_clock = FakeClock(), FakeClock()
    shared, memory = SharedBucketStore(path, shared_clock), MemoryBucketStore(memory_clock)
    limit = Limit(per_minute=6, burst=3)
    for _ in range(300):
        key = f"k{rng.randrange(3)}"
        assert shared.take(key, limit) == memory.take(key, limit)
        step = rng.choice([0, 0, 1.5, 9.9, 10.1, 40])
        shared_clock.advance(step)
        memory_clock.advance(step)


def test_namespaces_keep_limiters_apart(path):
    clock, limit = FakeClock(), Limit(per_minute=1, burst=1)
    public, reports = SharedBucketStore(path, clock, namespace="public"), SharedBucketStore(path, clock, namespace="reports")
    assert public.take("ip:1", limit).allowed and not public.take("ip:1", limit).allowed
    assert reports.take("ip:1", limit).allowed


def test_a_full_table_gives_up_the_bucket_nearest_to_full(path):
    clock = FakeClock()
    store = SharedBucketStore(path, clock, slots=32)
    for n in range(1000):  # far more clients than slots: never an error, each gets its first token
        assert store.take(f"ip:{n}", Limit(60, 5)).allowed
    assert len(store) <= 32
    clock.advance(3600)  # every bucket has refilled: all slots are free again
    assert len(store) == 0
    assert store.take("ip:new", Limit(60, 5)).allowed


def test_the_table_size_and_salt_come_from_the_file(path):
    SharedBucketStore(path, FakeClock(), slots=64)
    again = SharedBucketStore(path, FakeClock(), slots=1 << 17)
    assert again.slots == 64
    assert os.path.getsize(path) == 64 + 64 * 32


def test_a_file_that_is_not_a_bucket_table_is_refused(path):
    path.write_bytes(b"something else entirely")
    with pytest.raises(ValueError, match="not a bucket table"):
        SharedBucketStore(path)


def test_a_bucket_stamped_in_the_future_counts_as_full(path):
    """After a reboot the monotonic clock starts again: old stamps lie ahead of now."""
    clock, limit = FakeClock(10_000.0), Limit(per_minute=1, burst=2)
    store = SharedBucketStore(path, clock)
    assert [store.take("k", limit).allowed for _ in range(3)] == [True, True, False]
    clock.now = 5.0
    assert [store.take("k", limit).allowed for _ in range(3)] == [True, True, False]


def test_threads_share_it_safely(path):
    store, limit = SharedBucketStore(path, FakeClock()), Limit(per_minute=1, burst=500)
    assert allowed_from_threads(store, limit, "shared", threads=4, takes=200) == 500


def _take_many(path: str, n: int, out) -> None:
    store = SharedBucketStore(path)  # the real clock: one token a minute, 500 in the bucket
    out.put(sum(store.take("ip:203.0.113.9", Limit(per_minute=1, burst=500)).allowed for _ in range(n)))


def test_worker_processes_together_give_the_limit_once(path):
    context = multiprocessing.get_context("spawn")  # as uvicorn starts its workers
    out = context.Queue()
    workers = [context.Process(target=_take_many, args=(str(path), 300, out)) for _ in range(3)]
    for w in workers:
        w.start()
    counts = [out.get(timeout=60) for _ in workers]
    for w in workers:
        w.join(10)
    assert 500 <= sum(counts) <= 501  # 900 asked for; one token a minute could come back during the run
    assert all(w.exitcode == 0 for w in workers)


def test_the_setting_makes_the_limiters_share_the_file(path, monkeypatch):
    from xinyong.config import get_settings
    monkeypatch.setenv("XINYONG_RATE_STORE", str(path))
    monkeypatch.setenv("XINYONG_RATE_ANON_PER_MINUTE", "2")
    reset_settings()
    try:
        one, two = (RateLimiter.from_settings(get_settings()) for _ in range(2))
        reports = RateLimiter.from_settings(get_settings(), name="reports")
        scope = {"type": "http", "method": "GET", "path": "/search", "headers": [], "client": ("203.0.113.9", 1)}
        assert isinstance(one.store, SharedBucketStore)
        assert [one.check(scope).allowed, two.check(scope).allowed, one.check(scope).allowed] == [True, True, False]
        assert reports.check(scope).allowed  # the report endpoints keep buckets of their own
    finally:
        reset_settings()
    monkeypatch.delenv("XINYONG_RATE_STORE")
    assert isinstance(RateLimiter.from_settings(get_settings()).store, MemoryBucketStore)
    reset_settings()
