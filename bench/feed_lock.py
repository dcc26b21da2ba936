"""Run: [flock /work/bench.lock] python bench/feed_lock.py [N] (N=100000 takes well under a minute;
starts its own PostgreSQL). What the feed writers' lock (xinyong/feed/repository.py write_events)
costs: (1) a small emit that starts while a big writer inserts N events in one INSERT ... SELECT
waits for that writer's commit: the big writer's hold time and the small one's wait; (2) 300
one-event emits, each its own transaction, with the lock and without it (best of 3)."""
import sys
import threading
import time

from sqlalchemy import text

from xinyong.db import make_engine, session_factory, session_scope
from xinyong.devtools.pgcluster import throwaway_cluster
from xinyong.feed import repository
from xinyong.feed.service import emit
from xinyong.migrate import upgrade

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
BIG = ("INSERT INTO feed_events (subject_id, record_id, kind, occurred_on, details, citation, created_at) "
       "SELECT g, g, 'published', current_date, jsonb_build_object('item_code', 'penalty', 'decision_no', "
       "'泉市监罚' || g, 'version', 1, 'under_objection', false), 'QZ art. 36', now() FROM generate_series(1, :n) g")


def contention(engine) -> None:
    waited = {}

    def small() -> None:
        time.sleep(0.2)   # the big writer holds the lock and is inserting
        t = time.perf_counter()
        with session_scope(engine) as s:
            emit(s, "repaired", [{"subject_id": 1, "record_id": 1}])
        waited["small"] = time.perf_counter() - t
    big = session_factory(engine)()
    thread = threading.Thread(target=small)
    t = time.perf_counter()
    thread.start()
    repository.write_events(big, text(BIG), {"n": N})
    big.commit()
    held = time.perf_counter() - t
    big.close()
    thread.join()
    print(f"big writer: {N} events, lock held {held:.2f} s; a one-event emit started during it waited "
          f"{waited['small']:.2f} s", flush=True)


def small_emits(engine, locked: bool) -> float:
    t = time.perf_counter()
    for i in range(300):
        with session_scope(engine) as s:
            if not locked:   # the same statement, without the lock
                s.execute(text("INSERT INTO feed_events (subject_id, kind, occurred_on, details, citation, "
                               "created_at) VALUES (:i, 'listed', current_date, '{}', '', now())"), {"i": i})
            else:
                repository.write_events(s, text(
                    "INSERT INTO feed_events (subject_id, kind, occurred_on, details, citation, created_at) "
                    "VALUES (:i, 'listed', current_date, '{}', '', now())"), {"i": i})
    return time.perf_counter() - t


with throwaway_cluster(dbname="b") as url:
    upgrade(url)
    eng = make_engine(url)
    contention(eng)
    for locked in (True, False):
        best = min(small_emits(eng, locked) for _ in range(3))
        print(f"300 one-event transactions {'with' if locked else 'without'} the lock: {best:.2f} s", flush=True)
