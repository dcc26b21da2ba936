"""Public credit evaluation recompute on a city of 1M subjects and 10M records (PostgreSQL).

    .venv/bin/python bench/evaluation_bench.py              # reuse the kept city in bench/data/pg
    .venv/bin/python bench/evaluation_bench.py --repeat 3 --batch-subjects 1000

Reuses the city kept by `bench/api_bench.py --keep` (built by bench/city_build.py if none is
kept), migrated up to 0011 if older (as api_bench.py migrates it to head). The evaluation rows
written by the run are deleted afterwards unless --keep-tables.

Measured in the same run, each after a warm-up of the same statement:
- raw: `SELECT count(*) FROM (SELECT subject_id, count(*) FROM records GROUP BY subject_id) t`
  with psycopg (one pass over the records table, no writes);
- full: `xinyong.evaluation.service.recompute_full` (the CLI's `xinyong evaluation recompute`),
  committed; rows/s = records scanned per second;
- incremental: a new batch of N records for N distinct subjects is inserted, then
  `xinyong.evaluation.hooks.on_batch_ingested` runs and commits; the bench checks that only
  those subjects' result rows were rewritten (computed_at), then removes the batch again.
Target: full recompute < 60 s.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402

from bench import common  # noqa: E402
from bench.common import DATA_DIR, dbapi_url, machine_info  # noqa: E402

PG_SETTINGS = {
    "shared_buffers": "'2GB'", "effective_cache_size": "'12GB'", "work_mem": "'16MB'",
    "maintenance_work_mem": "'1GB'", "max_wal_size": "'4GB'", "checkpoint_timeout": "'30min'",
    "random_page_cost": "1.1",
}
RAW_SQL = "SELECT count(*) FROM (SELECT subject_id, count(*) FROM records GROUP BY subject_id) t"


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def ensure_schema(url: str) -> str:
    """Migrate the kept city up to the evaluation's migration (0011) if it is older, as
    api_bench.py migrates it to head; the data stay. Returns the revision found."""
    from xinyong.migrate import upgrade
    with psycopg.connect(dbapi_url(url), autocommit=True) as conn:
        found = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    if found < "0011":
        log(f"migrating the kept city from {found} to 0011 ...")
        upgrade(url, "0011")
    with psycopg.connect(dbapi_url(url), autocommit=True) as conn:
        stale = not conn.execute("SELECT 1 FROM information_schema.columns WHERE table_name = "
                                 "'evaluation_contributions' AND column_name = 'run_id'").fetchone()
        if stale:   # a kept city migrated to an earlier draft of 0011: its (empty) evaluation tables re-made
            from sqlalchemy import create_engine

            from xinyong.models import Base
            for t in ("evaluation_contributions", "evaluation_results", "evaluation_runs"):
                conn.execute(f"DROP TABLE IF EXISTS {t}")
            engine = create_engine(url)
            Base.metadata.create_all(engine, tables=[Base.metadata.tables[t] for t in (
                "evaluation_runs", "evaluation_results", "evaluation_contributions")])
            engine.dispose()
        found_def = conn.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_records_evaluation'").fetchone()
        if found_def and "INCLUDE" not in found_def[0]:   # an earlier draft of 0011's index
            conn.execute("DROP INDEX ix_records_evaluation")
            found_def = None
        if not found_def:
            # a city migrated to 0011 before the index was added to it
            log("creating ix_records_evaluation (as migration 0011 does) ...")
            t = time.perf_counter()
            conn.execute("SET maintenance_work_mem = '2GB'")
            conn.execute("SET max_parallel_maintenance_workers = 2")
            conn.execute("CREATE INDEX ix_records_evaluation ON records (subject_id) INCLUDE (item_code, "
                         "decision_date, severity, status, under_objection) WHERE under_objection IS NOT NULL")
            conn.execute("VACUUM (ANALYZE) records")
            log(f"  ... in {time.perf_counter() - t:.0f}s")
    return found


def raw_baseline(url: str) -> float:
    with psycopg.connect(dbapi_url(url), autocommit=True) as conn:
        t = time.perf_counter()
        conn.execute(RAW_SQL).fetchone()
        return time.perf_counter() - t


def full_parallel(engine, workers: int) -> dict:
    """`xinyong evaluation recompute --workers N`: one unit of work per range, N at a time."""
    from xinyong.evaluation import parallel
    t = time.perf_counter()
    out = parallel.recompute_full(engine, workers=workers, trigger="bench")
    return {"seconds": time.perf_counter() - t, "subjects": out["subjects"], "contributions": out["contributions"],
            "run_id": out["run_id"], "workers": workers}


def full_recompute(engine) -> dict:
    from sqlalchemy.orm import Session

    from xinyong.evaluation import service
    with Session(engine) as session:
        t = time.perf_counter()
        run = service.recompute_full(session, trigger="bench")
        session.commit()
        return {"seconds": time.perf_counter() - t, "subjects": run.subjects, "contributions": run.contributions,
                "run_id": run.id}


def make_batch(url: str, n: int, seed: int) -> tuple[int, int]:
    """A new batch re-sending one record of each of n distinct subjects under new numbers."""
    with psycopg.connect(dbapi_url(url), autocommit=True) as conn:
        batch_id = conn.execute(
            "INSERT INTO batches (agency_id, source_uscc, item_code, filename, file_format, channel, content_sha256, "
            "status, received_at, notes, total_rows, accepted_rows, rejected_rows, created_records, updated_records, "
            "unchanged_records) SELECT agency_id, source_uscc, 'penalty', 'evaluation-bench.csv', file_format, "
            "channel, content_sha256, 'completed', now(), '{}'::jsonb, %s, %s, 0, %s, 0, 0 FROM batches "
            "ORDER BY id LIMIT 1 RETURNING id", (n, n, n)).fetchone()[0]
        conn.execute(
            "INSERT INTO records (subject_id, item_code, source_agency_id, decision_no, decision_date, valid_to, "
            "severity, severity_basis, disclosure, publicity_published, publicity_start, publicity_end, "
            "publicity_min_end, publicity_citation, publicity_ended_on, fields, status, version, batch_id, row_no, "
            "received_at, updated_at) "
            "SELECT r.subject_id, 'penalty', r.source_agency_id, r.decision_no || '-EB' || %s, current_date, "
            "r.valid_to, 'serious', 'bench', r.disclosure, r.publicity_published, current_date, r.publicity_end, "
            "r.publicity_min_end, r.publicity_citation, NULL, r.fields, 'active', 1, %s, 2, now(), now() "
            "FROM (SELECT DISTINCT ON (subject_id) * FROM records WHERE subject_id IN "
            "(SELECT (1 + (abs(hashint8(g + %s)) %% (SELECT max(id) FROM subjects)))::bigint "
            " FROM generate_series(1, %s) g) ORDER BY subject_id, id) r",
            (batch_id, batch_id, seed, n))
        touched = conn.execute("SELECT count(DISTINCT subject_id) FROM records WHERE batch_id = %s",
                               (batch_id,)).fetchone()[0]
        conn.execute("ANALYZE records")
        return batch_id, touched


def drop_batch(url: str, batch_id: int) -> None:
    with psycopg.connect(dbapi_url(url), autocommit=True) as conn:
        conn.execute("DELETE FROM records WHERE batch_id = %s", (batch_id,))
        conn.execute("DELETE FROM batches WHERE id = %s", (batch_id,))


def incremental(engine, url: str, n: int, seed: int) -> dict:
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from xinyong.evaluation import hooks
    batch_id, touched = make_batch(url, n, seed)
    try:
        with Session(engine) as session:
            before = session.execute(text("SELECT max(computed_at) FROM evaluation_results")).scalar()
            t = time.perf_counter()
            hooks.on_batch_ingested(session, batch_id)
            session.commit()
            seconds = time.perf_counter() - t
            rewritten = session.execute(text("SELECT count(*) FROM evaluation_results WHERE computed_at > :b"),
                                        {"b": before}).scalar()
        return {"seconds": seconds, "batch_subjects": touched, "result_rows_rewritten": rewritten,
                "only_touched_rewritten": rewritten == touched}
    finally:
        drop_batch(url, batch_id)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--subjects", type=int, default=1_000_000)
    ap.add_argument("--records", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--batch-subjects", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=2, help="also measure --workers N (0/1: skip)")
    ap.add_argument("--keep-tables", action="store_true", help="keep the evaluation tables and results")
    args = ap.parse_args(argv)
    common.cleanup_on_sigterm()
    os.environ["XINYONG_SECRET_KEY"] = common.BENCH_SECRET
    os.environ.pop("XINYONG_TODAY", None)
    from sqlalchemy import create_engine

    from bench import city_build
    started = time.perf_counter()
    with common.pg_cluster(settings=PG_SETTINGS, keep=DATA_DIR / "pg", dbname="city") as (url, reused):
        machine = machine_info(common.pg_server_version(url))
        city = city_build.existing_city(url) if reused else None
        if not city or (city["subjects"], city["records"]) != (args.subjects, args.records):
            if reused:
                common.create_database(url, "city")
            log(f"building a city of {args.subjects:,} subjects and {args.records:,} records ...")
            city = city_build.build(url, args.subjects, args.records, log=log)
        else:
            log(f"reusing the kept city: {city['subjects']:,} subjects, {city['records']:,} records")
        revision = ensure_schema(url)
        engine = create_engine(url)
        try:
            raw, full, par, inc = [], [], [], []
            for i in range(args.repeat + 1):   # the first of each is a warm-up
                raw.append(raw_baseline(url))
                log(f"raw GROUP BY pass {i}: {raw[-1]:.1f}s")
                full.append(full_recompute(engine))
                log(f"full recompute {i}: {full[-1]}")
                if args.workers > 1:
                    par.append(full_parallel(engine, args.workers))
                    log(f"full recompute, {args.workers} ranges at a time {i}: {par[-1]}")
            for i in range(args.repeat):
                inc.append(incremental(engine, url, args.batch_subjects, seed=1000 + i))
                log(f"incremental {i}: {inc[-1]}")
            with psycopg.connect(dbapi_url(url), autocommit=True) as conn:
                dist = dict(conn.execute("SELECT grade, count(*) FROM evaluation_results GROUP BY grade").fetchall())
                sizes = conn.execute("SELECT pg_size_pretty(pg_total_relation_size('evaluation_results')), "
                                     "pg_size_pretty(pg_total_relation_size('evaluation_contributions'))").fetchone()
        finally:
            engine.dispose()
            if not args.keep_tables:
                with psycopg.connect(dbapi_url(url), autocommit=True) as conn:
                    for t in ("evaluation_contributions", "evaluation_results", "evaluation_runs"):
                        conn.execute(f"DELETE FROM {t}")
    raw_s = statistics.median(raw[1:])
    full_s = statistics.median(f["seconds"] for f in full[1:])
    inc_s = statistics.median(x["seconds"] for x in inc) if inc else None
    out = {"bench": "evaluation", "machine": machine, "schema_revision_found": revision, "pg_settings": PG_SETTINGS,
           "city": {"subjects": city["subjects"], "records": city["records"]},
           "raw_group_by_s": round(raw_s, 2), "raw_passes_s": [round(x, 2) for x in raw],
           "full_recompute_s": round(full_s, 2), "full_runs": full,
           "full_over_raw": round(full_s / raw_s, 2),
           "full_parallel_s": round(statistics.median(p["seconds"] for p in par[1:]), 2) if par[1:] else None,
           "full_parallel_runs": par,
           "records_per_s": round(city["records"] / full_s),
           "subjects_per_s": round(city["subjects"] / full_s),
           "incremental_s": None if inc_s is None else round(inc_s, 3), "incremental_runs": inc,
           "grades": dist, "table_sizes": {"results": sizes[0], "contributions": sizes[1]},
           "target_full_s": 60, "met": full_s < 60, "wall_s": round(time.perf_counter() - started, 1)}
    common.save_result("evaluation", out)
    print(json.dumps(out, ensure_ascii=False, default=str, indent=1))


if __name__ == "__main__":
    main()
