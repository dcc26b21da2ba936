"""Set-based writes of a batch's records: new rows are loaded in one bulk load; rows that
re-send an existing decision (same source agency, item and decision number) are staged
once, their previous versions snapshotted and the records updated in two statements."""
from __future__ import annotations

import datetime as dt

import polars as pl
from sqlalchemy import text
from sqlalchemy.orm import Session

from xinyong.kit import bulk, pgarray

RECORD_COLUMNS = [
    ("subject_id", "bigint"), ("item_code", "text"), ("source_agency_id", "bigint"), ("decision_no", "text"),
    ("decision_date", "date"), ("valid_to", "date"), ("severity", "text"), ("severity_basis", "text"),
    ("disclosure", "text"), ("publicity_published", "bool"), ("publicity_start", "date"),
    ("publicity_end", "date"), ("publicity_min_end", "date"), ("publicity_citation", "text"),
    ("fields", "json"), ("status", "text"), ("version", "int"), ("batch_id", "bigint"), ("row_no", "int"),
    ("received_at", "timestamp"), ("updated_at", "timestamp"),
]
RECORD_COLUMN_NAMES = [c for c, _ in RECORD_COLUMNS]
# what makes a re-sent decision a change (publicity follows from these and the rules)
COMPARED = ("subject_id", "decision_date", "valid_to", "severity", "fields", "publicity_published",
            "publicity_end", "disclosure")
SNAPSHOT = ("subject_id", "decision_date", "valid_to", "severity", "severity_basis", "disclosure",
            "publicity_published", "publicity_start", "publicity_end", "publicity_min_end",
            "publicity_citation", "fields", "status", "batch_id", "row_no", "received_at")


NO_EXISTING = pl.DataFrame(schema={"decision_no": pl.Utf8, "record_id": pl.Int64})


def has_records(session: Session, agency_id: int, item_code: str) -> bool:
    """Whether the agency has sent any record of this item before (the unique key's prefix)."""
    return bool(session.execute(text(
        "SELECT EXISTS (SELECT 1 FROM records WHERE source_agency_id = :a AND item_code = :i)"),
        {"a": agency_id, "i": item_code}).scalar())


def existing_records(session: Session, agency_id: int, item_code: str, decision_nos: pl.Series) -> pl.DataFrame:
    """(decision_no, record_id) of the decisions in this batch that are already stored.
    On PostgreSQL one indexed lookup with an array parameter (a temp-table join made the
    planner read the agency's whole history for every part); on SQLite a staged join."""
    schema = {"decision_no": pl.Utf8, "record_id": pl.Int64}
    if bulk.dialect(session) == "postgresql":
        rows = session.execute(text(
            "SELECT decision_no, id FROM records WHERE source_agency_id = :a AND item_code = :i "
            "AND decision_no = ANY(CAST(:nos AS text[]))"),
            {"a": agency_id, "i": item_code, "nos": pgarray.text_array(decision_nos)}).all()
        return pl.DataFrame(rows, schema=schema, orient="row")
    bulk.create_temp_table(session, "stage_keys", [("decision_no", "text")])
    bulk.load_frame(session, "stage_keys", decision_nos.to_frame("decision_no"))
    rows = session.execute(text(
        "SELECT r.decision_no, r.id FROM records r JOIN stage_keys k ON r.decision_no = k.decision_no "
        "WHERE r.source_agency_id = :a AND r.item_code = :i"), {"a": agency_id, "i": item_code}).all()
    bulk.drop_temp_table(session, "stage_keys")
    return pl.DataFrame(rows, schema=schema, orient="row")


def insert_records(session: Session, frame: pl.DataFrame, order: pl.Series | None = None,
                   with_ids: bool = False) -> int:
    """Load new records (in the order of the row indices `order`, if given); `with_ids`: with
    the ids the frame carries (taken by ``reserve_record_ids``), else the table's own."""
    return bulk.load_frame(session, "records", frame.select(["id"] * with_ids + RECORD_COLUMN_NAMES), order)


def reserve_record_ids(session: Session, count: int) -> pl.Series:
    """`count` new record ids, ascending (SQLite: ``_reserve_sqlite``). PostgreSQL: from the
    table's sequence (what loading `count` rows would have given them, bar a concurrent
    writer's ids in between), in one
    statement. The answer is one row: the first and last id when they are consecutive (no
    other writer took one meanwhile: the usual case), else all of them as an array; streaming
    one row per id back cost the client ~5 µs an id. The sequence is looked up once (an
    InitPlan): as the argument of nextval it was looked up in the catalogue for every id."""
    if count == 0:
        return pl.Series("id", [], dtype=pl.Int64)
    if bulk.dialect(session) != "postgresql":
        return _reserve_sqlite(session, count)
    lo, hi, scattered = session.execute(text(
        "WITH ids AS MATERIALIZED (SELECT nextval((SELECT CAST(pg_get_serial_sequence('records', 'id') AS regclass))) AS v "
        "FROM generate_series(1, :n)), span AS (SELECT min(v) AS lo, max(v) AS hi, count(*) AS n FROM ids) "
        "SELECT lo, hi, CASE WHEN hi - lo + 1 = n THEN NULL ELSE (SELECT array_agg(v ORDER BY v) FROM ids) END "
        "FROM span"), {"n": int(count)}).one()
    if scattered is None:
        return pl.int_range(lo, hi + 1, dtype=pl.Int64, eager=True).alias("id")
    return pl.Series("id", scattered, dtype=pl.Int64)


def _reserve_sqlite(session: Session, count: int) -> pl.Series:
    """SQLite: the ids a load of `count` rows would take (a rowid table without AUTOINCREMENT
    gives max(id) + 1, then the next), under the write lock: a no-op write first takes it if
    the transaction does not hold it yet (pysqlite's deferred BEGIN takes it at the first
    write), and it is held to the commit, so no other connection can insert a record, and so
    take one of these ids, before this transaction's load (tests/ingest/test_record_ids.py)."""
    bulk.hold_write_lock(session, "records")
    first = session.execute(text("SELECT coalesce(max(id), 0) + 1 FROM records")).scalar()
    return pl.int_range(first, first + count, dtype=pl.Int64, eager=True).alias("id")


def update_records(session: Session, frame: pl.DataFrame, *, batch_id: int, reason: str,
                   now: dt.datetime, user_id: int | None = None) -> int:
    """Apply re-sent decisions; keep each superseded version in the shared history
    (xinyong.history, entity "record") with the change reason — set-based, one statement.
    Returns how many records actually changed (identical re-sends change nothing). The
    snapshot holds the stored values: citations as their short codes (xinyong.law.citation_codes
    ``decode`` reads them in full)."""
    if frame.height == 0:
        return 0
    pg = bulk.dialect(session) == "postgresql"
    bulk.create_temp_table(session, "stage_records", [("id", "bigint"), *RECORD_COLUMNS])
    bulk.load_frame(session, "stage_records", frame.select(["id", *RECORD_COLUMN_NAMES]))
    changed = _changed_condition(pg)
    build = "jsonb_build_object" if pg else "json_object"
    pairs = ", ".join(f"'{c}', {'json(r.fields)' if (c == 'fields' and not pg) else 'r.' + c}" for c in SNAPSHOT)
    result = session.execute(text(
        f"INSERT INTO history (entity, entity_id, subject_id, version, snapshot, change_reason, changed_by, "
        f"changed_in_batch, changed_at) SELECT 'record', r.id, r.subject_id, r.version, {build}({pairs}), :reason, "
        f":user, :batch, :now FROM records r JOIN stage_records s ON s.id = r.id WHERE {changed}"),
        {"batch": batch_id, "reason": reason, "now": now, "user": user_id})
    count = result.rowcount or 0
    sets = ", ".join(f"{c} = s.{c}" for c in RECORD_COLUMN_NAMES if c not in ("version", "status"))
    session.execute(text(
        f"UPDATE records AS r SET {sets}, version = r.version + 1 FROM stage_records s "
        f"WHERE s.id = r.id AND {changed}"))
    bulk.drop_temp_table(session, "stage_records")
    return count


def _changed_condition(pg: bool) -> str:
    """A re-sent row differs from its record. On PostgreSQL the fields are compared as ``jsonb``
    (by value: the stored ``json`` text may be spaced otherwise, e.g. converted by migration
    0027; ``json`` has no equality operator)."""
    op = "IS DISTINCT FROM" if pg else "IS NOT"
    return "(" + " OR ".join(f"CAST(r.{c} AS jsonb) {op} CAST(s.{c} AS jsonb)" if (pg and c == "fields")
                             else f"r.{c} {op} s.{c}" for c in COMPARED) + ")"


REJECTED_VALUE_CHARS = 200  # a returned value is shown to its source, not kept whole


def clipped(value: pl.Expr, limit: int = REJECTED_VALUE_CHARS) -> pl.Expr:
    """At most ``limit`` characters, the cut marked with an ellipsis."""
    return pl.when(value.str.len_chars() > limit).then(value.str.slice(0, limit - 1) + "…").otherwise(value)


def insert_rejections(session: Session, rejections: pl.DataFrame, batch_id: int) -> int:
    if rejections.height == 0:
        return 0
    frame = rejections.select(
        pl.lit(batch_id, pl.Int64).alias("batch_id"), pl.col("row_no").cast(pl.Int64), "field",
        clipped(pl.col("value").fill_null("")).alias("value"), "reason_code", "reason", pl.col("reason_en").fill_null(""))
    # one row per (row, field): a field can fail several checks, keep all reasons together
    frame = frame.group_by(["batch_id", "row_no", "field"], maintain_order=True).agg(
        pl.col("value").first(), pl.col("reason_code").str.join(","), pl.col("reason").str.join("；"),
        pl.col("reason_en").str.join("; "))
    return bulk.load_frame(session, "batch_rejections", frame)


def list_batches(session: Session, agency_id: int | None, limit: int = 100, offset: int = 0):
    from sqlalchemy import select

    from xinyong.models import Agency, Batch
    stmt = select(Batch, Agency.name).join(Agency, Agency.id == Batch.agency_id, isouter=True)
    if agency_id is not None:
        stmt = stmt.where(Batch.agency_id == agency_id)
    return session.execute(stmt.order_by(Batch.id.desc()).limit(limit).offset(offset)).all()


def get_batch(session: Session, batch_id: int):
    from xinyong.models import Batch
    return session.get(Batch, batch_id)


def batch_rejections(session: Session, batch_id: int, limit: int | None = None, offset: int = 0):
    from sqlalchemy import select

    from xinyong.models import BatchRejection
    stmt = (select(BatchRejection).where(BatchRejection.batch_id == batch_id)
            .order_by(BatchRejection.row_no, BatchRejection.field).offset(offset))
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))
