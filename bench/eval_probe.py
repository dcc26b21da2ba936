"""Per-statement wall time of the incremental evaluation hook in the 1M- and 10M-record cities
(the evaluation bench's kept cities), to see which statement grows with the city.

    flock /work/bench.lock .venv/bin/python bench/eval_probe.py --touched 5000 --repeat 3
"""
from __future__ import annotations

import argparse
import collections
import os
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
from sqlalchemy import create_engine, event, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench import common  # noqa: E402
from bench.common import DATA_DIR, dbapi_url  # noqa: E402
from bench.evaluation_bench import PG_SETTINGS, drop_batch, full_recompute, make_batch, open_city  # noqa: E402


def _label(sql: str) -> str:
    s = " ".join(sql.split())
    m = re.match(r"(INSERT INTO \w+|DELETE FROM \w+|UPDATE \w+|SELECT [^ ]+ FROM \w+|\w+ \w+)", s)
    return (m.group(1) if m else s[:40])[:60]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--touched", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--explain", action="store_true")
    args = ap.parse_args()
    os.environ["XINYONG_SECRET_KEY"] = common.BENCH_SECRET
    from xinyong.evaluation import hooks
    out = {}
    with common.pg_cluster(settings=PG_SETTINGS, keep=DATA_DIR / "pg", dbname="city_1m") as (cluster, _):
        for key in ("1m", "10m"):
            url, city = open_city(cluster, key)
            engine = create_engine(url)
            times: dict[str, list[float]] = collections.defaultdict(list)
            started: dict = {}

            @event.listens_for(engine, "before_cursor_execute")
            def before(conn, cursor, statement, params, context, executemany):
                started[id(cursor)] = time.perf_counter()

            @event.listens_for(engine, "after_cursor_execute")
            def after(conn, cursor, statement, params, context, executemany):
                times[_label(statement)].append(time.perf_counter() - started.pop(id(cursor), time.perf_counter()))

            print(f"city {key}: full recompute", full_recompute(engine)["seconds"], flush=True)
            times.clear()
            totals = []
            for i in range(args.repeat + 1):
                batch_id, touched = make_batch(url, args.touched, seed=7000 + i)
                try:
                    with Session(engine) as s:
                        t = time.perf_counter()
                        hooks.on_batch_ingested(s, batch_id)
                        s.commit()
                        totals.append((time.perf_counter() - t) / touched * 1000)
                finally:
                    drop_batch(url, batch_id)
                if i == 0:
                    times.clear()   # warm-up
            out[key] = {k: statistics.median(v) * 1000 / args.touched * 1000 for k, v in times.items()}
            out[key]["TOTAL ms/subject x1000"] = statistics.median(totals[1:]) * 1000
            engine.dispose()
            with psycopg.connect(dbapi_url(url), autocommit=True) as conn:
                for t in ("evaluation_contributions", "evaluation_results", "evaluation_runs"):
                    conn.execute(f"DELETE FROM {t}")
    keys = sorted(set(out["1m"]) | set(out["10m"]))
    print(f"{'statement':60s} {'1m µs/subj':>12s} {'10m µs/subj':>12s}")
    for k in keys:
        print(f"{k:60s} {out['1m'].get(k, 0):12.2f} {out['10m'].get(k, 0):12.2f}")
    print("load", os.getloadavg())


if __name__ == "__main__":
    main()
