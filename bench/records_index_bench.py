"""What each index of `records` costs the bulk load, and what it saves the query that uses
it (issue 14 point 3), in one run on one PostgreSQL cluster:

    .venv/bin/python bench/records_index_bench.py --rows 200000

1. the platform ingests the generated penalty file once; its records are exported (CSV);
2. raw baseline: COPY of the penalty file into a bare 25-column text table, once in every round
   of step 3;
3. the exported records (their fields as the ingest writes them: compact JSON, sorted keys)
   COPY'd into an empty `records` with all its indexes, then without each secondary index in
   turn, with the batch index as BRIN, with the primary key only, as before migration 0026
   (ix_records_evaluation beside a key-only ix_records_subject_date), and with `fields` stored as
   `json` instead of `jsonb` (server CPU seconds of the COPY, read from /proc, median of
   --repeat rounds, each round loading every variant once; the raw COPY of the file in the same
   run is the baseline);
4. each index's read query timed with the index and without it (dropped in a transaction
   that is rolled back), median of 7 executions after a warm-up; the evaluation's per-subject
   read (index only, as the incremental recompute plans it) with today's indexes and as before
   0026.
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


def _canonical_fields(csv: Path, columns: list[str]) -> None:
    """The exported `fields` (jsonb's text: spaced, keys by length) rewritten as the ingest
    writes them (compact, keys sorted: xinyong.ingest.rules._fields_json)."""
    import polars as pl
    frame = pl.read_csv(csv, has_header=False, infer_schema=False, new_columns=columns)
    frame = frame.with_columns(pl.col("fields").map_elements(
        lambda t: json.dumps(json.loads(t), ensure_ascii=False, separators=(",", ":"), sort_keys=True),
        return_dtype=pl.String))
    frame.write_csv(csv, include_header=False, null_value="")


def _index_defs(conn) -> dict[str, str]:
    rows = conn.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'records'").fetchall()
    return {n: d for n, d in rows}


def _copy_seconds(conn, cols: str, csv: Path, table: str = "records") -> float:
    """Server CPU seconds of the COPY (its backend, from /proc: holds still under other load).
    Without `cols`: the raw file (with its header) into all columns of `table`."""
    from bench.ingest_bench import _proc_cpu
    backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
    conn.execute(f"TRUNCATE {table}")
    conn.commit()
    target = f"{table} ({cols})" if cols else table
    cpu0 = _proc_cpu(backend)
    with conn.cursor() as cur, cur.copy(f"COPY {target} FROM STDIN (FORMAT csv{'' if cols else ', HEADER true'})") \
            as copy, open(csv, "rb") as fh:
        while chunk := fh.read(1 << 20):
            copy.write(chunk)
    conn.commit()
    return _proc_cpu(backend) - cpu0


# the two indexes led by subject_id before migration 0026 (issue 14 point 3), which merged them
BEFORE_0026 = ("CREATE INDEX ix_records_subject_date ON records (subject_id, decision_date, id)",
               "CREATE INDEX ix_records_evaluation ON records (subject_id) INCLUDE (item_code, decision_date, "
               "severity, status, under_objection) WHERE under_objection IS NOT NULL")
# fields as `json` (its text kept as sent) instead of `jsonb` (parsed and re-encoded on the way in)
AS_JSON = ("ALTER TABLE records ALTER fields TYPE json",)


def _as_before_0026(conn) -> None:
    conn.execute("DROP INDEX ix_records_subject_date")
    for sql in BEFORE_0026:
        conn.execute(sql)


def _load_variants(conn, cols: str, csv: Path, repeat: int, log, raw_file: Path) -> dict:
    """Round-robin: each round loads the raw file (the baseline, into RAW_TABLE) and every
    variant once, so drift in the machine's load spreads over all of them. A variant's indexes
    and types are changed while the table is empty (instant) and put back after, emptied again;
    a last load leaves the records, with every index, for the queries."""
    defs = _index_defs(conn)
    variants = [("all indexes", (), ())] + [(f"without {n}", (n,), ()) for n in SECONDARY] + [
        ("ix_records_batch as BRIN", ("ix_records_batch",),
         ("CREATE INDEX ix_records_batch_brin ON records USING brin (batch_id)",)),
        ("primary key only", SECONDARY, ()),
        ("as before 0026 (+ ix_records_evaluation)", ("ix_records_subject_date",), BEFORE_0026),
        ("fields as json", (), AS_JSON)]
    runs: dict[str, list[float]] = {"raw COPY of the file": [], **{label: [] for label, _, _ in variants}}
    for round_no in range(repeat):
        runs["raw COPY of the file"].append(_copy_seconds(conn, "", raw_file, table=RAW_TABLE))
        for label, dropped, added in variants:
            conn.execute("TRUNCATE records")
            for name in dropped:
                if name.startswith("uq_"):
                    conn.execute(f"ALTER TABLE records DROP CONSTRAINT {name}")
                else:
                    conn.execute(f"DROP INDEX {name}")
            for sql in added:
                conn.execute(sql)
            conn.commit()
            runs[label].append(_copy_seconds(conn, cols, csv))
            conn.execute("TRUNCATE records")
            if added is AS_JSON:
                conn.execute("ALTER TABLE records ALTER fields TYPE jsonb USING fields::jsonb")
            for sql in added:
                if sql.startswith("CREATE INDEX"):
                    conn.execute(f"DROP INDEX {sql.split()[2]}")
            for name in dropped:
                if name.startswith("uq_"):
                    conn.execute(f"ALTER TABLE records ADD CONSTRAINT {name} UNIQUE "
                                 f"(source_agency_id, item_code, decision_no)")
                else:
                    conn.execute(defs[name])
            conn.commit()
        log(f"  round {round_no + 1}: " + ", ".join(f"{label} {r[-1]:.2f}" for label, r in runs.items()))
    _copy_seconds(conn, cols, csv)    # the records for the queries, with every index
    return {label: {"runs": [round(r, 2) for r in rs], "median": round(statistics.median(rs), 2)}
            for label, rs in runs.items()}


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
    out.update(_evaluation_reads(conn, log))
    return out


# the evaluation's reads of records (xinyong.evaluation.repository: the columns the contributions
# statement reads): an incremental recompute's, per subject in an aggregating lateral subquery under
# the per-subject plan settings (xinyong.evaluation.scope), and a full recompute's, over a subject
# range, planned freely
EVALUATION_FILTER = ("r.item_code IN ('penalty') AND r.under_objection IS NOT NULL AND r.status <> 'repaired' "
                     "AND r.decision_date >= DATE '2000-01-01' AND r.severity IS NOT NULL")
EVALUATION_READS = {
    "evaluation read, 2,000 subjects": (
        "SELECT sum(x.n), sum(x.flagged) FROM unnest(CAST(%(subjects)s AS bigint[])) k(id) CROSS JOIN LATERAL ("
        "SELECT count(*) AS n, sum(CASE WHEN r.under_objection THEN 1 ELSE 0 END) AS flagged FROM records r "
        f"WHERE r.subject_id = k.id AND {EVALUATION_FILTER}) x"),
    "evaluation read, all subjects": (
        "SELECT count(*) FROM (SELECT r.subject_id, r.severity, count(*) FROM records r WHERE r.subject_id BETWEEN "
        f"0 AND %(hi)s AND {EVALUATION_FILTER} GROUP BY r.subject_id, r.severity) g"),
}


def _evaluation_reads(conn, log) -> dict:
    """The evaluation's reads with today's indexes (with_ms) and as before 0026 (without_ms),
    the table vacuumed (index-only reads see its pages all-visible)."""
    from xinyong.evaluation.scope import PER_SUBJECT_SETTINGS
    conn.commit()
    conn.autocommit = True
    conn.execute("VACUUM (ANALYZE) records")
    conn.autocommit = False
    subjects = [r[0] for r in conn.execute("SELECT DISTINCT subject_id FROM records ORDER BY 1 LIMIT 2000")]
    params = {"subjects": subjects, "hi": conn.execute("SELECT max(subject_id) FROM records").fetchone()[0]}
    per_subject = "; ".join(f"SET LOCAL {name} = off" for name in PER_SUBJECT_SETTINGS)
    out = {}
    for label, sql in EVALUATION_READS.items():
        timed = {}
        for state in ("now", "before 0026"):
            if "2,000" in label:
                conn.execute(per_subject)
            if state != "now":
                _as_before_0026(conn)
                conn.execute("ANALYZE records")
            plan = [r[0] for r in conn.execute("EXPLAIN " + sql, params)]
            timed[state] = (_time_query(conn, sql, params), [line.strip() for line in plan if "Scan" in line])
            conn.rollback()
        out[label] = {"with_ms": round(timed["now"][0], 2), "without_ms": round(timed["before 0026"][0], 2),
                      "scans": timed["now"][1], "scans_before_0026": timed["before 0026"][1]}
        log(f"  {label}: {out[label]}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    common.cleanup_on_sigterm()
    import os
    os.environ["XINYONG_SECRET_KEY"] = common.BENCH_SECRET
    # a fresh transparency archive: the shared default holds other runs' heads (ArchiveConflict)
    import tempfile
    os.environ["XINYONG_TRANSPARENCY_ARCHIVE"] = tempfile.mkdtemp(prefix="records-index-archive-")

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    from bench.gen_penalties import ensure
    path = ensure(args.rows, 0.0)
    import psycopg

    from xinyong.ingest.repository import RECORD_COLUMN_NAMES
    cols = ", ".join(RECORD_COLUMN_NAMES)
    with common.pg_cluster(settings=PG_SETTINGS, dbname="bench") as (cluster, _):
        machine = machine_info(common.pg_server_version(cluster))
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
            _canonical_fields(csv, RECORD_COLUMN_NAMES)
            conn.execute(_raw_ddl(False))
            conn.commit()
            loads = _load_variants(conn, cols, csv, args.repeat, log, raw_file=path)
            queries = _queries(conn, log)
        csv.unlink(missing_ok=True)
    raw = loads.pop("raw COPY of the file")["median"]
    result = {"bench": "records_index", "rows": args.rows, "machine": machine, "raw_copy_s": raw,
              "copy_records": loads, "queries": queries}
    saved = common.save_result(f"records-index-{args.rows}", result)
    print(json.dumps(result, ensure_ascii=False))
    full = loads["all indexes"]["median"]
    rows = [[label, f"{v['median']:.2f}", f"{full - v['median']:+.2f}", f"{raw / v['median']:.2f}"]
            for label, v in loads.items()]
    print(human_table(rows, ["COPY records", "server CPU s", "saved vs all", "raw COPY / this"]), file=sys.stderr)
    print(human_table([[n, f"{q['with_ms']:.2f}", f"{q['without_ms']:.2f}"] for n, q in queries.items()],
                      ["index", "query ms with", "query ms without (evaluation read: as before 0026)"]),
          file=sys.stderr)
    print(f"saved {saved}", file=sys.stderr)


if __name__ == "__main__":
    main()
