"""What a crash trial reads back from the database: the counts that say whether a batch is
wholly in or wholly out, and a canonical digest of the tables an ingest and its outbox write.

The digest compares states "modulo surrogate keys and clocks": every id (and every column or
JSON key that refers to one) is replaced by its rank in its table, every timestamp by whether
it is set, and hashes that commit to ids are left out (the records, subjects and leaves they
hash are compared themselves). A PostgreSQL sequence is not rolled back with a killed
transaction, so a re-run after a kill gets other ids than an uninterrupted run: the same state
all the same. Rows are compared as sorted multisets, so a duplicate shows as a difference."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re

from sqlalchemy import DateTime, func, select, text
from sqlalchemy.engine import Engine

from xinyong.models import Base

# which table a column (or a JSON key) named so refers to
REFS = {"subject_id": "subjects", "record_id": "records", "batch_id": "batches", "batch": "batches",
        "record": "records", "source_agency_id": "agencies", "agency_id": "agencies",
        "run_id": "evaluation_runs", "entry_id": "audit_log"}
# the tables an ingest and its outbox write, with what is left out of each
DIGEST = {
    "batches": set(), "batch_rejections": set(), "records": set(), "history": set(),
    "subjects": set(), "transparency_publications": {"leaf_hash"},
    "transparency_publication_nodes": {"hash"}, "feed_events": set(), "ingest_outbox": set(),
    "evaluation_runs": {"seconds"}, "evaluation_results": set(), "evaluation_contributions": set(),
    "audit_log": {"id", "hash", "prev_hash", "chain", "seq", "target_id"},
}
LEFT_OUT_KEYS = {"records_root", "content_sha256", "timestamp", "signature"}   # hashes over ids, clocks
ONLY = {"audit_log": "action = 'batch.ingest'"}   # the batch's own entry; the rest is set-up
ID_IN_TEXT = re.compile(r"(batch[:= ])(\d+)")


def counts(engine: Engine) -> dict[str, int]:
    """Rows per table a batch writes (audit: batch.ingest entries only)."""
    out = {}
    with engine.connect() as conn:
        for table in DIGEST:
            where = f" WHERE {ONLY[table]}" if table in ONLY else ""
            out[table] = conn.execute(text(f"SELECT count(*) FROM {table}{where}")).scalar_one()
        out["batches_processing"] = conn.execute(
            text("SELECT count(*) FROM batches WHERE status = 'processing'")).scalar_one()
        out["outbox_applied"] = conn.execute(
            text("SELECT count(*) FROM ingest_outbox WHERE applied_at IS NOT NULL")).scalar_one()
        out["outbox_jobs_open"] = conn.execute(
            text("SELECT count(*) FROM worker_jobs WHERE kind = 'ingest.outbox' AND status <> 'done'")).scalar_one()
    return out


def applied_hooks(engine: Engine) -> dict[str, bool]:
    with engine.connect() as conn:
        return {hook: applied for hook, applied in conn.execute(
            text("SELECT hook, applied_at IS NOT NULL FROM ingest_outbox ORDER BY id"))}


def digest(engine: Engine) -> dict[str, str]:
    """Table -> "rows:sha256" of its canonical rows."""
    with engine.connect() as conn:
        ranks = {t: _ranks(conn, t) for t in set(REFS.values()) | set(DIGEST)
                 if "id" in Base.metadata.tables[t].c}
        out = {}
        for table, left_out in DIGEST.items():
            rows = sorted(_canonical(conn, table, left_out, ranks))
            out[table] = f"{len(rows)}:{hashlib.sha256(chr(10).join(rows).encode()).hexdigest()[:16]}"
    return out


def differences(a: dict[str, str], b: dict[str, str]) -> dict[str, tuple[str, str]]:
    return {t: (a.get(t), b.get(t)) for t in sorted(set(a) | set(b)) if a.get(t) != b.get(t)}


def _ranks(conn, table: str) -> dict[int, int]:
    ids = conn.execute(text(f"SELECT id FROM {table} ORDER BY id")).scalars()
    return {i: n for n, i in enumerate(ids, 1)}


def _canonical(conn, table: str, left_out: set[str], ranks: dict) -> list[str]:
    meta = Base.metadata.tables[table]
    cols = [c for c in meta.columns if c.name not in left_out and not c.name.endswith("_enc")]
    stmt = select(*cols)
    if table in ONLY:
        stmt = stmt.where(text(ONLY[table]))
    plan = [(c.name, *_how(table, c, ranks)) for c in cols]
    rows = []
    for row in conn.execute(stmt):
        item = {}
        for (name, how, ref), value in zip(plan, row):
            if how == "clock":
                item[name] = value is not None                 # a clock: set or not
            elif how == "ref" and isinstance(value, int):
                item[name] = ["#", ref.get(value, f"?{value}")]
            elif isinstance(value, (str, dict, list)):
                item[name] = _plain(value, ranks)
            else:
                item[name] = value
        rows.append(json.dumps(item, sort_keys=True, ensure_ascii=False, default=str))
    return rows


def _how(table: str, col, ranks: dict) -> tuple[str, dict | None]:
    """How a column is made canonical: a clock, a reference to ranked ids, or plain."""
    if _is_clock(col):
        return "clock", None
    ref = table if col.name == "id" else REFS.get(col.name)
    return ("ref", ranks[ref]) if ref in ranks else ("plain", None)


def _is_clock(col) -> bool:
    kind = col.type
    return isinstance(kind, DateTime) or isinstance(getattr(kind, "impl", None), DateTime)


def _plain(value, ranks):
    if isinstance(value, str) and value[:1] in "{[":
        try:
            value = json.loads(value)
        except ValueError:
            return value
    if isinstance(value, dict):
        return {k: _key(k, v, ranks) for k, v in value.items() if k not in LEFT_OUT_KEYS}
    if isinstance(value, list):
        return [_plain(v, ranks) for v in value]
    if isinstance(value, str):
        return ID_IN_TEXT.sub(lambda m: m.group(1) + "#" + str(ranks["batches"].get(int(m.group(2)), "?")), value)
    if isinstance(value, (dt.date, float)):
        return str(value)
    return value


def _key(key: str, value, ranks):
    if key in REFS and isinstance(value, int) and REFS[key] in ranks:
        return ["#", ranks[REFS[key]].get(value, f"?{value}")]
    return _plain(value, ranks)


def subjects_before(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Base.metadata.tables["subjects"])).scalar_one()


def empty(engine: Engine) -> None:
    """Every table emptied (between trials): what the suite's db fixture does."""
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))
            if conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'")).first():
                conn.execute(text("DELETE FROM sqlite_sequence"))
