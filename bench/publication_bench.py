"""Cost of making every record of a batch a provable publication (issue 12): N records of one
batch are bulk-loaded (not through ingestion: the other phases are ingest_bench's), then in
the same run:

- `publications.record_batch`: one streamed read of the batch's records, every leaf hashed in
  one pass, the leaves bulk-loaded, the sub-tree root: seconds, and per record;
- the same read alone (the floor without hashing and writing);
- `publications.record_proof` for a record of that batch (path in the batch sub-tree; the
  batch entry is pending here): p50/p99 over a few samples.

    python bench/publication_bench.py --rows 1000000 --backend sqlite
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import BENCH_SECRET, machine_info, percentile, pg_cluster, save_result  # noqa: E402

BATCH = 1


def load_records(engine, n: int) -> float:
    import polars as pl

    from xinyong.db import session_scope
    from xinyong.ingest.repository import RECORD_COLUMN_NAMES
    from xinyong.kit import bulk
    t0 = time.perf_counter()
    day, now = dt.date(2026, 5, 1), dt.datetime(2026, 5, 1, tzinfo=dt.timezone.utc)
    for start in range(0, n, 200_000):
        k = min(200_000, n - start)
        ids = range(start, start + k)
        frame = pl.DataFrame({
            "subject_id": [i % 50_000 + 1 for i in ids], "item_code": ["penalty"] * k, "source_agency_id": [1] * k,
            "decision_no": [f"泉市监罚〔2026〕{i}号" for i in ids], "decision_date": [day] * k,
            "valid_to": [None] * k, "severity": ["general"] * k, "severity_basis": ["bench"] * k,
            "disclosure": ["public"] * k, "publicity_published": [True] * k, "publicity_start": [day] * k,
            "publicity_end": [dt.date(2029, 5, 1)] * k, "publicity_min_end": [None] * k,
            "publicity_citation": ["QZ art. 20"] * k,
            "fields": [json.dumps({"违法行为": f"行为{i}", "处罚内容": "罚款", "金额": str(i % 9000)},
                                  ensure_ascii=False) for i in ids],
            "status": ["active"] * k, "version": [1] * k, "batch_id": [BATCH] * k, "row_no": [i + 2 for i in ids],
            "received_at": [now] * k, "updated_at": [now] * k},
            schema_overrides={"valid_to": pl.Date, "publicity_min_end": pl.Date})
        with session_scope(engine) as session:
            bulk.load_frame(session, "records", frame.select(RECORD_COLUMN_NAMES))
    return time.perf_counter() - t0


def run(url: str, args) -> dict:
    os.environ["XINYONG_DATABASE_URL"] = url
    from xinyong.config import reset_settings
    from xinyong.db import make_engine, session_scope
    from xinyong.migrate import upgrade
    from xinyong.transparency import publications, repository
    reset_settings()
    upgrade(url)
    engine = make_engine(url)
    load_s = load_records(engine, args.rows)
    with session_scope(engine) as session:
        t0 = time.perf_counter()
        read = sum(1 for _ in repository.batch_records(session, BATCH))
        read_s = time.perf_counter() - t0
    with session_scope(engine) as session:
        t0 = time.perf_counter()
        made = publications.record_batch(session, BATCH)
        publish_s = time.perf_counter() - t0
    samples = []
    with session_scope(engine) as session:
        for _ in range(args.samples):
            record_id = random.randrange(1, args.rows + 1)
            t0 = time.perf_counter()
            proof = publications.record_proof(session, record_id)
            samples.append(time.perf_counter() - t0)
            assert proof["publication"]["batch_size"] == args.rows
    s = sorted(samples)
    return {"rows": args.rows, "load_records_s": round(load_s, 1), "read_only_s": round(read_s, 2), "read_rows": read,
            "record_batch_s": round(publish_s, 2), "per_record_us": round(publish_s / args.rows * 1e6, 2),
            "records_root": made["records_root"], "load_avg": list(os.getloadavg()),
            "record_proof_ms": {"p50": round(percentile(s, 50) * 1000, 1), "p99": round(percentile(s, 99) * 1000, 1)}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()
    os.environ.setdefault("XINYONG_SECRET_KEY", BENCH_SECRET)
    os.environ["XINYONG_DEV"] = "1"
    random.seed(12)
    if args.backend == "sqlite":
        folder = tempfile.mkdtemp(prefix="xinyong-bench-")
        result = run(f"sqlite:///{folder}/bench.db", args)
        shutil.rmtree(folder, ignore_errors=True)
    else:
        with pg_cluster(settings={"shared_buffers": "1GB"}) as (url, _):
            result = run(url, args)
    payload = {"backend": args.backend, "machine": machine_info(), **result}
    print(json.dumps(payload, indent=1))
    print("saved", save_result("publications", payload))


if __name__ == "__main__":
    main()
