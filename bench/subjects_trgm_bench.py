"""What the trigram name index (ix_subjects_name_trgm) costs the batch merge of new subjects
(issue 14 point 2): resolve_subjects of a generated file's accepted rows into a fresh database,
server CPU of the merge, with the GIN index as is, with a 256MB pending list for the batch, and
without the index.

    .venv/bin/python bench/subjects_trgm_bench.py 200000
"""
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["XINYONG_SECRET_KEY"] = "xinyong-bench-secret-not-for-production"
from bench import common
from bench.ingest_bench import PG_SETTINGS, _prepare_platform_db, _proc_cpu
from bench.gen_penalties import ensure
from sqlalchemy import text

rows = int(sys.argv[1])
path = ensure(rows, 0.0)
with common.pg_cluster(settings=PG_SETTINGS, dbname="bench") as (cluster, _):
    for label, setup in [("gin as is", None), ("gin pending list 256MB", "SET LOCAL gin_pending_list_limit = '256MB'"),
                         ("no trigram index", "DROP INDEX ix_subjects_name_trgm"), ("gin as is (again)", None)]:
        url = common.create_database(cluster, "exp")
        _prepare_platform_db(url)
        os.environ["XINYONG_DATABASE_URL"] = url
        from xinyong.db import make_engine, session_scope
        from xinyong.ingest.readers import read_table
        from xinyong.ingest.rules import validate
        from xinyong.catalogue import get_catalogue
        from xinyong.law import active_profile
        from xinyong import clock
        from xinyong.subjects.repository import resolve_subjects
        item = get_catalogue().get("penalty")
        frame = read_table(path.read_bytes(), path.name)
        acc = validate(frame, item, active_profile(), clock.today()).accepted
        engine = make_engine(url)
        with session_scope(engine) as s:
            pid = s.execute(text("SELECT pg_backend_pid()")).scalar()
            if setup:
                s.execute(text(setup))
            c0, w0 = _proc_cpu(pid), time.perf_counter()
            resolve_subjects(s, acc)
            s.flush()
            c1, w1 = _proc_cpu(pid), time.perf_counter()
        c2, w2 = _proc_cpu(pid), time.perf_counter()
        n = None
        with engine.connect() as conn:
            n = conn.execute(text("SELECT count(*) FROM subjects")).scalar()
        print(f"{label}: subjects {n}, merge server CPU {c1-c0:.2f}s wall {w1-w0:.2f}s; commit CPU {c2-c1:.2f}s", flush=True)
        engine.dispose()
        common.drop_database(cluster, "exp")
