"""Per-statement wall time of the incremental evaluation hook in the 1M- and 10M-record cities
(the evaluation bench's kept cities), to see which statement grows with the city.

    flock /work/bench.lock .venv/bin/python bench/eval_probe.py --touched 5000 --repeat 3
    flock /work/bench.lock .venv/bin/python bench/eval_probe.py --touched 5000 --repeat 1 --explain

--explain: each statement of the measured runs is also logged by auto_explain (ANALYZE,
BUFFERS, no per-node timing) into the kept cluster's server log; the probe prints, per
statement and per touched subject, shared buffers hit / read and temp blocks, and the plans
of the last run to bench/results/eval_probe-<city>-<n>.plans.txt.
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
    """The statement's verb and table; an INSERT … SELECT also names the table it reads first
    (the three contribution statements read records, list entries, commitments)."""
    s = " ".join(sql.split())
    m = re.match(r"(INSERT INTO \w+|DELETE FROM \w+|UPDATE \w+|SELECT [^ ]+ FROM \w+|\w+ \w+)", s)
    label = m.group(1) if m else s[:40]
    if label.startswith("INSERT INTO evaluation_"):
        src = re.search(r" FROM (records|list_entries|commitments|subjects)\b", s)
        label += f" <- {src.group(1)}" if src else ""
    return label[:60]


_BUF = re.compile(r"Buffers: shared( hit=(\d+))?( read=(\d+))?( dirtied=(\d+))?( written=(\d+))?"
                  r"(, temp read=(\d+) written=(\d+))?")


def _parse_log(path: Path, offset: int) -> list[tuple[str, dict]]:
    """auto_explain entries logged from `offset` on: (label, buffers of the top node)."""
    with open(path, encoding="utf-8", errors="replace") as f:
        f.seek(offset)
        chunk = f.read()
    out = []
    for entry in re.split(r"\n(?=\S.*LOG:  duration: )", chunk):
        if "Query Text:" not in entry:
            continue
        query = entry.split("Query Text:", 1)[1].split("\n", 1)[0]
        b = {"hit": 0, "read": 0, "dirtied": 0, "written": 0, "temp": 0, "text": entry}
        m = _BUF.search(entry)
        if m:
            b.update(hit=int(m.group(2) or 0), read=int(m.group(4) or 0), dirtied=int(m.group(6) or 0),
                     written=int(m.group(8) or 0), temp=int(m.group(10) or 0) + int(m.group(11) or 0))
        out.append((_label(query), b))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--touched", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--explain", action="store_true")
    args = ap.parse_args()
    os.environ["XINYONG_SECRET_KEY"] = common.BENCH_SECRET
    from xinyong.evaluation import hooks
    out = {}
    buffers: dict[str, dict] = {}
    with common.pg_cluster(settings=PG_SETTINGS, keep=DATA_DIR / "pg", dbname="city_1m") as (cluster, _):
        for key in ("1m", "10m"):
            url, city = open_city(cluster, key)
            engine = create_engine(url)
            if args.explain:
                @event.listens_for(engine, "connect")
                def connect(dbapi_conn, _record):
                    with dbapi_conn.cursor() as cur:
                        cur.execute("LOAD 'auto_explain'")
                        for k, v in (("log_min_duration", "0"), ("log_analyze", "on"), ("log_buffers", "on"),
                                     ("log_timing", "off"), ("log_nested_statements", "on")):
                            cur.execute(f"SET auto_explain.{k} = {v}")
                    dbapi_conn.commit()
            times: dict[str, float] = collections.defaultdict(float)
            per_run: list[dict[str, float]] = []
            started: dict = {}

            @event.listens_for(engine, "before_cursor_execute")
            def before(conn, cursor, statement, params, context, executemany):
                started[id(cursor)] = time.perf_counter()

            @event.listens_for(engine, "after_cursor_execute")
            def after(conn, cursor, statement, params, context, executemany):
                times[_label(statement)] += time.perf_counter() - started.pop(id(cursor), time.perf_counter())

            print(f"city {key}: full recompute", full_recompute(engine)["seconds"], flush=True)
            times.clear()
            totals = []
            log_path = DATA_DIR / "pg" / "server.log"
            explained: dict[str, list[dict]] = collections.defaultdict(list)
            for i in range(args.repeat + 1):
                log_from = log_path.stat().st_size
                batch_id, touched = make_batch(url, args.touched, seed=7000 + i)
                try:
                    with Session(engine) as s:
                        t = time.perf_counter()
                        hooks.on_batch_ingested(s, batch_id)
                        s.commit()
                        totals.append((time.perf_counter() - t) / touched * 1000)
                finally:
                    drop_batch(url, batch_id)
                if i > 0:
                    per_run.append(dict(times))
                times.clear()   # the first run is a warm-up
                if i > 0 and args.explain:
                    plans = _parse_log(log_path, log_from)
                    for label, b in plans:
                        explained[label].append(b)
                    (DATA_DIR.parent / "results").mkdir(exist_ok=True)
                    (DATA_DIR.parent / "results" / f"eval_probe-{key}-{args.touched}.plans.txt").write_text(
                        "\n\n".join(b["text"] for _, b in plans))
            labels = {k for r in per_run for k in r}
            out[key] = {k: statistics.median(r.get(k, 0.0) for r in per_run) * 1e6 / args.touched for k in labels}
            out[key]["TOTAL ms/subject x1000"] = statistics.median(totals[1:]) * 1000
            if args.explain:
                for label, bs in explained.items():
                    per = {f: statistics.median(b[f] for b in bs) / args.touched
                           for f in ("hit", "read", "dirtied", "written", "temp")}
                    buffers.setdefault(label, {})[key] = per
            engine.dispose()
            with psycopg.connect(dbapi_url(url), autocommit=True) as conn:
                for t in ("evaluation_contributions", "evaluation_results", "evaluation_runs"):
                    conn.execute(f"DELETE FROM {t}")
    keys = sorted(set(out["1m"]) | set(out["10m"]))
    print(f"{'statement':60s} {'1m µs/subj':>12s} {'10m µs/subj':>12s}")
    for k in keys:
        print(f"{k:60s} {out['1m'].get(k, 0):12.2f} {out['10m'].get(k, 0):12.2f}")
    if buffers:
        print(f"\n{'statement (shared buffers per touched subject)':60s} {'1m hit/read/temp':>22s} "
              f"{'10m hit/read/temp':>22s}")
        for k in sorted(buffers):
            cells = [buffers[k].get(c) for c in ("1m", "10m")]
            print(f"{k:60s} " + " ".join(f"{c['hit']:8.2f}/{c['read']:6.2f}/{c['temp']:5.2f}" if c else " " * 22
                                         for c in cells))
    print("load", os.getloadavg())


if __name__ == "__main__":
    main()
