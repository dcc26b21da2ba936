"""Per-shard costs of the distributed layout (docs/SCALING.md, issue #16 point 8), measured small.

    flock /work/bench.lock .venv/bin/python bench/shard_bench.py --subjects 100000 --records 1000000

A single-node city (bench/city_build.py) is the source and the baseline. A coordinator and
--shards shard clusters are started on loopback (xinyong/devtools/shards.py) and migrated; the
city's agencies and subjects are copied to the coordinator (the subjects directory), the
subjects pushed to their shards, and the records loaded:
- shard-local: each shard's rows (routed by the coordinator's own hash) exported from the source
  first, then COPYed into all shards at once (each shard with its full set of indexes):
  rows/s per shard and for the province;
- via the coordinator: --routed records staged on the coordinator and sent with
  INSERT INTO records SELECT … (postgres_fdw batch_size 1000), and --routed-copy records with COPY
  into the coordinator's records (PostgreSQL 15 sends these one row per remote INSERT).
Then the platform's profile read (xinyong.disclosure.repository.public_records) for --reads
subjects, on the single node, through the coordinator and directly on the subject's shard; and
the full evaluation: single node (service.recompute_full) against shard by shard
(shards.evaluate_by_shard, all shards at once), with each shard's own time; and last a split of
shard 0 onto a new server (rebalancing, xinyong/devtools/shard_split.py), timed.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402

from bench import city_build, common  # noqa: E402
from bench.common import dbapi_url  # noqa: E402
from xinyong.devtools import shards  # noqa: E402
from xinyong.devtools.pgcluster import throwaway_cluster  # noqa: E402

SETTINGS = {"shared_buffers": "'512MB'", "work_mem": "'16MB'", "maintenance_work_mem": "'512MB'",
            "max_wal_size": "'4GB'", "random_page_cost": "1.1"}
COLS = ("id, subject_id, item_code, source_agency_id, decision_no, decision_date, valid_to, severity, severity_basis, "
        "disclosure, publicity_published, publicity_start, publicity_end, publicity_min_end, publicity_citation, "
        "publicity_ended_on, fields, status, under_objection, version, batch_id, row_no, received_at, updated_at")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def connect(url: str) -> psycopg.Connection:
    return psycopg.connect(dbapi_url(url), autocommit=True)


def copy_table(src: str, dst: str, table: str, where: str = "true") -> int:
    with connect(src) as s, connect(dst) as d, s.cursor() as sc, d.cursor() as dc:
        with sc.copy(f"COPY (SELECT * FROM {table} WHERE {where}) TO STDOUT") as out, \
                dc.copy(f"COPY {table} FROM STDIN") as into:
            for chunk in out:
                into.write(chunk)
        return dc.rowcount


def export(src: str, where: str) -> tuple[list[bytes], int]:
    chunks = []
    with connect(src) as s, s.cursor() as sc:
        with sc.copy(f"COPY (SELECT {COLS} FROM records WHERE {where}) TO STDOUT") as out:
            chunks = [bytes(c) for c in out]
        n = s.execute(f"SELECT count(*) FROM records WHERE {where}").fetchone()[0]
    return chunks, n


def load(url: str, table: str, chunks: list[bytes]) -> float:
    t = time.perf_counter()
    with connect(url) as c, c.cursor() as cur, cur.copy(f"COPY {table} ({COLS}) FROM STDIN") as into:
        for chunk in chunks:
            into.write(chunk)
    return time.perf_counter() - t


def route_on_source(src: str, n: int) -> None:
    """The coordinator's hash routing on the source: a hash-partitioned table of the same key type
    and modulus gives the same remainders (satisfies_hash_partition)."""
    with connect(src) as c:
        c.execute("DROP TABLE IF EXISTS bench_route")
        c.execute("CREATE TABLE bench_route (subject_id bigint) PARTITION BY HASH (subject_id)")
        for i in range(n):
            c.execute(f"CREATE TABLE bench_route_{i} PARTITION OF bench_route FOR VALUES WITH (MODULUS {n}, REMAINDER {i})")


def ingest(src: str, province: shards.Province, routed: int, routed_copy: int) -> dict:
    n = province.n
    with connect(src) as c:
        top = c.execute("SELECT max(id) FROM records").fetchone()[0]
    cut_copy, cut_insert = top - routed_copy, top - routed_copy - routed
    route_on_source(src, n)
    parts = [export(src, f"id <= {cut_insert} AND satisfies_hash_partition('bench_route'::regclass, {n}, {i}, subject_id)")
             for i in range(n)]
    t = time.perf_counter()
    with ThreadPoolExecutor(max_workers=n) as pool:
        secs = list(pool.map(lambda i: load(province.shards[i], "records", parts[i][0]), range(n)))
    wall = time.perf_counter() - t
    local = [{"shard": i, "rows": parts[i][1], "seconds": round(secs[i], 2), "rows_per_s": round(parts[i][1] / secs[i])}
             for i in range(n)]
    log(f"  shard-local COPY: {local}, wall {wall:.1f}s")
    staged, n_ins = export(src, f"id > {cut_insert} AND id <= {cut_copy}")
    with connect(province.coordinator) as c:
        c.execute("CREATE UNLOGGED TABLE bench_stage (LIKE records)")
    load(province.coordinator, "bench_stage", staged)
    with connect(province.coordinator) as c:
        t = time.perf_counter()
        c.execute("INSERT INTO records SELECT * FROM bench_stage")
        ins = time.perf_counter() - t
        c.execute("DROP TABLE bench_stage")
    tail, n_copy = export(src, f"id > {cut_copy}")
    via_copy = load(province.coordinator, "records", tail)
    with connect(province.coordinator) as c:
        c.execute(f"SELECT setval(pg_get_serial_sequence('records', 'id'), {top})")
    for url in province.shards:
        with connect(url) as c:
            c.execute("VACUUM ANALYZE records")
            c.execute("ANALYZE subjects")
    return {"shard_local": local, "shard_local_wall_s": round(wall, 2),
            "province_rows_per_s": round(sum(p[1] for p in parts) / wall),
            "coordinator_insert_select": {"rows": n_ins, "seconds": round(ins, 2), "rows_per_s": round(n_ins / ins)},
            "coordinator_copy": {"rows": n_copy, "seconds": round(via_copy, 2), "rows_per_s": round(n_copy / via_copy)}}


def reads(src: str, province: shards.Province, n_reads: int, today: dt.date) -> dict:
    from xinyong.db import make_engine, session_factory
    from xinyong.disclosure.repository import public_records
    with connect(src) as c:
        ids = [r[0] for r in c.execute("SELECT id FROM subjects ORDER BY id").fetchall()]
    sample = random.Random(8).sample(ids, min(n_reads, len(ids)))
    owner = shards.shard_of(province, sample)
    sessions = {"single": session_factory(make_engine(src))(),
                "coordinator": session_factory(make_engine(province.coordinator))()}
    direct = [session_factory(make_engine(u))() for u in province.shards]
    timings: dict[str, list[float]] = {"single": [], "coordinator": [], "shard_direct": []}
    rows = 0
    for rnd in range(2):   # the first round warms every cache; the second is measured
        for sid in sample:
            for name, s in (*sessions.items(), ("shard_direct", direct[owner[sid]])):
                t = time.perf_counter()
                got = public_records(s, sid, today)
                if rnd:
                    timings[name].append((time.perf_counter() - t) * 1000)
                    rows += len(got) if name == "single" else 0
    for s in (*sessions.values(), *direct):
        s.close()
        s.get_bind().dispose()
    out = {name: {"p50_ms": round(statistics.median(v), 2), "p95_ms": round(common.percentile(sorted(v), 95), 2),
                  "mean_ms": round(statistics.fmean(v), 2)} for name, v in timings.items()}
    out["reads"], out["records_returned"] = len(sample), rows
    out["plan"] = shards.profile_read_plan(province.coordinator, sample[0], today)
    return out


def evaluation(src: str, province: shards.Province, today: dt.date) -> dict:
    from xinyong.db import make_engine, session_factory
    from xinyong.evaluation import service
    engine = make_engine(src)
    with session_factory(engine)() as s:
        t = time.perf_counter()
        run = service.recompute_full(s, as_of=today)
        s.commit()
        single = {"subjects": run.subjects, "contributions": run.contributions, "seconds": round(time.perf_counter() - t, 2)}
    engine.dispose()
    sharded = shards.evaluate_by_shard(province, as_of=today)
    for p in sharded["per_shard"]:
        p["seconds"] = round(p["seconds"], 2)
    return {"single": single, "sharded": sharded}


def split(province: shards.Province) -> dict:
    """Rebalancing: shard 0's partition split onto a new server (xinyong/devtools/shard_split.py),
    timed; the distributed tables are locked on the coordinator for all of it."""
    from xinyong.devtools.shard_split import split_shard
    try:
        with throwaway_cluster(settings=SETTINGS) as new_url:
            from xinyong.migrate import upgrade
            upgrade(new_url)   # before the clock: split_shard's own upgrade then finds it at head
            t = time.perf_counter()
            moved = split_shard(province, 0, new_url)
            seconds = time.perf_counter() - t
            with connect(new_url) as c:
                n = c.execute("SELECT count(*) FROM records").fetchone()[0]
        province.shards.pop()   # the new server is gone with its cluster
        return {"moved": moved, "seconds": round(seconds, 2), "records_moved_per_s": round(n / seconds)}
    except Exception as exc:   # the other figures stand without this one
        return {"error": repr(exc)[:500]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--subjects", type=int, default=100_000)
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--shards", type=int, default=2)
    ap.add_argument("--routed", type=int, default=50_000)
    ap.add_argument("--routed-copy", type=int, default=5_000)
    ap.add_argument("--reads", type=int, default=300)
    args = ap.parse_args()
    common.cleanup_on_sigterm()
    result: dict = {"args": vars(args), "machine": common.machine_info()}
    with throwaway_cluster(settings=SETTINGS) as src, shards.loopback_province(args.shards, SETTINGS) as province:
        t = time.perf_counter()
        result["city"] = city_build.build(src, args.subjects, args.records, log=log)
        log(f"city built in {time.perf_counter() - t:.0f}s")
        today = dt.date.fromisoformat(result["city"]["built_on"])
        import os
        os.environ["XINYONG_TODAY"] = today.isoformat()
        os.environ["XINYONG_DATABASE_URL"] = province.coordinator
        for table in ("agencies", "batches", "subjects"):
            copy_table(src, province.coordinator, table)
        with connect(province.coordinator) as c:
            for table in ("agencies", "batches", "subjects"):
                c.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        t = time.perf_counter()
        pushed = shards.push_subjects(province)
        result["subjects_push"] = {"subjects": pushed, "seconds": round(time.perf_counter() - t, 2)}
        result["reference"] = shards.replicate_reference(province)
        log(f"subjects pushed: {result['subjects_push']}")
        result["ingest"] = ingest(src, province, args.routed, args.routed_copy)
        result["profile_read"] = reads(src, province, args.reads, today)
        log(json.dumps({k: v for k, v in result["profile_read"].items() if k != "plan"}))
        result["evaluation"] = evaluation(src, province, today)
        log(json.dumps(result["evaluation"]))
        result["split"] = split(province)
        log(json.dumps(result["split"]))
        sizes = []
        for url in province.shards:
            with connect(url) as c:
                sizes.append(c.execute("SELECT count(*), pg_total_relation_size('records') FROM records").fetchone())
        result["shard_records"] = [{"rows": n, "bytes": b} for n, b in sizes]
    path = common.save_result("shard_bench", result)
    print(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    log(f"saved {path}")


if __name__ == "__main__":
    main()
