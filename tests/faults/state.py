"""What a crash trial reads back from the database: the counts that say whether a batch is
wholly in or wholly out, and a canonical digest of the tables an ingest and its outbox write.

The digest compares states "modulo surrogate keys and clocks": every id (and every column or
JSON key that refers to one) is replaced by its rank in its table, every timestamp by whether
it is set, and hashes that commit to ids are left out (the records, subjects and leaves they
hash are compared themselves). A PostgreSQL sequence is not rolled back with a killed
transaction, so a re-run after a kill gets other ids than an uninterrupted run: the same state
all the same.

It is computed in the database, set-based (a 1M-row batch digests in seconds): each row's
canonical text is built by one SELECT per table (ranks joined from temporary rank tables), and
the table's digest is its row count with the sums of two 32-bit halves of each row text's MD5.
A sum is a multiset hash: independent of row order, and a duplicated row adds its hash again,
so a duplicate (or a lost row) shows as a difference. The JSON keys and text patterns that hold
ids are declared (DOCS, TEXT_REFS); `undeclared` reads a sample of rows in Python and names
any id-bearing key or text the declarations miss, so a new one cannot pass unnoticed."""
from __future__ import annotations

import hashlib
import json
import re

from sqlalchemy import DateTime, func, select, text
from sqlalchemy.engine import Connection, Engine

from tests.support import database
from xinyong.models import Base

VERSION = 3   # of the digest's canonical form: references taken under another are re-digested
# which table a column (or a JSON key) named so refers to
REFS = {"subject_id": "subjects", "subjects_from": "subjects", "subjects_to": "subjects", "record_id": "records", "batch_id": "batches", "batch": "batches",
        "record": "records", "source_agency_id": "agencies", "agency_id": "agencies",
        "run_id": "evaluation_runs", "entry_id": "audit_log"}
# the tables an ingest and its outbox write, with what is left out of each
DIGEST = {
    "batches": set(), "batch_rejections": set(), "records": set(), "history": set(),
    "subjects": set(), "subject_names": set(), "transparency_publications": {"leaf_hash"},
    "transparency_publication_nodes": {"hash"}, "feed_events": set(), "ingest_outbox": set(),
    "evaluation_runs": {"seconds"}, "evaluation_results": set(), "evaluation_contributions": set(),
    "audit_log": {"id", "hash", "prev_hash", "chain", "seq", "target_id"},
}
LEFT_OUT_KEYS = ("records_root", "content_sha256", "timestamp", "signature")   # hashes over ids, clocks
ONLY = {"audit_log": ("action", "batch.ingest")}   # the batch's own entry; the rest is set-up
ID_IN_TEXT = re.compile(r"batch[:= ]\d+")
# JSON documents (JSON columns, and text columns holding JSON): the paths whose values are ids
DOCS = {
    ("transparency_publications", "leaf"): {("batch",): "batches", ("record",): "records",
                                            ("key", "source_agency_id"): "agencies"},
    ("feed_events", "details"): {("source_agency_id",): "agencies"},
    ("history", "snapshot"): {("subject_id",): "subjects", ("batch_id",): "batches",
                              ("source_agency_id",): "agencies", ("record_id",): "records"},
    ("audit_log", "details"): {}, ("batches", "notes"): {}, ("records", "fields"): {},
}
# text columns of the form PREFIX<id>
TEXT_REFS = {("evaluation_runs", "trigger"): ("batch:", "batches")}


def counts(engine: Engine) -> dict[str, int]:
    """Rows per table a batch writes (audit: batch.ingest entries only)."""
    out = {}
    with engine.connect() as conn:
        for table in DIGEST:
            where = _where(table)
            out[table] = conn.execute(text(f"SELECT count(*) FROM {table} t{where}")).scalar_one()
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
    """Table -> "rows:hash" of its canonical rows, computed in the database."""
    missed = undeclared(engine)
    if missed:
        raise AssertionError(f"ids the digest does not canonicalise (declare them in DOCS/TEXT_REFS): {missed}")
    sql = Sql(engine.dialect.name)
    with engine.begin() as conn:
        sql.prepare(conn)
        ranked = _ranked_tables()
        for table in ranked:
            _make_ranks(conn, sql, table)
        out = {}
        for table, left_out in DIGEST.items():
            n, h1, h2 = conn.execute(text(_digest_query(sql, table, left_out, ranked))).one()
            out[table] = f"{n}:{int(h1 or 0) % 2**64:016x}{int(h2 or 0) % 2**64:016x}"
        for table in ranked:
            conn.execute(text(f"DROP TABLE rk_{table}"))
    return out


def differences(a: dict[str, str], b: dict[str, str]) -> dict[str, tuple[str, str]]:
    return {t: (a.get(t), b.get(t)) for t in sorted(set(a) | set(b)) if a.get(t) != b.get(t)}


class Sql:
    """The few expressions whose spelling differs between PostgreSQL and SQLite."""

    def __init__(self, dialect: str):
        self.pg = dialect == "postgresql"

    def prepare(self, conn: Connection) -> None:
        if not self.pg:   # SQLite has no MD5: the same halves computed by a registered function
            conn.connection.driver_connection.create_function("xy_md5_half", 2, _md5_half, deterministic=True)

    def total(self, rows: str) -> str:
        """count, and the sums of the two 32-bit halves of each row text's MD5 (computed once)."""
        if self.pg:
            h1, h2 = (f"('x' || substr(m, {start}, 8))::bit(32)::int::bigint" for start in (1, 9))
            return f"SELECT count(*), sum({h1}), sum({h2}) FROM (SELECT md5(x.r) AS m FROM ({rows}) x OFFSET 0) y"
        return f"SELECT count(*), sum(xy_md5_half(x.r, 0)), sum(xy_md5_half(x.r, 1)) FROM ({rows}) x"

    def doc(self, table: str, column: str) -> str:
        """A document column, parsed once per row on PostgreSQL (see _Query.source)."""
        return f"t.{column}__doc" if self.pg else f"t.{column}"

    def doc_text(self, expr: str) -> str:
        return f"({expr})::text" if self.pg else expr

    def remove(self, expr: str, paths) -> str:
        if self.pg:   # a copy of the document per removal: only when a top-level key is there
            ops = "".join(f" - '{p[0]}'" if len(p) == 1 else f" #- '{{{','.join(p)}}}'" for p in paths)
            tops = ", ".join(f"'{p[0]}'" for p in paths)
            return f"(CASE WHEN {expr} ?| array[{tops}] THEN {expr}{ops} ELSE {expr} END)"
        return f"json_remove({expr}, {', '.join(repr('$.' + '.'.join(p)) for p in paths)})"

    def get(self, expr: str, path: tuple[str, ...]) -> str:
        if self.pg:
            return f"({expr} #>> '{{{','.join(path)}}}')"
        return f"json_extract({expr}, '$.{'.'.join(path)}')"

    def as_text(self, expr: str) -> str:
        return f"CAST({expr} AS TEXT)"


def _md5_half(value, half: int):
    if value is None:
        return None
    word = hashlib.md5(str(value).encode()).digest()[4 * half:4 * half + 4]
    return int.from_bytes(word, "big", signed=True)


def _ranked_tables() -> list[str]:
    return sorted(t for t in set(REFS.values()) | set(DIGEST) if "id" in Base.metadata.tables[t].c)


def _make_ranks(conn: Connection, sql: Sql, table: str) -> None:
    conn.execute(text(f"DROP TABLE IF EXISTS rk_{table}"))
    conn.execute(text(f"CREATE TEMPORARY TABLE rk_{table} (id BIGINT PRIMARY KEY, rk BIGINT NOT NULL)"))
    conn.execute(text(f"INSERT INTO rk_{table} (id, rk) SELECT id, row_number() OVER (ORDER BY id) FROM {table}"))
    if sql.pg:
        conn.execute(text(f"ANALYZE rk_{table}"))


class _Query:
    """One table's canonical-row SELECT under construction: its column expressions and joins."""

    def __init__(self, sql: Sql, table: str, ranked: list[str]):
        self.sql, self.table, self.ranked = sql, table, ranked
        self.joins: list[str] = []
        self.docs: list[str] = []

    def rank(self, target: str, raw: str) -> str:
        """'#rank' of the id ``raw`` in ``target`` ('?id' for an id not there), NULL for NULL."""
        alias = f"j{len(self.joins)}"
        self.joins.append(f"LEFT JOIN rk_{target} {alias} ON {alias}.id = CAST({raw} AS BIGINT)")
        return f"CASE WHEN {raw} IS NULL THEN NULL ELSE COALESCE('#' || {self.sql.as_text(alias + '.rk')}, " \
               f"'?' || {self.sql.as_text(raw)}) END"

    def column(self, col) -> str:
        name, sql = f"t.{col.name}", self.sql
        if _is_clock(col):
            return f"CASE WHEN {name} IS NULL THEN 'unset' ELSE 'set' END"
        ref = self.table if col.name == "id" else REFS.get(col.name)
        if ref in self.ranked:
            return self.rank(ref, name)
        if (self.table, col.name) in TEXT_REFS:
            prefix, target = TEXT_REFS[(self.table, col.name)]
            raw = f"CASE WHEN {name} LIKE '{prefix}%' THEN substr({name}, {len(prefix) + 1}) END"
            return f"CASE WHEN {name} LIKE '{prefix}%' THEN '{prefix}' || {self.rank(target, raw)} ELSE {name} END"
        if (self.table, col.name) in DOCS:
            return self.doc(col.name, DOCS[(self.table, col.name)])
        return sql.as_text(name)

    def doc(self, column: str, refs: dict) -> str:
        """The document without the left-out keys and the id-holding paths, then the ranks of
        those ids in path order (a removal and a rank instead of rewriting the document)."""
        sql = self.sql
        self.docs.append(column)
        doc = sql.doc(self.table, column)
        paths = [(k,) for k in LEFT_OUT_KEYS] + list(refs)
        parts = [f"COALESCE({sql.doc_text(sql.remove(doc, paths))}, '~')"]
        parts += [f"COALESCE({self.rank(target, sql.get(doc, path))}, '~')" for path, target in refs.items()]
        return " || '|' || ".join(parts)

    def source(self) -> str:
        if not (self.sql.pg and self.docs):
            return f"{self.table} t"
        parsed = ", ".join(f"(t0.{c})::jsonb AS {c}__doc" for c in self.docs)
        return f"(SELECT t0.*, {parsed} FROM {self.table} t0 OFFSET 0) t"   # OFFSET 0: parsed once, not per use


def _digest_query(sql: Sql, table: str, left_out: set[str], ranked: list[str]) -> str:
    meta = Base.metadata.tables[table]
    cols = [c for c in meta.columns if c.name not in left_out and not c.name.endswith("_enc")]
    q = _Query(sql, table, ranked)
    parts = [f"COALESCE({q.column(c)}, '~')" for c in cols]
    row = " || '|' || ".join(parts)
    return sql.total(f"SELECT {row} AS r FROM {q.source()} {' '.join(q.joins)}{_where(table)}")


def _where(table: str) -> str:
    return f" WHERE t.{ONLY[table][0]} = '{ONLY[table][1]}'" if table in ONLY else ""


def _is_clock(col) -> bool:
    kind = col.type
    return isinstance(kind, DateTime) or isinstance(getattr(kind, "impl", None), DateTime)


# --------------------------------------------------------------------------- the declarations' guard
def undeclared(engine: Engine, sample: int = 200) -> list[str]:
    """Id-bearing JSON keys or texts in a sample of each table's first and last rows that the
    declarations do not canonicalise (their ids would make equal states differ)."""
    missed: set[str] = set()
    with engine.connect() as conn:
        for table, left_out in DIGEST.items():
            meta = Base.metadata.tables[table]
            cols = [c for c in meta.columns if c.name not in left_out and not c.name.endswith("_enc")
                    and not _is_clock(c) and c.name != "id" and c.name not in REFS]
            order = [meta.c.id] if "id" in meta.c else []
            for desc in (False, True):
                stmt = select(*cols).limit(sample)
                if order:
                    stmt = stmt.order_by(order[0].desc() if desc else order[0])
                if table in ONLY:
                    stmt = stmt.where(meta.c[ONLY[table][0]] == ONLY[table][1])
                for row in conn.execute(stmt):
                    for col, value in zip(cols, row):
                        _walk_value(table, col.name, value, missed)
    return sorted(missed)


def _walk_value(table: str, column: str, value, missed: set[str]) -> None:
    if isinstance(value, str) and value[:1] in "{[":
        try:
            value = json.loads(value)
        except ValueError:
            pass
    if isinstance(value, (dict, list)):
        declared = DOCS.get((table, column))
        _walk_doc(value, (), declared, f"{table}.{column}", missed)
    elif isinstance(value, str) and ID_IN_TEXT.search(value) and (table, column) not in TEXT_REFS:
        missed.add(f"{table}.{column}: text {value[:60]!r}")


def _walk_doc(value, path: tuple, declared: dict | None, where: str, missed: set[str]) -> None:
    if declared is None:
        missed.add(f"{where}: a JSON document not declared in DOCS")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            here = (*path, key)
            if key in LEFT_OUT_KEYS:
                if path:
                    missed.add(f"{where}: {'.'.join(here)} (left out only at the top)")
                continue
            if key in REFS and isinstance(item, int) and not isinstance(item, bool) and here not in declared:
                missed.add(f"{where}: {'.'.join(here)}")
            _walk_doc(item, here, declared, where, missed)
    elif isinstance(value, list):
        for item in value:
            _walk_doc(item, (*path, "*"), declared, where, missed)
    elif isinstance(value, str) and ID_IN_TEXT.search(value):
        missed.add(f"{where}: {'.'.join(path)} text {value[:60]!r}")


def subjects_before(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Base.metadata.tables["subjects"])).scalar_one()


def empty(engine: Engine) -> None:
    """Every table emptied (between trials): what the suite's db fixture does."""
    database.empty(engine)
