"""Run: flock /work/bench.lock python bench/prune_triggers.py (about a minute; starts its own
PostgreSQL). Write cost of 0025_prune's statement triggers: 200k history rows and 200k feed events in one
INSERT ... SELECT each, trigger on vs off (ALTER TABLE ... DISABLE TRIGGER), best of 3."""
import time
from sqlalchemy import create_engine, text
from xinyong.devtools.pgcluster import throwaway_cluster
from xinyong.migrate import upgrade

N = 200_000
HIST = ("INSERT INTO history (entity, entity_id, subject_id, version, snapshot, change_reason, changed_at) "
        "SELECT 'record', g + :o, 1, 2, '{}', 'r', now() FROM generate_series(1, :n) g")
FEED = ("INSERT INTO feed_events (subject_id, record_id, kind, occurred_on, details, citation, created_at) "
        "SELECT 1, g + :o, 'published', current_date, '{}', '', now() FROM generate_series(1, :n) g")
with throwaway_cluster(dbname="b") as url:
    upgrade(url)
    eng = create_engine(url)
    for table, trig, sql in (("history", "history_months_of", HIST), ("feed_events", "feed_events_spans", FEED)):
        for on in (True, False, True, False, True, False):
            with eng.begin() as c:
                c.execute(text(f"ALTER TABLE {table} {'ENABLE' if on else 'DISABLE'} TRIGGER {trig}"))
            t = time.perf_counter()
            with eng.begin() as c:
                c.execute(text(sql), {"n": N, "o": int(time.time() * 1000) % 10**9})
            print(table, "trigger" if on else "no trigger", round(time.perf_counter() - t, 3), flush=True)
