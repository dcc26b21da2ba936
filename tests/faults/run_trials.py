"""The full crash trials (issue 16 point 4; figures in docs/RELIABILITY.md "Crash trials"):
N trials of one kind on one backend, each killed with SIGKILL at a seeded random moment of the
uninterrupted run's duration (one draw in each of N equal slices) or at a targeted point.

    flock /work/bench.lock .venv/bin/python -m tests.faults.run_trials --backend postgresql \\
        --kind ingest --rows 1000000 --trials 10

Kinds: ingest (`xinyong ingest`; targeted: before_commit, after_commit), worker (`xinyong
worker --once` applying a committed batch's outbox; targeted: mid_outbox, second_hook), server
(`xinyong serve` mid-upload, re-sent under the same Idempotency-Key; targeted: after_commit).
Prints one line per trial and a Markdown table; saves JSON under bench/results/. Exit 1 if any
trial failed its checks (tests/faults/trials.py)."""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common import bench_env, human_table, machine_info, pg_cluster, pg_server_version, save_result  # noqa: E402
from tests.faults.trials import CHILD_ENV, random_delays  # noqa: E402

TARGETED = {"ingest": ["before_commit", "after_commit"], "worker": ["mid_outbox", "second_hook"],
            "server": ["after_commit"]}


def plan(kind: str, trials: int, seed: int, window: float) -> list[tuple[str, float | None]]:
    targeted = TARGETED[kind][:max(0, trials - 1)]
    n = trials - len(targeted)
    return [("random", d) for d in sorted(random_delays(seed, n, window))] + [(p, None) for p in targeted]


def run(url: str, kind: str, rows: int, trials: int, seed: int, work: Path, child_window: bool = True) -> dict:
    from tests.faults import runs, state
    from tests.faults.trials import penalty_file
    from tests.web.browser_support import free_port
    from xinyong.config import reset_settings
    from xinyong.db import make_engine
    from xinyong.migrate import upgrade
    os.environ.update(bench_env(**CHILD_ENV, XINYONG_DATABASE_URL=url))
    reset_settings()
    upgrade(url)
    engine = make_engine(url)
    path = penalty_file(rows, work / f"penalties-{rows}.csv")
    state.empty(engine)
    t0 = time.perf_counter()
    ref = getattr(runs, f"reference_{kind}")(engine, path)
    print(f"reference: {ref.seconds:.1f} s of work ({time.perf_counter() - t0:.1f} s with checks) {ref.counts}",
          flush=True)
    window = ref.seconds
    if kind == "ingest" and child_window:
        state.empty(engine)
        window = max(window, runs.child_seconds(engine, url, path, work))
        print(f"an uninterrupted child: {window:.1f} s from the start of its work to its exit", flush=True)
    outcomes = []
    for n, (point, delay) in enumerate(plan(kind, trials, seed, window), 1):
        state.empty(engine)
        t0 = time.perf_counter()
        extra = {"port": free_port()} if kind == "server" else {}
        out = getattr(runs, f"{kind}_trial")(engine, url, path, ref, work, point, delay, **extra)
        row = {"trial": n, **dataclasses.asdict(out), "ok": out.ok, "seconds": round(time.perf_counter() - t0, 1)}
        outcomes.append(row)
        print(json.dumps(row, ensure_ascii=False), flush=True)
    engine.dispose()
    return {"reference_seconds": round(ref.seconds, 2), "window_seconds": round(window, 2),
            "reference_counts": ref.counts, "trials": outcomes}


def table(result: dict) -> str:
    head = ["#", "kill", "at (s)", "killed", "batch after kill", "outbox rows applied", "state = uninterrupted",
            "lost", "duplicated", "batches after"]
    rows = [[str(t["trial"]), t["point"], "" if t["delay"] is None else f"{t['delay']:.2f}",
             "yes" if t["killed"] else "no (done)", t["batch"], t["hooks"], "yes" if t["equal"] else "NO",
             str(t["lost"]), str(t["duplicated"]), str(t["batches"])] for t in result["trials"]]
    return human_table(rows, head)


def markdown(result: dict) -> str:
    """The trials as docs/RELIABILITY.md shows them."""
    lines = ["| # | kill | at (s) | killed | batch after kill | outbox rows applied | state = uninterrupted | "
             "lost | duplicated | batches after | trial (s) |", "|" + "---|" * 11]
    for t in result["trials"]:
        at = "–" if t["delay"] is None else f"{t['delay']:.2f}"
        lines.append(f"| {t['trial']} | {t['point']} | {at} | {'yes' if t['killed'] else 'no (done)'} | "
                     f"{t['batch']} | {t['hooks']} | {'yes' if t['equal'] else 'NO'} | {t['lost']} | "
                     f"{t['duplicated']} | {t['batches']} | {t['seconds']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    ap.add_argument("--kind", choices=sorted(TARGETED), default="ingest")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--trials", type=int, default=10)
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--reference-window", action="store_true",
                    help="draw random kills over the in-process reference's time only (not an uninterrupted child's)")
    ap.add_argument("--markdown-from", type=Path, help="print a saved run's trials as a Markdown table and exit")
    args = ap.parse_args(argv)
    if args.markdown_from:
        print(markdown(json.loads(args.markdown_from.read_text())))
        return 0
    with tempfile.TemporaryDirectory(prefix="xinyong-crash-") as tmp:
        work = Path(tmp)
        if args.backend == "postgresql":
            with pg_cluster() as (url, _):
                machine = machine_info(pg_server_version(url))
                result = run(url, args.kind, args.rows, args.trials, args.seed, work,
                             not args.reference_window)
        else:
            machine = machine_info()
            result = run(f"sqlite:///{work / 'xinyong.db'}", args.kind, args.rows, args.trials, args.seed, work,
                         not args.reference_window)
    result.update(args=vars(args), machine=machine)
    print(table(result))
    print("saved", save_result(f"crash-{args.backend}-{args.kind}-{args.rows}", result))
    return 0 if all(t["ok"] for t in result["trials"]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
