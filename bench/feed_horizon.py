"""Run: flock /work/bench.lock python bench/feed_horizon.py [N] (starts its own PostgreSQL; N=1000000
takes about two minutes). What the feed's late-commit fix (xinyong/feed/repository.py write_events,
delivery_horizon; docs/RELIABILITY.md "Feed delivery never skips a late commit") costs:
(1) a writer inserting N events in one INSERT ... SELECT (the shape of the outbox's feed hook for
a big batch) through write_events (one announcement, then the insert) against the same statement
executed directly, alternating, the table emptied before each, best of 3 each; (2) 300 one-event
emits, each its own transaction, through write_events and directly; (3) 300 reads of a
receiver's page (views.feed_page) with the horizon and without it."""
import sys
import time

from sqlalchemy import text

from xinyong.db import make_engine, session_factory, session_scope
from xinyong.devtools.pgcluster import throwaway_cluster
from xinyong.feed import repository, views
from xinyong.migrate import upgrade
from xinyong.models import Agency
from xinyong.models.feed import FeedReceiver

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
BIG = ("INSERT INTO feed_events (subject_id, record_id, kind, occurred_on, details, citation, created_at) "
       "SELECT g, g, 'published', current_date, jsonb_build_object('item_code', 'penalty', 'decision_no', "
       "'泉市监罚' || g, 'version', 1, 'under_objection', false), 'QZ art. 36', now() FROM generate_series(1, :n) g "
       "ORDER BY g")
ONE = ("INSERT INTO feed_events (subject_id, kind, occurred_on, details, citation, created_at) "
       "VALUES (:i, 'listed', current_date, '{}', '', now())")


def timed_write(engine, statement: str, params: dict, announced: bool) -> float:
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE feed_events, feed_event_spans"))
        conn.execute(text("CHECKPOINT"))
    session = session_factory(engine)()
    try:
        t = time.perf_counter()
        if announced:
            repository.write_events(session, text(statement), params)
        else:
            session.execute(text(statement), params)
        session.commit()
        return time.perf_counter() - t
    finally:
        session.close()


def small_writes(engine, announced: bool) -> float:
    t = time.perf_counter()
    for i in range(300):
        with session_scope(engine) as session:
            if announced:
                repository.write_events(session, text(ONE), {"i": i})
            else:
                session.execute(text(ONE), {"i": i})
    return time.perf_counter() - t


def reads(engine, bounded: bool) -> float:
    real = repository.delivery_horizon
    if not bounded:
        repository.delivery_horizon = lambda session: None
    try:
        t = time.perf_counter()
        for _ in range(300):
            with session_scope(engine) as session:
                receiver = session.get(FeedReceiver, 1)
                views.feed_page(session, receiver, None, 100, False)
        return time.perf_counter() - t
    finally:
        repository.delivery_horizon = real


with open("/proc/loadavg") as f:
    print(f"load average at start: {f.read().strip()}", flush=True)
with throwaway_cluster(dbname="b") as url:
    upgrade(url)
    eng = make_engine(url)
    big = {True: [], False: []}
    for _ in range(3):
        for announced in (True, False):
            big[announced].append(timed_write(eng, BIG, {"n": N}, announced))
    for announced in (True, False):
        print(f"{N} events in one INSERT ... SELECT {'through write_events' if announced else 'directly'}: "
              f"best {min(big[announced]):.2f} s of {', '.join(f'{x:.2f}' for x in big[announced])}", flush=True)
    for announced in (True, False):
        best = min(small_writes(eng, announced) for _ in range(3))
        print(f"300 one-event transactions {'through write_events' if announced else 'directly'}: {best:.2f} s",
              flush=True)
    timed_write(eng, BIG, {"n": 10_000}, False)
    with session_scope(eng) as s:
        s.add(Agency(id=1, uscc="11350500MB0000000X", name="bench", kind="credit_service"))
        s.flush()
        s.add(FeedReceiver(id=1, org_id=1, start_after_event_id=0, acked_through_id=0))
    for bounded in (True, False):
        best = min(reads(eng, bounded) for _ in range(3))
        print(f"300 reads of a 100-event page {'with' if bounded else 'without'} the horizon: {best:.2f} s", flush=True)
    with session_scope(eng) as s:
        t = time.perf_counter()
        for _ in range(1000):
            repository.delivery_horizon(s)
        print(f"1000 delivery_horizon calls: {time.perf_counter() - t:.2f} s", flush=True)
