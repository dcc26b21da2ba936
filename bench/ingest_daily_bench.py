"""Daily batches into a built city (issue 14 targets): a 10,000-row and a 100,000-row penalty
batch ingested into a city of N subjects / M records (bench/city_build.py), against the same
batch into an empty, freshly migrated database, in one run on one PostgreSQL cluster:

    .venv/bin/python bench/ingest_daily_bench.py --subjects 1000000 --records 10000000
    .venv/bin/python bench/ingest_daily_bench.py --subjects 100000 --records 1000000   # smaller city
    .venv/bin/python bench/ingest_daily_bench.py --keep        # the built city kept and reused (bench/data/pg)

With --keep the cluster lives in bench/data/pg and the built city is kept there as database
daily_<subjects>_<records> (migrated to head when reused); each run ingests into a file copy of it
(CREATE DATABASE ... TEMPLATE ... STRATEGY FILE_COPY), so every run starts from the same city.
--prewarm reads the indexes of records and subjects into shared buffers before the city's batches
(as a long-running server holds them; with --pg-setting shared_buffers=4GB at 1M / 10M).
--log-statements sets log_min_duration_statement = 0, --explain logs every statement's plan with
auto_explain (ANALYZE, BUFFERS; it slows the run): the server log is bench/data/pg/server.log.

--repeat N (default 5) ingests N daily batches of each size, one after the other, into the city
(as a city receives them day after day; each its own day's file), and each of them also into an
empty database of its own: on this shared 2-core machine one run of the same code moves by
+-40 ms, so the targets are judged on the median of the N, and every run is reported.

Each ingest is bench/ingest_bench.py's measured child (ingest_file in a session_scope, its own
process, warmed by a 50-row batch first, untimed, as a serving process is warm): wall seconds, CPU seconds of the process and of its PostgreSQL backend. The daily
files are generated with their own seed and their decision numbers marked with the day, so
no row re-sends a city record. Targets: 10,000 rows <= 0.5 s, 100,000 rows <= 3 s into the
city; CPU per row into the city <= 1.1 x into the empty database. After each batch into the
city, its stored-output floor: the rows it stored, deleted and loaded back with one COPY per
table in one transaction (batch_floor), beside it in the same run; and the same batch's floor in
its empty database (after the city's batch: the floor's deletes and vacuums write to disk). The
two floors' server CPU says how much dearer storing the same rows is in the city (the CPU-ratio
target's storing part; the rest of a batch's work does not depend on the city). Not a bound:
the city's floor moves by a fifth from batch to batch (1.07-1.4 x the empty one's). Then what
the batch left to the worker (its new subjects' names, copied into the name search:
ingest_bench.worker_share), applied and timed apart: not in the batch's time."""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import city_build, common  # noqa: E402
from bench.common import human_table, machine_info  # noqa: E402
from bench.ingest_bench import PG_SETTINGS, _child, _prepare_platform_db, worker_share  # noqa: E402

TARGET_S = {10_000: 0.5, 100_000: 3.0}
WARM_ROWS = 50   # a first, untimed batch in the same process: measured warm, as a server ingests
CPU_RATIO_TARGET = 1.1


# a daily batch reports the decisions of the last days: agencies report a 双公示 decision within
# 7 working days (../shared/DOMAIN.md), so its rows are decided in the last 14 calendar days. The
# files before 2026-12-05 08:00 UTC spread them over 2022..today, every record's date index entry
# on a random leaf page of the city's (--history-dates gives those files again).
RECENT_DAYS = 14


def daily_file(rows: int, day: int, history_dates: bool = False) -> Path:
    import datetime as dt

    import polars as pl

    from bench.gen_penalties import FIRST_DAY, generate
    suffix = "" if history_dates else f"-last{RECENT_DAYS}d"
    path = common.DATA_DIR / f"daily-{rows}-{day}{suffix}.csv"
    if not path.exists():
        first = FIRST_DAY if history_dates else dt.date.today() - dt.timedelta(days=RECENT_DAYS - 1)
        frame, _ = generate(rows, seed=20261204 + day, first_day=first)
        col = "行政处罚决定书文号"
        frame = frame.with_columns(pl.col(col).str.replace("〕", f"〕D{day}-", literal=True))
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.write_csv(path)
    return path


def _register(url: str) -> None:
    from xinyong.agencies.service import register
    from xinyong.db import make_engine, session_scope
    engine = make_engine(url)
    with session_scope(engine) as session:
        register(session, uscc=common.SOURCE_AGENCY_USCC, name=common.SOURCE_AGENCY_NAME)
    engine.dispose()


# the rows one batch stores, table by table: how to find them once the batch is committed
# (`mark`: the highest id before the batch; `batch` / `run`: the batch's and its evaluation run's ids)
# (the measuring process warms up with a batch of its own first: the new subjects and feed events
# are those of the measured batch's records)
BATCH_ROWS = (("subjects", "id > {mark} AND id IN (SELECT subject_id FROM records WHERE batch_id = {batch})"),
              ("records", "batch_id = {batch}"),
              ("transparency_publications", "batch_id = {batch}"),
              ("transparency_publication_nodes", "batch_id = {batch}"),
              ("feed_events", "record_id IN (SELECT id FROM records WHERE batch_id = {batch})"),
              ("evaluation_results", "run_id = {run}"), ("evaluation_contributions", "run_id = {run}"),
              ("notifications", "id > {mark}"))


def marks(url: str) -> dict:
    """The highest id of each id-keyed table of BATCH_ROWS, before a batch."""
    import psycopg
    with psycopg.connect(common.dbapi_url(url)) as conn:
        return {t: conn.execute(f"SELECT coalesce(max(id), 0) FROM {t}").fetchone()[0]
                for t, where in BATCH_ROWS if "mark" in where}


def batch_floor(url: str, before: dict, workdir: Path) -> dict:
    """The stored-output floor of the last batch (as bench/ingest_bench.py's, for one batch in a
    city): the rows it stored in each table of BATCH_ROWS are exported, deleted (and the tables
    vacuumed), then loaded back with one binary-format `COPY` per table in one transaction, every index,
    constraint and trigger in place. Wall and server CPU seconds; per table rows, wall, CPU."""
    import psycopg

    from bench.ingest_bench import _proc_cpu, _stored_columns
    workdir.mkdir(parents=True, exist_ok=True)
    with psycopg.connect(common.dbapi_url(url), autocommit=True) as conn:
        batch = conn.execute("SELECT max(id) FROM batches").fetchone()[0]
        run = conn.execute("SELECT coalesce(max(id), 0) FROM evaluation_runs").fetchone()[0]
        where = {t: w.format(mark=before.get(t, 0), batch=batch, run=run) for t, w in BATCH_ROWS}
        conn.execute("CREATE TEMP TABLE floor_keys (t text, id bigint)")
        for t in ("subjects", "feed_events"):   # their conditions read the records, deleted before them
            conn.execute(f"INSERT INTO floor_keys SELECT '{t}', id FROM {t} WHERE {where[t]}")
            where[t] = f"id IN (SELECT id FROM floor_keys WHERE t = '{t}')"
        cols = {t: _stored_columns(conn, t) for t in where}
        for t, w in where.items():
            with conn.cursor().copy(f"COPY (SELECT {cols[t]} FROM {t} WHERE {w}) TO STDOUT (FORMAT binary)") as copy, \
                    open(workdir / f"{t}.copy", "wb") as fh:
                for data in copy:
                    fh.write(data)
        with conn.transaction():
            # without the foreign-key triggers: every row that refers to the deleted ones goes too
            # (the batch's own), and checking each deleted subject against every referring table
            # of a 10M-record city took minutes; the measured load below checks them all
            conn.execute("SET LOCAL session_replication_role = replica")
            for t in reversed(where):
                conn.execute(f"DELETE FROM {t} WHERE {where[t]}")
        for t in where:
            conn.execute(f"VACUUM (ANALYZE) {t}")
        backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        server0, t0, each = _proc_cpu(backend), time.perf_counter(), {}
        with conn.transaction():
            for t in where:
                t1, s1 = time.perf_counter(), _proc_cpu(backend)
                with conn.cursor().copy(f"COPY {t} ({cols[t]}) FROM STDIN (FORMAT binary)") as copy, \
                        open(workdir / f"{t}.copy", "rb") as fh:
                    while chunk := fh.read(1 << 20):
                        copy.write(chunk)
                each[t] = [round(time.perf_counter() - t1, 3), round(_proc_cpu(backend) - s1, 3)]
        seconds, server = time.perf_counter() - t0, _proc_cpu(backend) - server0
        counts = {t: conn.execute(f"SELECT count(*) FROM {t} WHERE {w}").fetchone()[0] for t, w in where.items()}
    return {"seconds": round(seconds, 3), "server_cpu_s": round(server, 3),
            "tables": {t: [counts[t], *each[t]] for t in where if counts[t]}}


def _kept_city(cluster: str, subjects: int, records: int, rebuild: bool, log) -> tuple[dict, str]:
    """The kept city daily_<subjects>_<records> (built if missing or --rebuild, else migrated to
    head), and the URL of a fresh file copy of it to ingest into."""
    import psycopg

    from xinyong.migrate import upgrade
    name = f"daily_{subjects}_{records}"
    base = cluster.rpartition("/")[0]
    template = f"{base}/{name}"
    with psycopg.connect(common.dbapi_url(f"{base}/postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None
    info = city_build.existing_city(template) if exists and not rebuild else None
    t0 = time.perf_counter()
    if info is None:
        common.create_database(cluster, name)
        info = city_build.build(template, subjects, records, log=lambda m: None)
        _register(template)
        log(f"city of {subjects:,} subjects / {records:,} records built in {time.perf_counter() - t0:.0f}s "
            f"(kept as {name})")
    else:
        before = _revision(template)
        upgrade(template)   # migrations added since the build (the data stay)
        log(f"reusing the kept city {name} (built {info['built_on']} in {info['timings']['total_s']}s)")
        if _revision(template) != before:
            # as the build ends, and as autovacuum would after a migration that rewrote a table
            # (0027_json_fields rewrote records: no visibility map, no hint bits, and every copy
            # of the city paid for them: the daily batch's stored-output floor 0.25 s, not 0.15)
            t0 = time.perf_counter()
            with psycopg.connect(common.dbapi_url(template), autocommit=True) as conn:
                conn.execute("VACUUM (ANALYZE) subjects")
                conn.execute("VACUUM (ANALYZE) records")
            log(f"  migrated from {before} to {_revision(template)}, vacuumed in {time.perf_counter() - t0:.0f}s")
    t0 = time.perf_counter()
    with psycopg.connect(common.dbapi_url(f"{base}/postgres"), autocommit=True) as conn:
        conn.execute('DROP DATABASE IF EXISTS "bench_city" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "bench_city" TEMPLATE "{name}" STRATEGY FILE_COPY')
    log(f"  copied to bench_city in {time.perf_counter() - t0:.0f}s")
    return info, f"{base}/bench_city"


def _revision(url: str) -> str | None:
    import psycopg
    with psycopg.connect(common.dbapi_url(url)) as conn:
        row = conn.execute("SELECT max(version_num) FROM alembic_version").fetchone()
    return row[0] if row else None


def _prewarm(url: str, log) -> int:
    """Every index of records and subjects into shared buffers (pg_prewarm 'buffer'); MB read."""
    import psycopg
    t0 = time.perf_counter()
    with psycopg.connect(common.dbapi_url(url), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        blocks = conn.execute(
            "SELECT coalesce(sum(pg_prewarm(i.indexrelid::regclass, 'buffer')), 0) FROM pg_index i "
            "WHERE i.indrelid IN ('records'::regclass, 'subjects'::regclass)").fetchone()[0]
    mb = int(blocks) * 8 // 1024
    log(f"  prewarmed the indexes of records and subjects ({mb:,} MB) in {time.perf_counter() - t0:.0f}s")
    return mb


def _figures(run: dict, rows: int) -> dict:
    cpu = run["cpu"]["client"] + run["cpu"]["server"]
    return {"seconds": round(run["seconds"], 3), "cpu_s": round(cpu, 3), "cpu_us_per_row": round(1e6 * cpu / rows, 1),
            "accepted": run["outcome"]["accepted"], "created": run["outcome"]["created"],
            "peak_rss_mb": run["peak_rss_mb"], "phases": run["phases"]}


def _summary(runs: list[dict]) -> dict:
    """The runs of one size, their medians, and (as before --repeat) the figures of the run with
    the median city time at the top level."""
    middle = sorted(runs, key=lambda r: r["city"]["seconds"])[(len(runs) - 1) // 2]
    median = {"empty_s": statistics.median(r["empty"]["seconds"] for r in runs),
              "city_s": statistics.median(r["city"]["seconds"] for r in runs),
              "stored_floor_s": statistics.median(r["stored_floor_city"]["seconds"] for r in runs),
              "empty_cpu_us_per_row": statistics.median(r["empty"]["cpu_us_per_row"] for r in runs),
              "city_cpu_us_per_row": statistics.median(r["city"]["cpu_us_per_row"] for r in runs),
              "cpu_ratio_city_empty": statistics.median(r["cpu_ratio_city_empty"] for r in runs),
              "storing_cpu_ratio": statistics.median(r["storing_cpu_ratio"] for r in runs)}
    return {**{k: middle[k] for k in ("empty", "city", "cpu_ratio_city_empty", "stored_floor_city",
                                     "stored_floor_empty", "storing_cpu_ratio")},
            "median": {k: round(v, 3) for k, v in median.items()}, "runs": runs}


def _row(v: dict) -> list[str]:
    """A table row: a run's figures, or the medians."""
    if "city_s" in v:
        return [f"{v['empty_s']:.3f}", f"{v['city_s']:.3f}", f"{v['stored_floor_s']:.3f}",
                f"{v['empty_cpu_us_per_row']}", f"{v['city_cpu_us_per_row']}", f"{v['cpu_ratio_city_empty']}",
                f"{v['storing_cpu_ratio']}"]
    return [f"{v['empty']['seconds']:.3f}", f"{v['city']['seconds']:.3f}", f"{v['stored_floor_city']['seconds']:.3f}",
            f"{v['empty']['cpu_us_per_row']}", f"{v['city']['cpu_us_per_row']}", f"{v['cpu_ratio_city_empty']}",
            f"{v['storing_cpu_ratio']}"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--subjects", type=int, default=1_000_000)
    ap.add_argument("--records", type=int, default=10_000_000)
    ap.add_argument("--batches", default="10000,100000")
    ap.add_argument("--repeat", type=int, default=5,
                    help="daily batches of each size, one after the other into the city (each also into an empty "
                         "database); the targets are judged on their median")
    ap.add_argument("--history-dates", action="store_true",
                    help="daily files decided over 2022..today, as before 2026-12-05 (default: the last 14 days)")
    ap.add_argument("--keep", action="store_true", help="keep the cluster in bench/data/pg and reuse its city")
    ap.add_argument("--rebuild", action="store_true", help="with --keep: build the city again")
    ap.add_argument("--log-statements", action="store_true", help="log_min_duration_statement = 0 on the cluster")
    ap.add_argument("--pg-setting", action="append", default=[], metavar="NAME=VALUE",
                    help="a server setting over the ingest bench's (repeatable), e.g. shared_buffers=2GB")
    ap.add_argument("--prewarm", action="store_true",
                    help="read the indexes of records and subjects into shared buffers before the city's batches "
                         "(a long-running server's cache; give it --pg-setting shared_buffers=4GB at 1M / 10M)")
    ap.add_argument("--explain", action="store_true",
                    help="auto_explain every statement's plan with ANALYZE and BUFFERS into the server log (slower)")
    args = ap.parse_args()
    common.cleanup_on_sigterm()
    import os
    os.environ["XINYONG_SECRET_KEY"] = common.BENCH_SECRET

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    sizes = [int(x) for x in args.batches.split(",")]
    # the first batch of each size on its day of before (1, 2, ...), the next ones on days 11, 21, ...
    files = {n: [daily_file(n, day + 10 * r, args.history_dates) for r in range(max(1, args.repeat))]
             for day, n in enumerate(sizes, start=1)}
    out: dict = {}
    settings = dict(PG_SETTINGS)
    if args.log_statements:
        settings.update(log_min_duration_statement="0", log_line_prefix="'%m [%p] %d '")
    for pair in args.pg_setting:
        name, _, value = pair.partition("=")
        settings[name.strip()] = f"'{value.strip()}'"
    if args.explain:
        settings.update({"session_preload_libraries": "'auto_explain'", "auto_explain.log_min_duration": "0",
                         "auto_explain.log_analyze": "on", "auto_explain.log_buffers": "on",
                         "auto_explain.log_nested_statements": "on", "log_line_prefix": "'%m [%p] %d '"})
    keep = common.DATA_DIR / "pg" if args.keep else None
    with common.pg_cluster(settings=settings, keep=keep, dbname="bench") as (cluster, _):
        machine = machine_info(common.pg_server_version(cluster))
        t0 = time.perf_counter()
        if keep is None:
            city = common.create_database(cluster, "bench_city")
            info = city_build.build(city, args.subjects, args.records, log=lambda m: None)
            _register(city)
            log(f"city of {args.subjects:,} subjects / {args.records:,} records built in {time.perf_counter() - t0:.0f}s")
        else:
            info, city = _kept_city(cluster, args.subjects, args.records, args.rebuild, log)
        warmed = _prewarm(city, log) if args.prewarm else None
        template = common.create_database(cluster, "bench_empty_template")
        _prepare_platform_db(template)   # migrated once; each empty database is a copy of it
        for n, paths in files.items():
            runs = []
            for r, path in enumerate(paths, start=1):
                empty = common.create_database(cluster, f"bench_empty_{n}", template="bench_empty_template")
                warm = ["--warm", str(daily_file(WARM_ROWS, 100 + n % 97))]
                before_empty = marks(empty)
                e = _figures(_child("platform", empty, path, warm), n)
                before = marks(city)
                c = _figures(_child("platform", city, path, ["--warm", str(daily_file(WARM_ROWS, 200 + n % 97))]), n)
                floor = batch_floor(city, before, common.DATA_DIR / "tmp-daily-floor")
                left = worker_share(city)   # after the floor: it reloads the batch's subjects with their ids
                # after the city's batch, not before it: the floor's deletes and vacuums wrote to disk
                floor_empty = batch_floor(empty, before_empty, common.DATA_DIR / "tmp-daily-floor")
                common.drop_database(cluster, f"bench_empty_{n}")
                runs.append({"file": path.name, "empty": e, "city": c,
                             "cpu_ratio_city_empty": round(c["cpu_s"] / e["cpu_s"], 2), "stored_floor_city": floor,
                             "stored_floor_empty": floor_empty,
                             "left_to_worker": left,
                             "storing_cpu_ratio": round(floor["server_cpu_s"] / floor_empty["server_cpu_s"], 2)})
                log(f"  {n:,} rows, batch {r} of {len(paths)}: empty {e['seconds']}s ({e['cpu_us_per_row']} us CPU/row), "
                    f"city {c['seconds']}s ({c['cpu_us_per_row']} us CPU/row), phases into the city {c['phases']}")
                log(f"  {n:,} rows, batch {r} of {len(paths)}: stored-output floor in the city {floor['seconds']}s, "
                    f"server CPU {floor['server_cpu_s']}s, per table (rows, wall s, CPU s) {floor['tables']}")
                log(f"  {n:,} rows, batch {r} of {len(paths)}: left to the worker (not in the batch's time): "
                    f"{left['rows']} outbox rows (the new subjects' names) applied in {left['seconds']}s")
                log(f"  {n:,} rows, batch {r} of {len(paths)}: stored-output floor in the empty database "
                    f"{floor_empty['seconds']}s, server CPU {floor_empty['server_cpu_s']}s, per table {floor_empty['tables']}")
            out[n] = _summary(runs)
        common.drop_database(cluster, "bench_empty_template")
        if keep is not None:
            common.drop_database(cluster, "bench_city")
    result = {"bench": "ingest_daily", "city": {"subjects": args.subjects, "records": args.records,
                                                "build": info.get("timings"), "kept": keep is not None,
                                                "prewarmed_mb": warmed},
              "daily_dates": "2022..today" if args.history_dates else f"last {RECENT_DAYS} days",
              "machine": machine, "pg_settings": settings, "batches": out,
              "targets": {str(n): {"wall_s": TARGET_S.get(n), "judged_on": f"median of {len(out[n]['runs'])}",
                                   "met_wall": (out[n]["median"]["city_s"] <= TARGET_S[n]) if n in TARGET_S else None,
                                   "met_wall_in_runs": sum(r["city"]["seconds"] <= TARGET_S[n] for r in out[n]["runs"])
                                   if n in TARGET_S else None,
                                   "stored_floor_s": out[n]["median"]["stored_floor_s"],
                                   "wall_reachable": (out[n]["median"]["stored_floor_s"] <= TARGET_S[n])
                                   if n in TARGET_S else None,
                                   "cpu_ratio": CPU_RATIO_TARGET,
                                   "met_cpu_ratio": out[n]["median"]["cpu_ratio_city_empty"] <= CPU_RATIO_TARGET,
                                   "storing_cpu_ratio": out[n]["median"]["storing_cpu_ratio"]}
                          for n in out}}
    saved = common.save_result(f"ingest-daily-{args.subjects}-{args.records}", result)
    print(json.dumps(result, ensure_ascii=False))
    rows = [[f"{n:,}", "median" if r is None else str(r), *_row(v["median"] if r is None else v["runs"][r - 1]),
             str(TARGET_S.get(n, "—"))]
            for n, v in out.items() for r in [*range(1, len(v["runs"]) + 1), None]]
    print(f"\ndaily batches — city {args.subjects:,} subjects / {args.records:,} records, load at start "
          f"{machine['loadavg_at_start']}", file=sys.stderr)
    print(human_table(rows, ["rows", "batch", "empty s", "city s", "stored floor (city) s", "empty us CPU/row",
                             "city us CPU/row", "CPU city/empty", "storing CPU city/empty", "target s"]), file=sys.stderr)
    for n, t in result["targets"].items():
        if t["wall_s"] is not None:
            print(f"target {int(n):,} rows <= {t['wall_s']} s into the city ({t['judged_on']}): "
                  f"{'met' if t['met_wall'] else 'MISSED'}, in {t['met_wall_in_runs']} of {len(out[int(n)]['runs'])} "
                  f"batches (median stored-output floor {t['stored_floor_s']} s: "
                  f"{'within reach' if t['wall_reachable'] else 'out of reach: the floor itself misses it'}); "
                  f"CPU city/empty <= {t['cpu_ratio']}: {'met' if t['met_cpu_ratio'] else 'MISSED'} "
                  f"(storing the batch's rows alone, the stored-output floors: {t['storing_cpu_ratio']} x as much "
                  f"server CPU in the city as in the empty database)", file=sys.stderr)
    print(f"saved {saved}", file=sys.stderr)


if __name__ == "__main__":
    main()
