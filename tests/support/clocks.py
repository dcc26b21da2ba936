"""A settable monotonic clock for code that takes one as a parameter (rate-limit buckets), and
a thread hammer for the bucket stores."""
from __future__ import annotations

import datetime as dt
import threading


class FakeClock:
    def __init__(self, now: float = 1000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class WallClock:
    """Real time stood still for page sessions and sign-in throttling (xinyong.accounts.sessions.wall_now)."""

    def __init__(self):
        self.now = dt.datetime(2026, 11, 24, 2, 0, tzinfo=dt.timezone.utc)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


def allowed_from_threads(store, limit, key: str, threads: int, takes: int) -> int:
    """How many of threads × takes concurrent takes of one bucket the store allowed."""
    allowed: list[int] = []
    lock = threading.Lock()

    def hammer():
        mine = sum(store.take(key, limit).allowed for _ in range(takes))
        with lock:
            allowed.append(mine)

    workers = [threading.Thread(target=hammer) for _ in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    return sum(allowed)
