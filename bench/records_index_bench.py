"""What each index of `records` costs the bulk load, and what it saves the query that uses
it (issue 14 point 3), in one run on one PostgreSQL cluster:

    .venv/bin/python bench/records_index_bench.py --rows 200000

1. the platform ingests the generated penalty file once; its records are exported (CSV);
2. raw baseline: COPY of the penalty file into a bare 25-column text table;
3. the exported records COPY'd into an empty `records` with all its indexes, then without
   each secondary index in turn, with the batch index as BRIN, and with the primary key only
   (server CPU seconds of the COPY, read from /proc, median of --repeat; the raw COPY too);
4. each index's read query timed with the index and without it (dropped in a transaction
   that is rolled back), median of 7 executions after a warm-up.
Prints a table; saves JSON under bench/results/."""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402
from bench.common import SOURCE_AGENCY_USCC, dbapi_url, human_table, machine_info  # noqa: E402
from bench.ingest_bench import PG_SETTINGS, RAW_TABLE, _prepare_platform_db, _raw_ddl  # noqa: E402

SECONDARY = ("uq_records_source_decision", "ix_records_subject_date", "ix_records_batch", "ix_records_item_date")
QUERIES = {
    "ix_records_subject_date": "SELECT id FROM records WHERE subject_id = %(subject)s "
                               "ORDER BY decision_date DESC, id DESC LIMIT 20",
    "ix_records_item_date": "SELECT id FROM records WHERE item_code = 'penalty' ORDER BY decision_date DESC, id DESC "
                            "LIMIT 20",
    "ix_records_batch": "SELECT row_no, id, version FROM records WHERE batch_id = %(batch)s",
    "uq_records_source_decision": "SELECT decision_no, id FROM records WHERE source_agency_id = %(agency)s "
                                  "AND item_code = 'penalty' AND decision_no = ANY(%(nos)s)",
}


def _ingest(url: str, path: Path) -> None:
    import os
    os.environ["XINYONG_DATABASE_URL"] = url
    from xinyong.db import make_engine, session_scope
    from xinyong.ingest.service import ingest_file
    engine = make_engine(url)
    with session_scope(engine) as session:
        ingest_file(session, data=path.read_bytes(), filename=path.name, source_uscc=SOURCE_AGENCY_USCC,
                    item_code="penalty")
    engine.dispose()


def _index_defs(conn) -> dict[str, str]:
    rows = conn.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'records'").fetchall()
    return {n: d for n, d in rows}


def _copy_seconds(conn, cols: str, csv: Path) -> float:
    """Server CPU seconds of the COPY (its backend, from /proc: holds still under other load)."""
    from bench.ingest_bench import _proc_cpu
    backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
    conn.execute("TRUNCATE records")
    conn.commit()
    cpu0 = _proc_cpu(backend)
    with conn.cursor() as cur, cur.copy(f"COPY records ({cols}) FROM STDIN (FORMAT csv)") as copy, open(csv, "rb") as fh:
        while chunk := fh.read(1 << 20):
            copy.write(chunk)
    conn.commit()
    return _proc_cpu(backend) - cpu0


def _load_variants(conn, cols: str, csv: Path, repeat: int, log) -> dict:
    defs = _index_defs(conn)
    out = {}
    variants = [("all indexes", ())] + [(f"without {n}", (n,)) for n in SECONDARY] + [
        ("ix_records_batch as BRIN", ("ix_records_batch",)), ("primary key only", SECONDARY)]
    for label, dropped in variants:
        if "BRIN" in label:
            conn.execute("CREATE INDEX ix_records_batch_brin ON records USING brin (batch_id)")
        for name in dropped:
            if name.startswith("uq_"):
                conn.execute(f"ALTER TABLE records DROP CONSTRAINT {name}")
            else:
                conn.execute(f"DROP INDEX {name}")
        conn.commit()
        runs = [_copy_seconds(conn, cols, csv) for _ in range(repeat)]
        out[label] = {"runs": [round(r, 2) for r in runs], "median": round(statistics.median(runs), 2)}
        log(f"  COPY records, {label}: server CPU s {out[label]}")
        if "BRIN" in label:
            conn.execute("DROP INDEX ix_records_batch_brin")
        for name in dropped:
            if name.startswith("uq_"):
                conn.execute(f"ALTER TABLE records ADD CONSTRAINT {name} UNIQUE "
                             f"(source_agency_id, item_code, decision_no)")
            else:
                conn.execute(defs[name])
        conn.commit()
    return out


def _time_query(conn, sql: str, params: dict, n: int = 7) -> float:
    conn.execute(sql, params).fetchall()
    runs = []
    for _ in range(n):
        t0 = time.perf_counter()
        conn.execute(sql, params).fetchall()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs) * 1000


def _queries(conn, log) -> dict:
    conn.execute("ANALYZE records")
    conn.commit()
    subject = conn.execute("SELECT subject_id FROM records GROUP BY 1 ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
    # a daily batch among the history: 10,000 records moved to a batch of their own
    conn.execute("UPDATE records SET batch_id = 999999 WHERE id IN (SELECT id FROM records ORDER BY id DESC LIMIT 10000)")
    agency, = conn.execute("SELECT source_agency_id FROM records LIMIT 1").fetchone()
    nos = [r[0] for r in conn.execute("SELECT decision_no FROM records ORDER BY random() LIMIT 10000").fetchall()]
    conn.execute("ANALYZE records")
    conn.commit()
    params = {"subject": subject, "batch": 999999, "agency": agency, "nos": nos}
    out = {}
    for name, sql in QUERIES.items():
        with_ms = _time_query(conn, sql, params)
        if name.startswith("uq_"):
            conn.execute(f"ALTER TABLE records DROP CONSTRAINT {name}")
        else:
            conn.execute(f"DROP INDEX {name}")
        without_ms = _time_query(conn, sql, params, n=3)
        conn.rollback()
        out[name] = {"with_ms": round(with_ms, 2), "without_ms": round(without_ms, 2)}
        log(f"  query for {name}: {out[name]}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    common.cleanup_on_sigterm()
    import os
    os.environ["XINYONG_SECRET_KEY"] = common.BENCH_SECRET

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    from bench.gen_penalties import ensure
    path = ensure(args.rows, 0.0)
    import psycopg

    from xinyong.ingest.repository import RECORD_COLUMN_NAMES
    cols = ", ".join(RECORD_COLUMN_NAMES)
    with common.pg_cluster(settings=PG_SETTINGS, dbname="bench") as (cluster, _):
        machine = machine_info(common.pg_server_version(cluster))
        raw_url = common.create_database(cluster, "bench_raw")
        with psycopg.connect(dbapi_url(raw_url), autocommit=True) as conn:
            conn.execute(_raw_ddl(False))
            from bench.ingest_bench import _proc_cpu
            backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
            t0 = _proc_cpu(backend)
            with conn.cursor() as cur, cur.copy(f"COPY {RAW_TABLE} FROM STDIN (FORMAT csv, HEADER true)") as copy, \
                    open(path, "rb") as fh:
                while chunk := fh.read(1 << 20):
                    copy.write(chunk)
            raw = _proc_cpu(backend) - t0
        log(f"  raw COPY of the file: server CPU {raw:.2f}s")
        url = common.create_database(cluster, "bench_idx")
        _prepare_platform_db(url)
        _ingest(url, path)
        csv = common.DATA_DIR / "records-index-bench.csv"
        with psycopg.connect(dbapi_url(url)) as conn:
            with conn.cursor() as cur, open(csv, "wb") as fh, \
                    cur.copy(f"COPY (SELECT {cols} FROM records ORDER BY id) TO STDOUT (FORMAT csv)") as copy:
                for data in copy:
                    fh.write(data)
            conn.commit()
            loads = _load_variants(conn, cols, csv, args.repeat, log)
            queries = _queries(conn, log)
        csv.unlink(missing_ok=True)
    result = {"bench": "records_index", "rows": args.rows, "machine": machine, "raw_copy_s": round(raw, 2),
              "copy_records": loads, "queries": queries}
    saved = common.save_result(f"records-index-{args.rows}", result)
    print(json.dumps(result, ensure_ascii=False))
    full = loads["all indexes"]["median"]
    rows = [[label, f"{v['median']:.2f}", f"{full - v['median']:+.2f}", f"{raw / v['median']:.2f}"]
            for label, v in loads.items()]
    print(human_table(rows, ["COPY records", "server CPU s", "saved vs all", "raw COPY / this"]), file=sys.stderr)
    print(human_table([[n, f"{q['with_ms']:.2f}", f"{q['without_ms']:.2f}"] for n, q in queries.items()],
                      ["index", "query ms with", "query ms without"]), file=sys.stderr)
    print(f"saved {saved}", file=sys.stderr)


if __name__ == "__main__":
    main()
