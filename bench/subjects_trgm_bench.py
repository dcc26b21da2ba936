"""What the trigram name index costs the batch merge of new subjects (issue 14 point 2):
resolve_subjects of a generated file's accepted rows into a fresh database, server CPU of the
merge as it is (since migration 0030 the index is on subject_names, filled after the batch's
commit) and of the names' copy the worker then makes (xinyong/subjects/hooks.py, the index's
cost), against the merge with the index back on subjects.name (as before 0030), in one run.

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
    for label, setup in [("merge, names after the commit", None),
                         ("merge, trigram index on subjects.name (before 0030)",
                          "CREATE INDEX ix_subjects_name_trgm ON subjects USING gin (name gin_trgm_ops)"),
                         ("merge, names after the commit (again)", None)]:
        url = common.create_database(cluster, "exp")
        _prepare_platform_db(url)
        os.environ["XINYONG_DATABASE_URL"] = url
        from xinyong.db import make_engine, session_scope
        from xinyong.ingest.readers import read_table
        from xinyong.ingest.rules import validate
        from xinyong.catalogue import get_catalogue
        from xinyong.law import active_profile
        from xinyong import clock
        from xinyong.subjects import names
        from xinyong.subjects.repository import resolve_subjects
        item = get_catalogue().get("penalty")
        frame = read_table(path.read_bytes(), path.name)
        acc = validate(frame, item, active_profile(), clock.today()).accepted
        engine = make_engine(url)
        with session_scope(engine) as s:
            pid = s.execute(text("SELECT pg_backend_pid()")).scalar()
            if setup:
                s.execute(text(setup))
                s.commit()
            c0, w0 = _proc_cpu(pid), time.perf_counter()
            resolve_subjects(s, acc)
            s.flush()
            c1, w1 = _proc_cpu(pid), time.perf_counter()
            created = names.take_created(s)
        c2, w2 = _proc_cpu(pid), time.perf_counter()
        copy = ""
        if not setup and created:
            with session_scope(engine) as s:   # the hook's statement, as the worker runs it
                pid = s.execute(text("SELECT pg_backend_pid()")).scalar()
                c3, w3 = _proc_cpu(pid), time.perf_counter()
                from xinyong.subjects.hooks import _COPY
                s.execute(text(_COPY), {"first": created[0], "last": created[1]})
                s.commit()
                copy = f"; names copied after it (the worker): server CPU {_proc_cpu(pid) - c3:.2f}s wall " \
                       f"{time.perf_counter() - w3:.2f}s"
        with engine.connect() as conn:
            n = conn.execute(text("SELECT count(*) FROM subjects")).scalar()
        print(f"{label}: subjects {n}, merge server CPU {c1-c0:.2f}s wall {w1-w0:.2f}s; commit CPU {c2-c1:.2f}s{copy}",
              flush=True)
        engine.dispose()
        common.drop_database(cluster, "exp")
