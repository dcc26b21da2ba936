"""The full crash trials (issue 16 point 4; figures in docs/RELIABILITY.md "Crash trials"):
N trials of one kind on one backend, each killed with SIGKILL at a seeded random moment of the
uninterrupted run's duration (one draw in each of N equal slices) or at a targeted point.

    flock /work/bench.lock .venv/bin/python -m tests.faults.run_trials --backend postgresql \\
        --kind ingest --rows 1000000 --trials 10 --budget 11

Kinds: ingest (`xinyong ingest`; targeted: before_commit, after_commit), worker (`xinyong
worker --once` applying a committed batch's outbox; targeted: mid_outbox, second_hook), server
(`xinyong serve` mid-upload, re-sent under the same Idempotency-Key; targeted: after_commit).

A run is resumable, so long runs go in chunks that each hold the shared benchmark lock a few
minutes: every result goes to a JSON-lines file as it comes (the reference first, then one line
per trial; --results, default bench/results/crash-BACKEND-KIND-ROWS.jsonl), a run started again
with the same file carries on from the next trial, and --budget MINUTES stops a chunk before a
trial that would not end within it (exit 3: not finished, run again). The penalty file and (on
PostgreSQL) the cluster's data directory live in --work, kept between chunks; a worker trial
starts from a copy of the database taken right after the batch's ingest (outbox pending), a
PostgreSQL template database or a copy of the SQLite file, so the batch is ingested once. The
uninterrupted reference run (one per backend and size, shared by the ingest and worker kinds; the
server kind has its own, the file uploaded through the app; in --work) is a chunk of its own.
Prints one line per trial and, when all are done, a Markdown table; exit 1 if any trial failed
its checks (tests/faults/trials.py)."""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common import RESULTS_DIR, bench_env, machine_info, pg_cluster, pg_server_version  # noqa: E402
from tests.faults.trials import CHILD_ENV, random_delays  # noqa: E402

TARGETED = {"ingest": ["before_commit", "after_commit"], "worker": ["mid_outbox", "second_hook"],
            "server": ["after_commit"]}
SNAPSHOT = "xinyong_worker_start"


def plan(kind: str, trials: int, seed: int, window: float) -> list[tuple[str, float | None]]:
    targeted = TARGETED[kind][:max(0, trials - 1)]
    n = trials - len(targeted)
    return [("random", d) for d in sorted(random_delays(seed, n, window))] + [(p, None) for p in targeted]


class Log:
    """The results file: {"reference": ...} then one {"trial": n, ...} line per trial."""

    def __init__(self, path: Path):
        self.path = path
        lines = [json.loads(x) for x in path.read_text().splitlines() if x.strip()] if path.exists() else []
        self.reference = next((x["reference"] for x in lines if "reference" in x), None)
        self.trials = [x for x in lines if "trial" in x]

    def add(self, item: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a") as fh:
            fh.write(json.dumps(item, ensure_ascii=False) + "\n")
        if "reference" in item:
            self.reference = item["reference"]
        else:
            self.trials.append(item)


def _reference(engine, path: Path, start: "Start") -> dict:
    """One uninterrupted run serves both kinds: the batch ingested with its outbox left pending
    (the worker trials' starting database is taken here), then the worker's drain; the state
    after it is what an ingest applying its own outbox leaves (tests/faults/test_crash_trials.py
    checks the two are equal). Windows of random kills: the ingest and the drain (ingest trials),
    the drain (worker trials), as this warm process took them."""
    from tests.faults import runs, state
    state.empty(engine)
    t0 = time.perf_counter()
    baseline = runs.prepare_worker(engine, path)
    ingest = time.perf_counter() - t0
    engine.dispose()
    start.take()
    t1 = time.perf_counter()
    runs.drain(engine)
    drain = time.perf_counter() - t1
    t2 = time.perf_counter()
    counts, digest = state.counts(engine), state.digest(engine)
    return {"ingest_seconds": round(ingest, 2), "drain_seconds": round(drain, 2), "baseline": baseline,
            "counts": counts, "digest": digest, "digest_version": state.VERSION, "check_seconds": round(time.perf_counter() - t2, 1),
            "with_checks": round(time.perf_counter() - t0, 1), "machine": machine_info(), "load": os.getloadavg()}


def _reference_server(engine, path: Path, start: "Start") -> dict:
    """The server trials' own uninterrupted run: the file uploaded to the app under an
    Idempotency-Key by an agency's account (the batch and its audit entry say so: the CLI's
    reference differs from it in exactly those two rows), the outbox applied by the upload."""
    from tests.faults import runs, state
    start.empty(engine)
    t0 = time.perf_counter()
    ref = runs.reference_server(engine, path)
    total = time.perf_counter() - t0
    return {"ingest_seconds": round(ref.seconds, 2), "drain_seconds": 0.0, "baseline": None,
            "counts": ref.counts, "digest": ref.digest, "digest_version": state.VERSION,
            "check_seconds": round(total - ref.seconds, 1), "with_checks": round(total, 1),
            "machine": machine_info(), "load": os.getloadavg()}


class Start:
    """The database a worker trial starts from: taken once, restored before each trial."""

    def __init__(self, url: str, work: Path):
        self.url, self.work = url, work
        self.pg = url.startswith("postgresql")
        self.file = Path(url.removeprefix("sqlite:///")) if not self.pg else None

    def take(self) -> None:
        if self.pg:
            self._admin(f'DROP DATABASE IF EXISTS "{SNAPSHOT}" WITH (FORCE)')
            self._admin(f'CREATE DATABASE "{SNAPSHOT}" TEMPLATE "{self._db()}"')
        else:
            _sqlite_copy(self.file, self.work / "worker-start.db")

    def restore(self) -> None:
        if self.pg:
            self._admin(f'DROP DATABASE "{self._db()}" WITH (FORCE)')
            self._admin(f'CREATE DATABASE "{self._db()}" TEMPLATE "{SNAPSHOT}"')
        else:
            _sqlite_copy(self.work / "worker-start.db", self.file)

    def empty(self, engine) -> None:
        """Every table emptied, as ``state.empty`` does. SQLite: a copy of an emptied, freshly
        migrated file put in place of the database (a DELETE of a 1M-row trial's tables, foreign
        keys on, ran for over 20 minutes; PostgreSQL truncates)."""
        from tests.faults import state
        if self.pg:
            state.empty(engine)
            return
        blank = self.work / "empty.db"
        if not blank.exists():
            from xinyong.db import make_engine
            from xinyong.migrate import upgrade
            made = self.work / "empty-making.db"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{made}{suffix}").unlink(missing_ok=True)
            upgrade(f"sqlite:///{made}")
            fresh = make_engine(f"sqlite:///{made}")
            state.empty(fresh)
            fresh.dispose()
            _sqlite_copy(made, blank)
        _sqlite_copy(blank, self.file)

    def _db(self) -> str:
        return self.url.rpartition("/")[2]

    def _admin(self, sql: str):
        import psycopg

        from bench.common import dbapi_url
        from xinyong.db import reset_engines
        reset_engines()   # the CLI's cached engine (the in-process ingest) holds connections too
        with psycopg.connect(dbapi_url(self.url.rpartition("/")[0] + "/postgres"), autocommit=True) as conn:
            cur = conn.execute(sql)
            return cur.fetchall() if cur.description else None


def _sqlite_copy(source: Path, target: Path) -> None:
    """A consistent copy (the WAL included) with no connection of this process left open."""
    import sqlite3

    from xinyong.db import reset_engines
    reset_engines()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def run(url: str, args, work: Path, log: Log) -> bool:
    """Trials until all are done or the budget is spent; True when all are done."""
    from tests.faults import runs, state
    from tests.faults.trials import Reference, penalty_file
    from xinyong.config import reset_settings
    from xinyong.db import make_engine
    from xinyong.devtools.ports import free_port
    from xinyong.migrate import upgrade
    began = time.monotonic()
    os.environ.update(bench_env(**CHILD_ENV, XINYONG_DATABASE_URL=url))
    reset_settings()
    upgrade(url)
    engine = make_engine(url)
    path = work / f"penalties-{args.rows}.csv"
    if not path.exists():
        penalty_file(args.rows, path)
    start = Start(url, work)
    shared = work / ("reference-server.json" if args.kind == "server" else "reference.json")
    if not shared.exists():
        made = (_reference_server if args.kind == "server" else _reference)(engine, path, start)
        shared.write_text(json.dumps(made, ensure_ascii=False, indent=1))
        print("reference:", shared.read_text(), flush=True)
        engine.dispose()
        return False   # the reference is a chunk of its own
    r = json.loads(shared.read_text())
    if r.get("digest_version") != state.VERSION and args.kind == "server":
        shared.unlink()   # made again, by its own chunk
        engine.dispose()
        return False
    if r.get("digest_version") != state.VERSION:   # the digest changed: the reference state again
        start.restore()
        runs.drain(engine)
        t0 = time.perf_counter()
        r.update(counts=state.counts(engine), digest=state.digest(engine), digest_version=state.VERSION,
                 check_seconds=round(time.perf_counter() - t0, 1), redigested_load=os.getloadavg())
        shared.write_text(json.dumps(r, ensure_ascii=False, indent=1))
        print("reference re-digested:", shared.read_text(), flush=True)
        engine.dispose()
        return False
    window = r["drain_seconds"] + (r["ingest_seconds"] if args.kind != "worker" else 0)
    ref = Reference(r["counts"], r["digest"], window)
    if log.reference is None:
        log.add({"reference": {**r, "window": window}})
    todo = list(enumerate(plan(args.kind, args.trials, args.seed, window), 1))[len(log.trials):]
    for n, (point, delay) in todo:
        # expected: the kill's moment (a targeted point: the whole run), a re-run, the checks
        kill_at = window if delay is None else delay
        rest = [t["seconds"] - (t["delay"] or 0) for t in log.trials if t["delay"] is not None]
        expect = kill_at + (max(rest) if rest else window + r.get("check_seconds", 0) + 30)
        if time.monotonic() - began + expect > args.budget * 60:
            print(f"budget: {args.budget} min spent or too little left for trial {n} (~{expect:.0f} s)", flush=True)
            engine.dispose()
            return False
        engine.dispose()
        extra = {}
        if args.kind == "worker":
            start.restore()
            extra["prepared"] = r["baseline"]
        else:
            start.empty(engine)
        if args.kind == "server":
            extra["port"] = free_port()
        t0 = time.perf_counter()
        load = os.getloadavg()
        out = getattr(runs, f"{args.kind}_trial")(engine, url, path, ref, work, point, delay, **extra)
        row = {"trial": n, **dataclasses.asdict(out), "ok": out.ok, "seconds": round(time.perf_counter() - t0, 1),
               "load": [round(x, 2) for x in load], "at": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())}
        log.add(row)
        print(json.dumps(row, ensure_ascii=False), flush=True)
    engine.dispose()
    return True


def markdown(log: Log) -> str:
    """The trials as docs/RELIABILITY.md shows them."""
    lines = ["| # | kill | at (s) | phase reached | batch after kill | outbox rows applied | re-run | "
             "state = uninterrupted | lost | duplicated | batches | child / recovery / checks (s) | load |",
             "|" + "---|" * 13]
    for t in log.trials:
        at = "–" if t["delay"] is None else f"{t['delay']:.2f}"
        killed = t["phase"] if t["killed"] else f"{t['phase']} (finished first)"
        times = t.get("times") or {}
        lines.append(f"| {t['trial']} | {t['point']} | {at} | {killed} | {t['batch']} | {t['hooks']} | "
                     f"{t['rerun']} | {'yes' if t['equal'] else 'NO'} | {t['lost']} | {t['duplicated']} | "
                     f"{t['batches']} | {times.get('child')} / {times.get('recovery')} / {times.get('checks')} | "
                     f"{t['load'][0]} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    ap.add_argument("--kind", choices=sorted(TARGETED), default="ingest")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--trials", type=int, default=10)
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--budget", type=float, default=11.0, help="minutes this chunk may take")
    ap.add_argument("--results", type=Path, help="JSON-lines results file (resumed if it exists)")
    ap.add_argument("--work", type=Path, help="kept between chunks: the penalty file, the PostgreSQL data")
    ap.add_argument("--markdown", action="store_true", help="print the results file's trials as a table and exit")
    args = ap.parse_args(argv)
    name = f"crash-{args.backend}-{args.kind}-{args.rows}"
    log = Log(args.results or RESULTS_DIR / f"{name}.jsonl")
    if args.markdown:
        print(markdown(log))
        return 0
    work = (args.work or RESULTS_DIR / f"crash-{args.backend}-{args.rows}-work").resolve()
    work.mkdir(parents=True, exist_ok=True)
    if args.backend == "postgresql":
        with pg_cluster(keep=work / "pg") as (url, _):
            print("PostgreSQL", pg_server_version(url), flush=True)
            done = run(url, args, work, log)
    else:
        done = run(f"sqlite:///{work / 'xinyong.db'}", args, work, log)
    if not done:
        return 3
    print(markdown(log))
    return 0 if all(t["ok"] for t in log.trials) else 1


if __name__ == "__main__":
    raise SystemExit(main())
