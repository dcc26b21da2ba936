"""Load held through a failover (issue 16, "Done when"; docs/RELIABILITY.md, "Load held").

The whole set-up of `scripts/cluster.sh --replicaset` — a durable primary and its synchronous
standby with the demo city, two `xinyong serve` nodes behind nginx and a worker — under the load
of xinyong.devtools.loadgen (anonymous profile reads and an agency's 5-row JSON batches, each
writer resending with the same Idempotency-Key until acknowledged). At --kill-at seconds the
primary is killed (kill -9 of all its processes), --promote-after seconds later the standby is
promoted (an operator's reaction), and the load goes on to --seconds. Then: requests/s before,
during and after, answers by status, the outage window, and every acknowledged batch looked up
on the promoted server (present once, whole). The standby is rebuilt at the end.

    flock /work/bench.lock .venv/bin/python bench/failover_bench.py --seconds 120 --kill-at 40

`--dir DIR` uses (and keeps) the replica set there, e.g. var/replicaset after
`scripts/cluster.sh --replicaset` made it; by default a fresh one in a temporary directory,
deleted at the end. Limits are raised so that the load measures failover, not rate limiting
(all clients come through nginx from one address); `--anon-limit 0` turns the anonymous one off.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import human_table, machine_info, save_result  # noqa: E402
from xinyong.devtools import loadgen  # noqa: E402
from xinyong.devtools.stack import running_stack  # noqa: E402


def _loads() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def run(args) -> dict:
    base = Path(args.dir).resolve() if args.dir else Path(tempfile.mkdtemp(prefix="xinyong-failover-")) / "rs"
    env = {**os.environ, "XINYONG_RATE_ANON_PER_MINUTE": str(args.anon_limit), "XINYONG_RATE_USER_PER_MINUTE": "1000000"}
    loads = {"start": _loads()}
    try:
        with running_stack(base, nodes=args.nodes, subjects=args.subjects, env=env) as (rs, cluster):
            agency, ids = loadgen.prepare(rs.url)
            load = loadgen.Load(cluster.url, agency, ids, args.readers, args.writers, args.rows,
                                prefix=f"bench{int(time.time())}").start()
            time.sleep(args.kill_at)
            loads["before_kill"] = _loads()
            load.mark("kill")
            killed = rs.kill_primary()
            time.sleep(args.promote_after)
            promote_took = rs.promote()
            load.mark("promoted")
            time.sleep(max(0.0, args.seconds - args.kill_at - args.promote_after))
            load.stop()
            loads["end"] = _loads()
            alive = {name: proc.poll() is None for name, proc in cluster.processes.items()}
            result = {"machine": machine_info(), "loadavg": loads, "args": vars(args),
                      "killed_processes": killed, "pg_ctl_promote_seconds": round(promote_took, 2),
                      "processes_alive_at_end": alive, "summary": loadgen.summary(load),
                      "timeline": loadgen.timeline(load), "writes": loadgen.check_writes(rs.url, load)}
            rs.rebuild_standby()
            result["standby_rebuilt"] = rs.healthy()
            return result
    finally:
        if not args.dir:
            from xinyong.devtools.replicaset import ReplicaSet
            if (base / "replicaset.json").exists():
                ReplicaSet.load(base).destroy()
            shutil.rmtree(base.parent, ignore_errors=True)


def markdown(result: dict) -> str:
    s, w = result["summary"], result["writes"]
    rows = [[name, f"{p['seconds']}", f"{p['read_ok_per_s']}", f"{p['write_ok_per_s']}",
             ", ".join(f"{k}: {v}" for k, v in p["errors"].items()) or "none"]
            for name, p in s["phases"].items()]
    table = human_table(rows, ["phase", "s", "reads ok/s", "batches ok/s", "5xx / no answer"])
    return (f"{table}\n\nreads by status {s['read_statuses']}, writes by status {s['write_statuses']}; "
            f"503 without Retry-After: {s['read_5xx_without_retry_after'] + s['write_5xx_without_retry_after']}\n"
            f"outage (kill to served again): reads {s['outage_seconds']['read']} s, writes {s['outage_seconds']['write']} s; "
            f"kill to promoted {s['kill_to_promoted_seconds']} s (pg_ctl promote {result['pg_ctl_promote_seconds']} s), "
            f"promoted to first write {s['promoted_to_first_write_seconds']} s\n"
            f"batches acknowledged {w['acknowledged']}, found {w['found']}, missing {len(w['missing'])}, "
            f"stored twice {len(w['stored_twice'])}, not whole {len(w['not_whole'])}, decision numbers twice "
            f"{len(w['decision_numbers_twice'])}; resent {s['resent_batches']} (answered as replays "
            f"{s['replayed_answers']}); stored but never acknowledged {len(w['stored_but_never_acknowledged'])}\n"
            f"processes alive at the end {result['processes_alive_at_end']}; load average {result['loadavg']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--kill-at", type=float, default=40)
    parser.add_argument("--promote-after", type=float, default=5)
    parser.add_argument("--readers", type=int, default=6)
    parser.add_argument("--writers", type=int, default=2)
    parser.add_argument("--rows", type=int, default=5)
    parser.add_argument("--nodes", type=int, default=2)
    parser.add_argument("--subjects", type=int, default=100, help="the demo city's enterprises (a new set only)")
    parser.add_argument("--anon-limit", type=int, default=1_000_000,
                        help="XINYONG_RATE_ANON_PER_MINUTE of the nodes: high, so every read takes from the bucket "
                             "in the primary as in production without refusing; 0 = no limit (reads need no primary)")
    parser.add_argument("--dir", default="", help="a replica set to use and keep (default: a fresh one)")
    args = parser.parse_args(argv)
    result = run(args)
    path = save_result("failover", result)
    print(markdown(result))
    print(f"saved {path}")
    return 1 if loadgen.data_lost(result["writes"]) or "500" in result["summary"]["read_statuses"] \
        or "500" in result["summary"]["write_statuses"] else 0


if __name__ == "__main__":
    sys.exit(main())
