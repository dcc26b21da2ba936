"""CPU the application spends per public profile read, in-process, against the raw cost of
the same two SQL statements through sqlite3 in the same run.

    .venv/bin/python bench/request_cpu_bench.py                     # --requests 2000 --subjects 40
    .venv/bin/python bench/request_cpu_bench.py --profile           # + cProfile of the app's loop

One process, no server, no network: a throwaway SQLite database (migrated as `xinyong init`
does, plus `--subjects` subjects with 1-15 penalties each ingested through `ingest_file`, one
in ten a natural person), then, for random subject ids, interleaved request by request:
  raw      the subject by id and its public records joined to agencies, newest first, limit
           200 — the statements the app sends, compiled once — through sqlite3 directly
  harness  an empty ASGI app through the same client: what the driving itself costs
  bare     bench/bare_asgi.py through the same client: the same two statements through the
           same driver in the thread pool, rows as JSON, no middleware (the target's baseline)
  api      GET /api/v1/subjects/{id} through the whole app (middleware, session, ORM, pydantic, JSON)
  page     GET /subjects/{id} (the same, plus declarations and the template)
The client is httpx's ASGITransport on one event loop; sync routes run on the app's thread
pool as under uvicorn. Cost is this process's CPU time (all threads) per request. The anonymous
rate limit is lifted out of reach but the limiter runs. Prints a table and one JSON line, and
writes bench/results/request_cpu_bench.json (and request_cpu_bench.prof with --profile).
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BENCH_SECRET, RESULTS_DIR, machine_info, percentile  # noqa: E402
from xinyong import clock  # noqa: E402


def _environment(directory: str) -> str:
    db = Path(directory) / "xinyong.db"
    os.environ.update(XINYONG_DATABASE_URL=f"sqlite:///{db}", XINYONG_SECRET_KEY=BENCH_SECRET,
                      XINYONG_DATA_DIR=str(Path(directory) / "var"), XINYONG_RATE_ANON_PER_MINUTE="1000000000")
    os.environ.pop("XINYONG_TODAY", None)
    os.environ.pop("XINYONG_RATE_STORE", None)
    return str(db)


def _city(subjects: int, seed: int) -> list[int]:
    """`xinyong init`, then subjects with 1-15 penalties each from four agencies."""
    from sqlalchemy import select

    from xinyong.agencies.service import register
    from xinyong.audit import command_line_actor
    from xinyong.catalogue.service import sync
    from xinyong.config import get_settings
    from xinyong.db import session_scope
    from xinyong.ingest.service import ingest_file
    from xinyong.measures.service import sync as sync_measures
    from xinyong.migrate import upgrade
    from xinyong.models import Record, Subject
    from xinyong.synthetic import make_resident_id, make_uscc, penalty_row, to_csv
    upgrade(get_settings().database_url)
    rng = random.Random(seed)
    today = clock.today()   # the platform's day (Asia/Shanghai), not the machine's UTC date
    with session_scope() as session:
        sync(session, actor=command_line_actor(), reason="request_cpu_bench")
        sync_measures(session, None)
        agencies = [register(session, uscc=make_uscc(rng, "11"), name=name)
                    for name in ("泉州市市场监督管理局", "泉州市生态环境局", "国家税务总局泉州市税务局", "泉州市应急管理局")]
    rows = {a.uscc: [] for a in agencies}
    for n in range(subjects):
        person = n % 10 == 9
        name = f"泉州市测试{n:03d}贸易有限公司" if not person else rng.choice("王李张刘陈杨") + "某" + str(n)
        uscc = make_uscc(rng)
        person_id = make_resident_id(rng) if person else None
        for k in range(rng.randint(1, 15)):
            agency = agencies[rng.randrange(len(agencies))]
            rows[agency.uscc].append(penalty_row(
                rng, name=name, subject_uscc=uscc, decision_no=f"泉罚〔{n}〕{k:03d}号{agency.id}",
                decision_date=today - dt.timedelta(days=rng.randrange(1, 700)), kind=rng.choice(["罚款", "警告"]),
                agency_name=agency.name, agency_uscc=agency.uscc, person_id=person_id))
    for agency_uscc, batch in rows.items():
        with session_scope() as session:
            outcome = ingest_file(session, data=to_csv(batch), filename="p.csv", source_uscc=agency_uscc,
                                  item_code="penalty", actor=command_line_actor())
            assert outcome.status == "completed", outcome.as_dict()
    with session_scope() as session:  # the subjects made here (agencies are subjects too, without records)
        return list(session.scalars(select(Subject.id).where(Subject.id.in_(select(Record.subject_id)))
                                    .order_by(Subject.id)))


def _raw_reader(db_path: str):
    """The app's two statements, compiled once by SQLAlchemy for SQLite, run with sqlite3."""
    from sqlalchemy import select
    from sqlalchemy.dialects import sqlite

    from xinyong.disclosure.repository import profile_records_statement
    from xinyong.models import Subject
    today = clock.today()   # the platform's day (Asia/Shanghai), not the machine's UTC date
    dialect = sqlite.dialect()

    def compiled(stmt):
        c = stmt.compile(dialect=dialect)
        names = c.positiontup
        return str(c), names, c.params

    subject_sql, subject_names, _ = compiled(select(Subject).where(Subject.id == 1))
    records_sql, records_names, records_params = compiled(profile_records_statement(1, today))

    def value(v):
        return v.isoformat() if isinstance(v, dt.date) else int(v) if isinstance(v, bool) else v

    conn = sqlite3.connect(db_path, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")

    def read(subject_id: int) -> int:
        params = [value(subject_id if name.startswith("id_") else records_params[name]) for name in subject_names]
        row = conn.execute(subject_sql, params).fetchone()
        params = [value(subject_id if name.startswith("subject_id") else records_params[name]) for name in records_names]
        rows = conn.execute(records_sql, params).fetchall()
        conn.rollback()
        return len(rows) + (row is not None)

    return read


async def _empty_app(scope, receive, send):
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": b"{}"})


async def _drive(ids: list[int], requests: int, warmup: int, seed: int, read, profile: Path | None,
                 profiled: tuple[str, ...] = ("api", "page")) -> dict:
    import httpx

    from bench import bare_asgi
    from xinyong.app import create_app
    from xinyong.config import get_settings
    app = create_app()
    bare_client = httpx.AsyncClient(transport=httpx.ASGITransport(app=bare_asgi.create_app(get_settings().database_url)),
                                    base_url="http://bench")
    rng = random.Random(seed)
    app_client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")
    empty_client = httpx.AsyncClient(transport=httpx.ASGITransport(app=_empty_app), base_url="http://bench")
    cpu: dict[str, list[float]] = {"raw": [], "harness": [], "bare": [], "api": [], "page": []}
    cost = time.process_time

    async def one(kind: str, subject_id: int, keep: bool) -> None:
        started = cost()
        if kind == "raw":
            assert read(subject_id) > 0
        elif kind == "harness":
            assert (await empty_client.get(f"/api/v1/subjects/{subject_id}")).status_code == 200
        elif kind == "bare":
            assert (await bare_client.get(f"/api/v1/subjects/{subject_id}")).status_code == 200
        else:
            path = f"/api/v1/subjects/{subject_id}" if kind == "api" else f"/subjects/{subject_id}"
            response = await app_client.get(path)
            assert response.status_code == 200, (path, response.status_code, response.text[:300])
        if keep:
            cpu[kind].append((cost() - started) * 1000)

    first = ids[0]  # the raw reader reads what the app shows
    shown = (await app_client.get(f"/api/v1/subjects/{first}")).json()["records"]
    assert read(first) == len(shown) + 1, (read(first), len(shown))
    for n in range(warmup + requests):
        subject_id = rng.choice(ids)
        for kind in cpu:
            await one(kind, subject_id, n >= warmup)
    if profile is not None:
        with _profiling_every_thread(profile):
            for _ in range(requests):
                subject_id = rng.choice(ids)
                for kind in profiled:
                    await one(kind, subject_id, False)
    await app_client.aclose()
    await empty_client.aclose()
    await bare_client.aclose()
    return cpu


@contextlib.contextmanager
def _profiling_every_thread(path: Path):
    """cProfile follows one thread: profile the event loop here and, inside each call the app
    hands to its thread pool (sync routes and dependencies), that worker thread; one merged file."""
    import cProfile
    import pstats
    import threading

    import anyio.to_thread
    profilers: dict[int, cProfile.Profile] = {}
    run_sync = anyio.to_thread.run_sync

    def in_worker(func):
        def run(*args):
            profiler = profilers.setdefault(threading.get_ident(), cProfile.Profile(time.thread_time))
            profiler.enable()
            try:
                return func(*args)
            finally:
                profiler.disable()
        return run

    async def profiled_run_sync(func, *args, **kwargs):
        return await run_sync(in_worker(func), *args, **kwargs)

    anyio.to_thread.run_sync = profiled_run_sync
    loop_profiler = cProfile.Profile(time.thread_time)  # CPU time: waiting for the GIL or a thread is not cost
    loop_profiler.enable()
    try:
        yield
    finally:
        loop_profiler.disable()
        anyio.to_thread.run_sync = run_sync
    stats = pstats.Stats(loop_profiler)
    for profiler in profilers.values():
        stats.add(profiler)
    stats.dump_stats(path)


def _stats(values: list[float]) -> dict:
    s = sorted(values)
    return {"mean": round(sum(s) / len(s), 4), "p50": round(percentile(s, 50), 4), "p99": round(percentile(s, 99), 4)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=2000, help="measured requests of each kind")
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--subjects", type=int, default=40)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--profile", action="store_true", help="then profile api+page requests with cProfile")
    ap.add_argument("--profile-only", choices=["api", "page"], help="profile only this kind of request")
    args = ap.parse_args()
    machine = machine_info()
    with tempfile.TemporaryDirectory(prefix="xinyong-request-cpu-") as directory:
        db_path = _environment(directory)
        ids = _city(args.subjects, args.seed)
        profile = RESULTS_DIR / "request_cpu_bench.prof" if args.profile else None
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        cpu = asyncio.run(_drive(ids, args.requests, args.warmup, args.seed, _raw_reader(db_path), profile,
                                (args.profile_only,) if args.profile_only else ("api", "page")))
    stats = {kind: _stats(values) for kind, values in cpu.items()}
    raw = stats["raw"]["mean"]
    out = {"bench": "request_cpu", "requests": args.requests, "subjects": len(ids), "machine": machine,
           "git": _git_head(), "cpu_ms": stats,
           "ratio_api_vs_raw": round(stats["api"]["mean"] / raw, 1),
           "ratio_page_vs_raw": round(stats["page"]["mean"] / raw, 1),
           "ratio_api_vs_bare": round(stats["api"]["mean"] / stats["bare"]["mean"], 2),
           "api_minus_harness_ms": round(stats["api"]["mean"] - stats["harness"]["mean"], 4),
           "page_minus_harness_ms": round(stats["page"]["mean"] - stats["harness"]["mean"], 4)}
    print(f"CPU ms per request, {args.requests} each, {len(ids)} subjects, {machine['cpu']}, "
          f"load {machine['loadavg_at_start']}", file=sys.stderr)
    for kind, s in stats.items():
        print(f"  {kind:8} mean {s['mean']:8.3f}  p50 {s['p50']:8.3f}  p99 {s['p99']:8.3f}", file=sys.stderr)
    print(f"  api/raw {out['ratio_api_vs_raw']}x, page/raw {out['ratio_page_vs_raw']}x, "
          f"api/bare {out['ratio_api_vs_bare']}x", file=sys.stderr)
    if profile is not None:
        import pstats
        pstats.Stats(str(profile), stream=sys.stderr).sort_stats("tottime").print_stats(30)
        print(f"profile: {profile}", file=sys.stderr)
    (RESULTS_DIR / "request_cpu_bench.json").write_text(json.dumps(out, ensure_ascii=False, indent=1))
    print(json.dumps(out, ensure_ascii=False))


def _git_head() -> str:
    import subprocess
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=Path(__file__).resolve().parent.parent, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


if __name__ == "__main__":
    main()
