"""Public API benchmark: the served app against the same queries run directly with psycopg.

    .venv/bin/python bench/api_bench.py --keep                      # 1M subjects, 10M records
    .venv/bin/python bench/api_bench.py --subjects 20000 --records 200000   # a quick run

1. A PostgreSQL cluster (throwaway, or kept under bench/data/pg with --keep) holds a city
   built set-based by bench/city_build.py after the migrations; a kept city of the same
   size is reused, not rebuilt (--rebuild forces it). The build time is recorded.
2. The real app (uvicorn, factory xinyong.app:create_app, --workers N, default 2) listens
   on 127.0.0.1. A separate load-generator process (threads with keep-alive http.client
   connections) sends a bounded number of requests (and stops at a time limit) for:
     api     GET /api/v1/subjects/{random id}
     page    GET /subjects/{random id}
     search  GET /api/v1/subjects?q={USCC of a random subject}
   at each concurrency (default 1 and 8), after a warm-up.
3. Raw baseline, same run: the queries behind `api` (subject by id, then its public
   records joined to agencies, newest first, limit 200) and `search`, executed with
   psycopg in a separate process, same ids, same concurrency; no HTTP, no ORM, no JSON.
4. Bare ASGI baseline, same run (`api` only): bench/bare_asgi.py, the app's two statements
   through the same driver answered as JSON by a minimal ASGI app, served by uvicorn with
   the same settings (workers, flags) and driven by the same load generator right after
   the app. The target: app requests/s >= 0.5 x bare, p99 < 50 ms.
Reports requests/s, p50/p90/p99/max latency, the ratios app/raw, prints one JSON line and a
table and saves the JSON under bench/results/. Target: API p99 < 50 ms.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402
from bench.common import (DATA_DIR, PYTHON, bench_env, dbapi_url, emit_result, human_table,  # noqa: E402
                          machine_info, percentile, run_measured)

THIS = str(Path(__file__).resolve())
P99_TARGET_MS = 50.0
BARE_RATIO_TARGET = 0.5   # app requests/s over the bare ASGI endpoint's (bench/bare_asgi.py)
PG_SETTINGS = {
    "shared_buffers": "'2GB'", "effective_cache_size": "'12GB'", "work_mem": "'16MB'",
    "maintenance_work_mem": "'1GB'", "max_wal_size": "'2GB'", "checkpoint_timeout": "'30min'",
    "random_page_cost": "1.1",
}

# What the app runs for GET /api/v1/subjects/{id} (xinyong.disclosure.service.subject_profile
# and repository.profile_record_rows), and for a search by USCC (repository.search_subjects).
SUBJECT_SQL = ("SELECT id, kind, name, uscc, resident_id_hash, resident_id_enc, other_id, legal_rep_id, "
               "legal_rep_name, created_at, updated_at FROM subjects WHERE id = %s")
RECORDS_SQL = (   # repository.profile_record_rows: the columns the profile shows
    "SELECT r.id, r.item_code, r.decision_no, r.decision_date, r.severity, r.publicity_end, r.publicity_citation, "
    "r.fields, r.under_objection, a.name FROM records r JOIN agencies a ON a.id = r.source_agency_id "
    "WHERE r.subject_id = %s AND r.publicity_published IS true AND r.disclosure = %s AND r.status = %s "
    "AND r.publicity_start <= %s AND (r.publicity_end IS NULL OR r.publicity_end > %s) "
    "ORDER BY r.decision_date DESC, r.id DESC LIMIT 200")
SEARCH_SQL = ("SELECT id, kind, name, uscc, resident_id_hash, resident_id_enc, other_id, legal_rep_id, "
              "legal_rep_name, created_at, updated_at FROM subjects "
              "WHERE uscc = %s OR name LIKE '%%' || %s || '%%' ESCAPE '/' "
              "ORDER BY length(name), id LIMIT 20 OFFSET 0")


# ------------------------------------------------------------------------- bounded loops
def _bounded(worker_fn, items: list, concurrency: int, max_requests: int, max_seconds: float) -> dict:
    """Run worker_fn(item) -> (ok, nbytes) over items (cycled) from `concurrency` threads,
    until max_requests are done or max_seconds have passed. Latencies in ms."""
    lock = threading.Lock()
    state = {"next": 0}
    lat: list[float] = []
    errors: dict[str, int] = {}
    nbytes = [0]
    deadline = time.perf_counter() + max_seconds

    def take():
        with lock:
            k = state["next"]
            if k >= max_requests or time.perf_counter() > deadline:
                return None
            state["next"] = k + 1
            return items[k % len(items)]

    def loop(fn):
        while (item := take()) is not None:
            t0 = time.perf_counter()
            try:
                ok, size = fn(item)
            except Exception as exc:  # noqa: BLE001 - counted and reported
                ok, size = type(exc).__name__, 0
            ms = (time.perf_counter() - t0) * 1000
            with lock:
                if ok is True:
                    lat.append(ms)
                    nbytes[0] += size
                else:
                    errors[str(ok)] = errors.get(str(ok), 0) + 1

    started = time.perf_counter()
    threads = [threading.Thread(target=loop, args=(worker_fn(),), daemon=True) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    lat.sort()
    return {"requests": len(lat), "errors": errors, "seconds": round(elapsed, 3),
            "rps": round(len(lat) / elapsed, 1) if elapsed else 0.0,
            "p50_ms": round(percentile(lat, 50), 2), "p90_ms": round(percentile(lat, 90), 2),
            "p99_ms": round(percentile(lat, 99), 2), "max_ms": round(lat[-1], 2) if lat else None,
            "mean_bytes": round(nbytes[0] / len(lat)) if lat else 0}


def child_load(base: str, paths_file: str, concurrency: int, requests: int, seconds: float) -> None:
    import http.client
    import resource
    from urllib.parse import urlsplit
    paths = json.loads(Path(paths_file).read_text())
    host = urlsplit(base)

    def make():
        conn = [http.client.HTTPConnection(host.hostname, host.port, timeout=30)]

        def get(path: str):
            try:
                conn[0].request("GET", path, headers={"Accept-Encoding": "identity"})
                resp = conn[0].getresponse()
                body = resp.read()
            except (http.client.HTTPException, OSError):
                conn[0].close()
                conn[0] = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
                raise
            return (True if resp.status == 200 else f"HTTP {resp.status}"), len(body)
        return get

    r0 = resource.getrusage(resource.RUSAGE_SELF)
    out = _bounded(make, paths, concurrency, requests, seconds)
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    out["client_cpu_s"] = round((r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime), 2)
    emit_result(out)


def child_raw(url: str, ids_file: str, kind: str, concurrency: int, requests: int, seconds: float) -> None:
    import resource

    import psycopg
    from xinyong.clock import today as clock_today
    items = json.loads(Path(ids_file).read_text())
    today = clock_today()  # the app's "today" (China time), not the machine's

    def make():
        conn = psycopg.connect(dbapi_url(url), autocommit=True)

        def profile(subject_id: int):
            with conn.cursor() as cur:
                cur.execute(SUBJECT_SQL, (subject_id,))
                subject = cur.fetchone()
                if subject is None:
                    return "not found", 0
                cur.execute(RECORDS_SQL, (subject_id, "public", "active", today, today))
                rows = cur.fetchall()
            return True, len(rows)

        def search(q: str):
            with conn.cursor() as cur:
                cur.execute(SEARCH_SQL, (q, q))
                rows = cur.fetchall()
            return True, len(rows)
        return profile if kind == "api" else search

    r0 = resource.getrusage(resource.RUSAGE_SELF)
    out = _bounded(make, items, concurrency, requests, seconds)
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    out["client_cpu_s"] = round((r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime), 2)
    out["mean_rows"] = out.pop("mean_bytes")
    emit_result(out)


# ------------------------------------------------------------------------- the server
def _tree_cpu_seconds(pid: int) -> float:
    """utime+stime of a process and its descendants (from /proc), in seconds."""
    tick = os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
    return total


@contextlib.contextmanager
def serve(url: str, workers: int, log, nodelay_fix: bool = False, factory: str = "xinyong.app:create_app"):
    from xinyong.devtools.pgcluster import _free_port
    port = _free_port()
    # one client address sends everything: lift the per-IP limit so high that it never bites,
    # but keep the limiter in the path (a limit of 0 would skip it)
    env = bench_env(XINYONG_DATABASE_URL=url, XINYONG_RATE_ANON_PER_MINUTE="1000000000")
    logfile = open(DATA_DIR / "tmp-api" / f"uvicorn-{factory.split(':')[0].rsplit('.', 1)[-1]}.log", "w")
    proc = subprocess.Popen(
        [PYTHON, *([str(common.BENCH_DIR / "uvicorn_nodelay.py")] if nodelay_fix else ["-m", "uvicorn"]),
         "--factory", factory, "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(workers), "--no-access-log", "--log-level", "warning"],
        env=env, cwd=common.ROOT, stdout=logfile, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        import http.client
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"uvicorn exited: see {logfile.name}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                c.request("GET", "/api/v1/subjects/1")
                if c.getresponse().status in (200, 404):
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not answer within 90s")
            time.sleep(0.5)
        log(f"  {factory} serving on {base} (pid {proc.pid}, {workers} worker(s)"
            f"{', TCP_NODELAY fix' if nodelay_fix else ''})")
        yield base, proc.pid
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
        logfile.close()


# ------------------------------------------------------------------------- the run
def _samples(url: str, n_subjects: int, n: int, seed: int) -> tuple[list[int], list[str], dict]:
    import psycopg

    from xinyong.clock import today as clock_today
    rng = random.Random(seed)
    ids = [rng.randint(1, n_subjects) for _ in range(n)]
    today = clock_today()
    with psycopg.connect(dbapi_url(url)) as conn:
        usccs = [r[0] for r in conn.execute(
            "SELECT uscc FROM subjects WHERE id = ANY(%s) AND uscc IS NOT NULL", (ids,)).fetchall()]
        rng.shuffle(usccs)
        stats = conn.execute(
            "SELECT avg(n), percentile_cont(0.5) WITHIN GROUP (ORDER BY n), "
            "percentile_cont(0.99) WITHIN GROUP (ORDER BY n), max(n) FROM ("
            "SELECT count(r.id) AS n FROM unnest(%s::bigint[]) AS s(id) LEFT JOIN records r ON r.subject_id = s.id "
            "AND r.publicity_published AND r.disclosure = 'public' AND r.status = 'active' "
            "AND r.publicity_start <= %s AND (r.publicity_end IS NULL OR r.publicity_end > %s) GROUP BY s.id) x",
            (ids, today, today)).fetchone()
    return ids, usccs, {"public_records_per_sampled_subject": {
        "mean": round(float(stats[0]), 1), "p50": stats[1], "p99": stats[2], "max": stats[3]}}


def _explain(url: str, subject_id: int) -> str:
    import psycopg

    from xinyong.clock import today as clock_today
    today = clock_today()
    with psycopg.connect(dbapi_url(url)) as conn:
        rows = conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + RECORDS_SQL.replace("%s", "{}").format(
            subject_id, "'public'", "'active'", f"'{today}'", f"'{today}'")).fetchall()
    return "\n".join(r[0] for r in rows)


def _prewarm(url: str, log) -> dict:
    """Read the tables and indexes the requests touch into memory (pg_prewarm), so that the
    app and the baseline see the same warm cache whatever runs first. A city server is
    sized to keep its hot data in memory; a cold cache would measure the disk instead."""
    import psycopg
    t = time.perf_counter()
    blocks = {}
    with psycopg.connect(dbapi_url(url), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        rels = [r[0] for r in conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i') AND (c.relname IN ('records', 'subjects', "
            "'agencies') OR c.relname LIKE 'ix_records_subject%%' OR c.relname LIKE 'ix_subjects_%%' "
            "OR c.relname IN ('pk_records', 'pk_subjects', 'pk_agencies', 'uq_subjects_uscc'))").fetchall()]
        for rel in rels:
            blocks[rel] = conn.execute("SELECT pg_prewarm(%s, 'read')", (rel,)).fetchone()[0]
    seconds = round(time.perf_counter() - t, 1)
    log(f"  prewarmed {len(rels)} relations ({sum(blocks.values()) * 8 // 1024:,} MB) in {seconds}s")
    return {"relations": blocks, "seconds": seconds}


def run(args, url: str, city: dict, log) -> dict:
    tmp = DATA_DIR / "tmp-api"
    ids, usccs, sample_stats = _samples(url, city["subjects"], max(args.requests, 1000) * 2, args.seed)
    files = {}
    for name, items in {"api": [f"/api/v1/subjects/{i}" for i in ids], "page": [f"/subjects/{i}" for i in ids],
                        "search": [f"/api/v1/subjects?q={u}" for u in usccs],
                        "raw-api": ids, "raw-search": usccs}.items():
        files[name] = tmp / f"{name}.json"
        files[name].write_text(json.dumps(items))
    heavy = 1  # the most skewed subject: worst case for the records query
    explain_heavy, explain_typical = _explain(url, heavy), _explain(url, ids[0])
    results: dict = {"sample": sample_stats, "scenarios": {}, "raw": {}}
    results["prewarm"] = _prewarm(url, log)
    env = bench_env()

    def raw(kind: str, c: int) -> None:
        base_cmd = [PYTHON, THIS, "--child", "raw", "--url", url, "--ids", str(files[f"raw-{kind}"]), "--kind", kind,
                    "--concurrency", str(c)]
        run_measured(base_cmd + ["--requests", str(args.warmup), "--seconds", "30"], env=env)
        r = run_measured(base_cmd + ["--requests", str(args.requests), "--seconds", str(args.seconds)], env=env)
        results["raw"].setdefault(kind, {})[str(c)] = r
        log(f"  raw {kind:6s} c={c:<3d} {r['rps']:8.1f} q/s    p50 {r['p50_ms']:7.2f}  p99 {r['p99_ms']:7.2f} ms")

    def load(base: str, server_pid: int, paths: Path, c: int) -> dict:
        load_cmd = [PYTHON, THIS, "--child", "load", "--base", base, "--paths", str(paths), "--concurrency", str(c)]
        # warm-up: connection pools, prepared statements, templates
        run_measured(load_cmd + ["--requests", str(args.warmup), "--seconds", "30"], env=env)
        cpu0 = _tree_cpu_seconds(server_pid)
        r = run_measured(load_cmd + ["--requests", str(args.requests), "--seconds", str(args.seconds)], env=env)
        r["server_cpu_ms_per_request"] = round((_tree_cpu_seconds(server_pid) - cpu0) * 1000 / max(1, r["requests"]), 2)
        return r

    bare_factory = "bench.bare_asgi:create_app"
    with serve(url, args.workers, log, args.nodelay_fix) as (base, server_pid), \
            serve(url, args.workers, log, args.nodelay_fix, factory=bare_factory) as (bare_base, bare_pid):
        for scenario in args.scenarios:
            for c in args.concurrency:
                # the baseline right before the app, same ids, same concurrency (page: the api's SQL)
                if scenario in ("api", "search"):
                    raw(scenario, c)
                r = results["scenarios"].setdefault(scenario, {})[str(c)] = load(base, server_pid, files[scenario], c)
                log(f"  {scenario:6s} c={c:<3d} {r['rps']:8.1f} req/s  p50 {r['p50_ms']:7.2f}  p99 {r['p99_ms']:7.2f} ms"
                    f"  errors {r['errors']}  server CPU {r['server_cpu_ms_per_request']} ms/req")
                if scenario == "api":  # the bare ASGI endpoint right after the app, same paths
                    r = results.setdefault("bare", {})[str(c)] = load(bare_base, bare_pid, files["api"], c)
                    log(f"  bare   c={c:<3d} {r['rps']:8.1f} req/s  p50 {r['p50_ms']:7.2f}  p99 {r['p99_ms']:7.2f} ms"
                        f"  errors {r['errors']}  server CPU {r['server_cpu_ms_per_request']} ms/req")
    results["explain_records_query"] = {"heaviest_subject_1": explain_heavy, "typical_subject": explain_typical}
    return results


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--subjects", type=int, default=1_000_000)
    ap.add_argument("--records", type=int, default=10_000_000)
    ap.add_argument("--keep", action="store_true", help="keep the cluster in bench/data/pg and reuse its city")
    ap.add_argument("--rebuild", action="store_true", help="rebuild the city even if a kept one matches")
    ap.add_argument("--build-only", action="store_true", help="build (or check) the city, serve nothing")
    ap.add_argument("--chunk", type=int, default=500_000, help="rows per INSERT ... SELECT")
    ap.add_argument("--build-workers", type=int, default=2, help="parallel INSERT ... SELECT sessions")
    ap.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    ap.add_argument("--nodelay-fix", action="store_true",
                    help="serve through bench/uvicorn_nodelay.py (uvicorn#3149: --workers N loses TCP_NODELAY)")
    ap.add_argument("--concurrency", type=lambda s: [int(x) for x in s.split(",")], default=[1, 8])
    ap.add_argument("--scenarios", type=lambda s: s.split(","), default=["api", "page", "search"])
    ap.add_argument("--requests", type=int, default=3000, help="requests per measurement (upper bound)")
    ap.add_argument("--seconds", type=float, default=60, help="time limit per measurement")
    ap.add_argument("--warmup", type=int, default=300)
    ap.add_argument("--seed", type=int, default=20261123)
    # internal: measured children
    ap.add_argument("--child", choices=("load", "raw"), help=argparse.SUPPRESS)
    ap.add_argument("--base", help=argparse.SUPPRESS)
    ap.add_argument("--paths", help=argparse.SUPPRESS)
    ap.add_argument("--ids", help=argparse.SUPPRESS)
    ap.add_argument("--url", help=argparse.SUPPRESS)
    ap.add_argument("--kind", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child == "load":
        child_load(args.base, args.paths, args.concurrency[0], args.requests, args.seconds)
        return
    if args.child == "raw":
        child_raw(args.url, args.ids, args.kind, args.concurrency[0], args.requests, args.seconds)
        return

    common.cleanup_on_sigterm()
    os.environ["XINYONG_SECRET_KEY"] = common.BENCH_SECRET
    os.environ.pop("XINYONG_TODAY", None)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    from bench import city_build
    (DATA_DIR / "tmp-api").mkdir(parents=True, exist_ok=True)
    keep = DATA_DIR / "pg" if args.keep else None
    started = time.perf_counter()
    with common.pg_cluster(settings=PG_SETTINGS, keep=keep, dbname="city") as (url, reused):
        pg_version = common.pg_server_version(url)
        machine = machine_info(pg_version)
        city = city_build.existing_city(url) if reused else None
        if city and (city["subjects"], city["records"]) == (args.subjects, args.records) and not args.rebuild:
            log(f"reusing the kept city in {keep}: {city['subjects']:,} subjects, {city['records']:,} records "
                f"(built {city['built_on']} in {city['timings']['total_s']}s); migrating it to head")
            from xinyong.migrate import upgrade
            upgrade(url)  # migrations added since the build (the data stay)
            city["reused"] = True
        else:
            if reused:
                common.create_database(url, "city")
            log(f"building a city of {args.subjects:,} subjects and {args.records:,} records ...")
            city = city_build.build(url, args.subjects, args.records, chunk=args.chunk,
                                    workers=args.build_workers, log=log)
            city["reused"] = False
            log(f"built in {city['timings']['total_s']}s: {city['timings']} sizes {city['sizes']}")
        if args.build_only:
            print(json.dumps({"bench": "api-build", "city": city, "machine": machine}, ensure_ascii=False))
            return
        results = run(args, url, city, log)
        revision = _revision(url)
    out = {"bench": "api", "machine": machine, "pg_settings": PG_SETTINGS, "city": city,
           "schema_revision": revision,
           "server": {"workers": args.workers, "tcp_nodelay_fix": args.nodelay_fix, "uvicorn": _uvicorn_info()},
           "concurrency": args.concurrency, "requests_per_measurement": args.requests,
           "seconds_limit": args.seconds, **results, "wall_s": round(time.perf_counter() - started, 1)}
    ratios = {}
    for kind in ("api", "search"):
        for c, r in out["scenarios"].get(kind, {}).items():
            raw = out["raw"].get(kind, {}).get(c)
            if raw and raw["rps"]:
                ratios[f"{kind}_c{c}"] = {"rps_app_over_raw": round(r["rps"] / raw["rps"], 3),
                                          "p50_app_over_raw": round(r["p50_ms"] / raw["p50_ms"], 2)}
    for c, r in out["scenarios"].get("page", {}).items():
        raw = out["raw"].get("api", {}).get(c)
        if raw and raw["rps"]:
            ratios[f"page_c{c}"] = {"rps_app_over_raw": round(r["rps"] / raw["rps"], 3),
                                    "p50_app_over_raw": round(r["p50_ms"] / raw["p50_ms"], 2)}
    for c, r in out["scenarios"].get("api", {}).items():
        bare = out.get("bare", {}).get(c)
        if bare and bare["rps"]:
            ratios.setdefault(f"api_c{c}", {}).update(
                rps_app_over_bare=round(r["rps"] / bare["rps"], 3),
                server_cpu_app_over_bare=round(r["server_cpu_ms_per_request"] / max(0.01, bare["server_cpu_ms_per_request"]), 2))
    out["ratios"] = ratios
    out["targets"] = {f"api_p99_c{c}": {"target": f"< {P99_TARGET_MS} ms", "value": r["p99_ms"],
                                        "met": r["p99_ms"] < P99_TARGET_MS}
                      for c, r in out["scenarios"].get("api", {}).items()}
    for c, ratio in ratios.items():
        if "rps_app_over_bare" in ratio:
            out["targets"][f"{c}_rps_vs_bare"] = {"target": f">= {BARE_RATIO_TARGET}", "value": ratio["rps_app_over_bare"],
                                                  "met": ratio["rps_app_over_bare"] >= BARE_RATIO_TARGET}
    saved = common.save_result(f"api-{args.subjects}-{args.records}-w{args.workers}"
                               f"{'-nodelay' if args.nodelay_fix else ''}", out)
    print(json.dumps(out, ensure_ascii=False))
    rows = []
    for scenario, by_c in out["scenarios"].items():
        for c, r in by_c.items():
            ratio = ratios.get(f"{scenario}_c{c}", {})
            rows.append([scenario, c, r["requests"], f"{r['rps']:.1f}", f"{r['p50_ms']:.2f}", f"{r['p90_ms']:.2f}",
                         f"{r['p99_ms']:.2f}", sum(r["errors"].values()), ratio.get("rps_app_over_raw", "")])
    for c, r in out.get("bare", {}).items():
        rows.append(["bare ASGI (same SQL)", c, r["requests"], f"{r['rps']:.1f}", f"{r['p50_ms']:.2f}",
                     f"{r['p90_ms']:.2f}", f"{r['p99_ms']:.2f}", sum(r["errors"].values()), ""])
    for kind, by_c in out["raw"].items():
        for c, r in by_c.items():
            rows.append([f"raw {kind} (psycopg)", c, r["requests"], f"{r['rps']:.1f}", f"{r['p50_ms']:.2f}",
                         f"{r['p90_ms']:.2f}", f"{r['p99_ms']:.2f}", sum(r["errors"].values()), "1.00"])
    log(f"\nAPI benchmark — {city['subjects']:,} subjects, {city['records']:,} records, {args.workers} uvicorn "
        f"worker(s){' + TCP_NODELAY fix' if args.nodelay_fix else ''}, {machine['nproc']} cores, {machine['cpu']}, PostgreSQL {pg_version}, {machine['date']}")
    log(human_table(rows, ["scenario", "conc", "requests", "req/s", "p50 ms", "p90 ms", "p99 ms", "errors",
                           "rps vs raw"]))
    for c, ratio in ratios.items():
        if "rps_app_over_bare" in ratio:
            log(f"{c}: app/bare requests/s {ratio['rps_app_over_bare']}, server CPU {ratio['server_cpu_app_over_bare']}x")
    for name, t in out["targets"].items():
        unit = " ms" if name.startswith("api_p99") else ""
        log(f"target {name} {t['target']}: {'met' if t['met'] else 'MISSED'} ({t['value']}{unit})")
    log(f"saved {saved}")


def _revision(url: str) -> str | None:
    import psycopg
    with psycopg.connect(dbapi_url(url)) as conn:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return row[0] if row else None


def _uvicorn_info() -> dict:
    import importlib.util

    import uvicorn
    return {"version": uvicorn.__version__,
            "http": "httptools" if importlib.util.find_spec("httptools") else "h11",
            "loop": "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"}


if __name__ == "__main__":
    main()
