"""What one rate-limit take costs in each bucket store (issue 16 point 2; docs/CLUSTER.md):
this process's memory, the machine's shared file, the database table on SQLite and on a
throwaway PostgreSQL (the default there). One thread, keys spread over 1,000 clients.

    python bench/rate_store_bench.py [--takes 5000]     (under flock /work/bench.lock)
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from xinyong.db import make_engine
from xinyong.devtools.pgcluster import throwaway_cluster
from xinyong.kit.dbbuckets import DatabaseBucketStore
from xinyong.kit.ratelimit import Limit, MemoryBucketStore
from xinyong.kit.sharedbuckets import SharedBucketStore
from xinyong.migrate import upgrade

LIMIT = Limit(per_minute=600, burst=600)


def timed(store, takes: int) -> tuple[float, float]:
    """(median, p99) microseconds per take."""
    samples = []
    for n in range(takes):
        started = time.perf_counter()
        store.take(f"ip:10.0.{n % 1000 // 250}.{n % 250}", LIMIT)
        samples.append((time.perf_counter() - started) * 1e6)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.99)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--takes", type=int, default=5000)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rows.append(("memory (one process)", *timed(MemoryBucketStore(), args.takes)))
        rows.append(("file (one machine)", *timed(SharedBucketStore(Path(tmp) / "buckets"), args.takes)))
        sqlite = f"sqlite:///{tmp}/x.db"
        upgrade(sqlite)
        rows.append(("database, SQLite", *timed(DatabaseBucketStore(make_engine(sqlite)), args.takes)))
        with throwaway_cluster() as url:
            upgrade(url)
            engine = make_engine(url)
            rows.append(("database, PostgreSQL (loopback)", *timed(DatabaseBucketStore(engine), args.takes)))
            engine.dispose()
    print(f"{'store':34} {'median µs':>10} {'p99 µs':>10}   ({args.takes} takes each)")
    for name, median, p99 in rows:
        print(f"{name:34} {median:10.1f} {p99:10.1f}")


if __name__ == "__main__":
    main()
