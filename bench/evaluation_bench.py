"""Public credit evaluation on PostgreSQL: the targets of issue #14 point 4, in one run.

    .venv/bin/python bench/evaluation_bench.py                      # cities 1m and 10m, kept in bench/data/pg
    .venv/bin/python bench/evaluation_bench.py --cities 1m --repeat 2 --touched 1000,5000

Two cities of the same density (10 records per subject, built by bench/city_build.py when not
kept yet, one database each in the kept cluster bench/data/pg): `1m` = 100,000 subjects and
1,000,000 records, `10m` = 1,000,000 subjects and 10,000,000 records. Measured in the same
run, each after a warm-up of the same statement, medians of --repeat:
- raw: `SELECT count(*) FROM (SELECT subject_id, count(*) FROM records GROUP BY subject_id) t`
  with psycopg (one pass over the records table, no writes), alternating with
- full: `xinyong.evaluation.service.recompute_full` (the CLI's `xinyong evaluation recompute`),
  committed. Target: full ≤ 8 × raw for the city of 1M subjects (`10m`);
- incremental: a new batch of one record for each of N distinct subjects (--touched, default
  1k, 5k, 20k) is inserted, `xinyong.evaluation.hooks.on_batch_ingested` runs and commits (as
  the ingest outbox applies it after the batch's commit), after a VACUUM (ANALYZE) of the
  evaluation tables that the full recomputes rewrote (`settle`); the bench checks that exactly those
  subjects' results were rewritten, then removes the batch. Cities and sizes are interleaved.
  Target: the cost per touched subject of each size within 10% between the two cities.
  Raw baseline of each incremental run, just before it, on a batch of its own of the same size
  (other subjects, so neither warms the other's pages): its subjects' keyed reads done bare with
  psycopg (RAW_KEYED_SQL: their records through ix_records_subject_date, subjects, contributions
  and results by key, index scans only): its spread between the cities is what the physical
  reads alone show; platform/raw per city.
The evaluation rows written are deleted afterwards unless --keep-tables.
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
CITIES = {"1m": (100_000, 1_000_000), "10m": (1_000_000, 10_000_000)}   # (subjects, records)
TARGET_FULL_OVER_RAW = 8.0
TARGET_INCREMENTAL_SPREAD = 0.10


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
        # from 0026 on, ix_records_subject_date carries the evaluation's columns in its place
        evaluation_index = found < "0026"
        found_def = conn.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_records_evaluation'").fetchone()
        if found_def and "INCLUDE" not in found_def[0]:   # an earlier draft of 0011's index
            conn.execute("DROP INDEX ix_records_evaluation")
            found_def = None
        if not found_def and evaluation_index:
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


# the keyed reads the hook's statements make, done bare: per touched subject, its records through
# ix_records_subject_date (index only, as the contributions statement reads them; before migration
# 0026 through ix_records_evaluation, which the predicate below selected), its subjects row,
# its contributions and its result by primary key; one statement per table, the ids sorted
RAW_KEYED_SQL = {
    "records": "SELECT count(*) FROM records WHERE subject_id = ANY(%s) AND under_objection IS NOT NULL",
    "subjects": "SELECT count(*) FROM subjects WHERE id = ANY(%s)",
    "evaluation_contributions": "SELECT count(*) FROM evaluation_contributions WHERE subject_id = ANY(%s)",
    "evaluation_results": "SELECT count(*) FROM evaluation_results WHERE subject_id = ANY(%s)",
}


def raw_keyed_reads(url: str, batch_id: int) -> dict:
    """The raw baseline of an incremental run: a batch of the same size inserted, the same
    per-subject keyed reads of its subjects with psycopg, index scans only (as the hook's
    per-subject plans), no JIT. Returns seconds per table and in all."""
    with psycopg.connect(dbapi_url(url), autocommit=True) as conn:
        ids = [r[0] for r in conn.execute("SELECT DISTINCT subject_id FROM records WHERE batch_id = %s "
                                          "ORDER BY subject_id", (batch_id,))]
        for name in ("enable_seqscan", "enable_hashjoin", "enable_mergejoin", "jit"):
            conn.execute(f"SET {name} = off")
        out = {}
        for table, sql in RAW_KEYED_SQL.items():
            t = time.perf_counter()
            conn.execute(sql, (ids,)).fetchone()
            out[table] = time.perf_counter() - t
    out["total"] = sum(out.values())
    return {k: round(v, 5) for k, v in out.items()}


def incremental(engine, url: str, n: int, seed: int) -> dict:
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from xinyong.evaluation import hooks
    # the raw baseline on a batch of its own (other subjects, same size), so that neither warms
    # the pages the other reads
    raw_batch, _ = make_batch(url, n, seed + 500_000)
    try:
        raw = raw_keyed_reads(url, raw_batch)
    finally:
        drop_batch(url, raw_batch)
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
                "only_touched_rewritten": rewritten == touched, "raw_keyed_s": raw}
    finally:
        drop_batch(url, batch_id)


def open_city(cluster_url: str, key: str) -> tuple[str, dict]:
    """The city `key` of CITIES in its own database of the kept cluster, built if missing."""
    base = cluster_url.rpartition("/")[0]
    url = f"{base}/city_{key}"
    from bench import city_build
    subjects, records = CITIES[key]
    try:
        city = city_build.existing_city(url)
    except Exception:   # noqa: BLE001 - no such database yet
        city = None
    if not city or (city["subjects"], city["records"]) != (subjects, records):
        common.create_database(cluster_url, f"city_{key}")
        log(f"building city {key}: {subjects:,} subjects and {records:,} records ...")
        city = city_build.build(url, subjects, records, log=log)
    else:
        log(f"reusing city {key}: {city['subjects']:,} subjects, {city['records']:,} records")
    ensure_schema(url)
    return url, city


def full_vs_raw(engine, url: str, repeat: int, workers: int) -> dict:
    """Raw GROUP BY and full recompute alternately, the first of each a warm-up."""
    raw, full, par = [], [], []
    for i in range(repeat + 1):
        raw.append(raw_baseline(url))
        full.append(full_recompute(engine))
        log(f"  raw GROUP BY {raw[-1]:.2f}s, full recompute {full[-1]['seconds']:.2f}s ({i})")
        if workers > 1:
            par.append(full_parallel(engine, workers))
            log(f"  full recompute, {workers} ranges at a time {par[-1]['seconds']:.2f}s ({i})")
    raw_s = statistics.median(raw[1:])
    full_s = statistics.median(f["seconds"] for f in full[1:])
    return {"raw_group_by_s": round(raw_s, 3), "raw_passes_s": [round(x, 3) for x in raw],
            "full_recompute_s": round(full_s, 3), "full_runs": full, "full_over_raw": round(full_s / raw_s, 2),
            "full_parallel_s": round(statistics.median(p["seconds"] for p in par[1:]), 3) if par[1:] else None,
            "full_parallel_runs": par}


def settle(url: str) -> float:
    """VACUUM (ANALYZE) of the evaluation tables after the full recomputes (each deleted and
    rewrote every result and contribution): the incremental rounds then meet the state a daily
    batch meets once autovacuum has passed, instead of racing it on a 2-core machine (10m: 2.4M
    dead rows) and paying the hint bits of freshly written pages. Returns the seconds taken."""
    t = time.perf_counter()
    with psycopg.connect(dbapi_url(url), autocommit=True) as conn:
        for table in ("evaluation_results", "evaluation_contributions"):
            conn.execute(f"VACUUM (ANALYZE) {table}")
    return round(time.perf_counter() - t, 2)


def incremental_rounds(cities: dict, sizes: list[int], repeat: int) -> dict:
    """{city: {size: [runs]}}: cities and sizes interleaved, so that a change of the machine's
    load touches both cities alike."""
    runs: dict = {key: {n: [] for n in sizes} for key in cities}
    for i in range(repeat):
        for n in sizes:
            for key, (engine, url) in cities.items():
                run = incremental(engine, url, n, seed=1000 * (i + 1) + n)
                run["ms_per_subject"] = round(1000 * run["seconds"] / max(1, run["batch_subjects"]), 4)
                run["raw_ms_per_subject"] = round(1000 * run["raw_keyed_s"]["total"] / max(1, run["batch_subjects"]), 4)
                runs[key][n].append(run)
                log(f"  incremental {key} {n}: {run}")
    return runs


def incremental_summary(runs: dict, sizes: list[int]) -> dict:
    out = {"ms_per_subject": {}, "min_ms_per_subject": {}, "spread": {}, "raw_ms_per_subject": {},
           "raw_spread": {}, "over_raw": {}}
    for key, by_size in runs.items():
        out["ms_per_subject"][key] = {n: round(statistics.median(r["ms_per_subject"] for r in by_size[n]), 4)
                                      for n in sizes}
        out["min_ms_per_subject"][key] = {n: round(min(r["ms_per_subject"] for r in by_size[n]), 4) for n in sizes}
        out["raw_ms_per_subject"][key] = {n: round(statistics.median(r["raw_ms_per_subject"] for r in by_size[n]), 4)
                                          for n in sizes}
        out["over_raw"][key] = {n: round(out["ms_per_subject"][key][n] / out["raw_ms_per_subject"][key][n], 2)
                                for n in sizes}
    keys = list(runs)
    if len(keys) >= 2:
        for n in sizes:
            for field, spread in (("ms_per_subject", "spread"), ("raw_ms_per_subject", "raw_spread")):
                per = {k: out[field][k][n] for k in keys}
                out[spread][n] = round(max(per.values()) / min(per.values()) - 1, 3)
                out.setdefault(f"{spread}_dearer", {})[n] = max(per, key=per.get)
        out["met"] = all(v <= TARGET_INCREMENTAL_SPREAD for v in out["spread"].values())
    out["only_touched_rewritten"] = all(r["only_touched_rewritten"] for by in runs.values() for rs in by.values()
                                        for r in rs)
    return out


def verdicts(out: dict) -> list[str]:
    lines = []
    for key, f in out["full"].items():
        met = f["full_over_raw"] <= TARGET_FULL_OVER_RAW
        lines.append(f"full recompute, city {key}: {f['full_recompute_s']:.2f}s = {f['full_over_raw']:.2f} x one plain "
                     f"GROUP BY ({f['raw_group_by_s']:.2f}s, same run); target <= {TARGET_FULL_OVER_RAW:g} x: "
                     f"{'met' if met else 'NOT met'}{'' if key == '10m' else ' (the target is for 1M subjects: city 10m)'}")
    inc = out["incremental"]
    for n, spread in inc["spread"].items():
        per = ", ".join(f"{k} {v[n]:.3f} ms (min {inc['min_ms_per_subject'][k][n]:.3f}; raw keyed reads "
                        f"{inc['raw_ms_per_subject'][k][n]:.4f} ms, platform/raw {inc['over_raw'][k][n]:.1f} x)"
                        for k, v in inc["ms_per_subject"].items())
        lines.append(f"incremental, {n:,} touched subjects: {per} per subject (medians); spread {100 * spread:.1f}% "
                     f"({inc['spread_dearer'][n]} dearer; raw keyed reads alone {100 * inc['raw_spread'][n]:.1f}%, "
                     f"{inc['raw_spread_dearer'][n]} dearer; target within {100 * TARGET_INCREMENTAL_SPREAD:.0f}%): "
                     f"{'met' if spread <= TARGET_INCREMENTAL_SPREAD else 'NOT met'}")
    lines.append(f"only the touched subjects' results rewritten: {inc['only_touched_rewritten']}")
    return lines


def _commit() -> str | None:
    import subprocess
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=Path(__file__).resolve().parent,
                              capture_output=True, text=True, check=True).stdout.strip() or None
    except (OSError, subprocess.CalledProcessError):
        return None


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cities", default="1m,10m", help=f"of {', '.join(CITIES)}")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--touched", default="1000,5000,20000", help="subjects touched by each incremental batch")
    ap.add_argument("--workers", type=int, default=0, help="also measure the full recompute --workers N (0/1: skip)")
    ap.add_argument("--no-settle", action="store_true",
                    help="no VACUUM (ANALYZE) of the evaluation tables between the full and the incremental runs")
    ap.add_argument("--keep-tables", action="store_true", help="keep the evaluation tables and results")
    args = ap.parse_args(argv)
    keys = [k for k in args.cities.split(",") if k]
    sizes = [int(n) for n in args.touched.split(",") if n]
    common.cleanup_on_sigterm()
    os.environ["XINYONG_SECRET_KEY"] = common.BENCH_SECRET
    os.environ.pop("XINYONG_TODAY", None)
    from sqlalchemy import create_engine
    started = time.perf_counter()
    out: dict = {"bench": "evaluation", "settle": not args.no_settle, "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
                 "commit": _commit(), "pg_settings": PG_SETTINGS, "repeat": args.repeat, "touched": sizes,
                 "cities": {}, "full": {}}
    with common.pg_cluster(settings=PG_SETTINGS, keep=DATA_DIR / "pg", dbname=f"city_{keys[0]}") as (cluster, _):
        out["machine"] = machine_info(common.pg_server_version(cluster))
        opened = {}
        try:
            for key in keys:
                url, city = open_city(cluster, key)
                opened[key] = (create_engine(url), url)
                out["cities"][key] = {"subjects": city["subjects"], "records": city["records"]}
            for key, (engine, url) in opened.items():
                log(f"city {key}: full recompute against one plain GROUP BY")
                out["full"][key] = full_vs_raw(engine, url, args.repeat, args.workers)
            for key, (engine, url) in opened.items():
                if not args.no_settle:
                    out["full"][key]["vacuum_after_s"] = settle(url)
            runs = incremental_rounds(opened, sizes, args.repeat)
            out["incremental"] = {**incremental_summary(runs, sizes), "runs": runs}
            out["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
        finally:
            for engine, url in opened.values():
                engine.dispose()
                if not args.keep_tables:
                    with psycopg.connect(dbapi_url(url), autocommit=True) as conn:
                        for t in ("evaluation_contributions", "evaluation_results", "evaluation_runs"):
                            conn.execute(f"DELETE FROM {t}")
    out["verdicts"] = verdicts(out)
    out["wall_s"] = round(time.perf_counter() - started, 1)
    common.save_result("evaluation", out)
    print(json.dumps(out, ensure_ascii=False, default=str, indent=1))
    print("\n".join(out["verdicts"]))


if __name__ == "__main__":
    main()
