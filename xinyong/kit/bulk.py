"""Set-based bulk loading of a polars frame into a table: COPY on PostgreSQL, one
`executemany` on SQLite. Used by every bulk path (ingest, demo, benchmarks).

All of it runs on the session's own connection, inside the caller's transaction.
"""
from __future__ import annotations

import concurrent.futures
import io
import itertools
import logging
import os
import sqlite3

import polars as pl
from sqlalchemy import text
from sqlalchemy.orm import Session

from xinyong.kit import pgbinary

log = logging.getLogger(__name__)

NULL = r"\N"
COPY_CHUNK_ROWS = 50_000     # CSV text handed to COPY at a time
MANY_CHUNK_ROWS = 20_000     # Python tuples handed to executemany at a time

# portable staging types -> (postgres, sqlite)
_TYPES = {
    "text": ("text", "TEXT"),
    "bigint": ("bigint", "INTEGER"),
    "int": ("integer", "INTEGER"),
    "date": ("date", "TEXT"),
    "bool": ("boolean", "INTEGER"),
    "bytes": ("bytea", "BLOB"),
    "json": ("json", "TEXT"),   # as records.fields keeps it (models.base.JsonText): the text, checked as JSON
    "timestamp": ("timestamptz", "TEXT"),
}


def dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def hold_write_lock(session: Session, table: str, column: str = "id") -> None:
    """SQLite: the database's write lock taken now, if the transaction does not hold it yet (a
    no-op write to ``table``: pysqlite's deferred BEGIN takes the lock at the first write, waiting
    out another writer for ``busy_timeout``), and held to the commit. For a transaction that reads
    what it is about to write: a read first pins the transaction's snapshot, and if another
    connection commits before the first write, that write fails at once ("database is locked",
    SQLITE_BUSY_SNAPSHOT, which no busy timeout waits out). PostgreSQL: nothing (row locks)."""
    if dialect(session) == "sqlite":
        session.execute(text(f"UPDATE {table} SET {column} = {column} WHERE 0"))


def create_temp_table(session: Session, name: str, columns: list[tuple[str, str]]) -> None:
    pg = dialect(session) == "postgresql"
    cols = ", ".join(f"{c} {_TYPES[t][0 if pg else 1]}" for c, t in columns)
    session.execute(text(f"DROP TABLE IF EXISTS {name}"))
    suffix = " ON COMMIT DROP" if pg else ""
    session.execute(text(f"CREATE TEMP TABLE {name} ({cols}){suffix}"))


def drop_temp_table(session: Session, name: str) -> None:
    session.execute(text(f"DROP TABLE IF EXISTS {name}"))


def load_frame(session: Session, table: str, frame: pl.DataFrame, order: pl.Series | None = None) -> int:
    """Append every row of `frame` to `table` (columns by name), in the order of the row
    indices `order` if given (gathered a chunk at a time: no sorted copy of the frame).
    Returns rows loaded."""
    if frame.height == 0:
        return 0
    if dialect(session) == "postgresql":
        _copy(session, table, frame, order)
    else:
        _executemany(session, table, frame, order)
    return frame.height


def _chunk(frame: pl.DataFrame, order: pl.Series | None, offset: int, size: int) -> pl.DataFrame:
    if order is None:
        return frame.slice(offset, size)
    return frame.select(pl.all().gather(order.slice(offset, size)))


def dbapi_connection(session: Session):
    """The session's own DBAPI connection (psycopg / sqlite3), in its transaction."""
    return session.connection().connection.driver_connection


_dbapi = dbapi_connection


def _copy(session: Session, table: str, frame: pl.DataFrame, order: pl.Series | None = None) -> None:
    cols = ", ".join(frame.columns)
    with _dbapi(session).cursor() as cur:
        binary = pgbinary.encoder(frame.schema, pgbinary.column_types(cur, table))
        if binary is not None:   # the server reads stored values, not their text (xinyong.kit.pgbinary)
            with cur.copy(f"COPY {table} ({cols}) FROM STDIN (FORMAT binary)") as copy:
                copy.write(binary.header())
                _made_ahead(lambda piece: binary.rows(_chunk(frame, order, *piece)), copy_pieces(frame.height),
                            copy.write, "copy")
                copy.write(binary.trailer())
            return

        # PostgreSQL's text format, not csv: the server reads it for less (no quotes to undo: the
        # records' and the leaves' JSON are full of them); 0.4 s of the backend's CPU per 200k records
        def text_of(piece: tuple[int, int]) -> bytes:   # a chunk at a time: no text copy of the whole frame
            return copy_text(_chunk(frame, order, *piece))

        with cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
            # the next chunk is formatted in a thread (polars releases the GIL) while this one is
            # sent: the server loads instead of waiting for it
            _made_ahead(text_of, copy_pieces(frame.height), copy.write, "copy")


def _made_ahead(make, offsets, use, name: str) -> None:
    """``use(make(offset))`` for each offset (of a sequence), in order; with more than one, the next offset's
    ``make`` runs in a thread while ``use`` takes this one's (a load's client work beside the
    database's, when both release the GIL); at most two made at a time."""
    if len(offsets) == 1:
        use(make(offsets[0]))
        return
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix=name) as pool:
        ahead = pool.submit(make, offsets[0])
        for i in range(len(offsets)):
            made = ahead.result()
            if i + 1 < len(offsets):
                ahead = pool.submit(make, offsets[i + 1])
            use(made)
            made = None


COPY_PIECES = 8               # a smaller load is sent in this many pieces, each formatted while the last loads
COPY_MIN_PIECE_ROWS = 1_000


def copy_out(session: Session, sql: str, schema: dict, params: dict | None = None) -> pl.DataFrame:
    """PostgreSQL: the rows of a query (columns named and typed by `schema`), read by
    ``COPY (sql) TO STDOUT`` into a frame: no Python object per row (fetching 200,000 rows of
    two columns as rows cost the client ~0.1 s, and the rows' tuples woke the garbage collector).
    `params` (psycopg's ``%(name)s`` placeholders) are merged into the statement by psycopg."""
    buf = io.BytesIO()
    with _dbapi(session).cursor() as cur, cur.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)", params) as copy:
        for data in copy:
            buf.write(data)
    if not buf.tell():
        return pl.DataFrame(schema=schema)
    buf.seek(0)
    return pl.read_csv(buf, has_header=False, new_columns=list(schema), schema_overrides=schema)


def query_frame(session: Session, sql: str, schema: dict, params: dict | None = None) -> pl.DataFrame:
    """The rows of a query as a frame: PostgreSQL ``copy_out``; SQLite the DBAPI cursor's
    tuples, without a SQLAlchemy row made for each (the 380,000 new subjects' ids of a 1M-row
    batch). ``params`` in the driver's own style (psycopg ``%(name)s``, sqlite3 ``:name``)."""
    if dialect(session) == "postgresql":
        return copy_out(session, sql, schema, params)
    cur = _dbapi(session).cursor()
    try:
        return pl.DataFrame(cur.execute(sql, params or ()).fetchall(), schema=schema, orient="row")
    finally:
        cur.close()


def copy_pieces(height: int) -> list[tuple[int, int]]:
    """(offset, rows) of each piece of a COPY of ``height`` rows: pieces of ``copy_piece_rows``,
    the first of them a quarter of that (at least COPY_MIN_FIRST_PIECE_ROWS), so that the server
    starts loading sooner: it waits for the first piece to be formatted (a 10,000-row batch's
    records: ~5-10 ms for 1,250 rows, the server idle meanwhile), not for the next ones."""
    size = copy_piece_rows(height)
    first = min(height, size if height <= size else max(COPY_MIN_FIRST_PIECE_ROWS, size // 4))
    return [(0, first)] + [(offset, size) for offset in range(first, height, size)]


COPY_MIN_FIRST_PIECE_ROWS = 250


def copy_piece_rows(height: int) -> int:
    """Rows of CSV text per piece of a COPY: at most COPY_CHUNK_ROWS (memory), and small enough
    that a load of a few thousand rows is a pipeline too: a 10,000-row batch's records sent as
    one piece kept the server idle while the client formatted all of it, then the client idle
    while the server parsed it."""
    return min(COPY_CHUNK_ROWS, max(COPY_MIN_PIECE_ROWS, -(-height // COPY_PIECES)))


# COPY's text format: a backslash starts an escape, a tab ends a column, a newline a row
_TEXT_SPECIAL = ["\\", "\t", "\n", "\r"]
_TEXT_ESCAPED = ["\\\\", "\\t", "\\n", "\\r"]
_HAS_SPECIAL = r"[\\\t\n\r]"


def _pg_text(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame's values as COPY's text format reads them (written tab-separated, unquoted,
    nulls as \\N): text escaped, bytes as escaped hex, timestamps in UTC. Only the text
    columns that hold a character to escape are rewritten (looking costs a tenth of escaping)."""
    cats = [name for name, dtype in frame.schema.items() if isinstance(dtype, (pl.Categorical, pl.Enum))]
    frame = frame.with_columns(pl.col(cats).cast(pl.String)) if cats else frame
    texts = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    found = frame.select(pl.col(texts).str.contains(_HAS_SPECIAL).any()).row(0) if texts else ()
    escape = {name for name, hit in zip(texts, found) if hit}
    exprs = []
    for name, dtype in frame.schema.items():
        if dtype == pl.Binary:
            exprs.append((pl.lit("\\\\x") + pl.col(name).bin.encode("hex")).alias(name))
        elif isinstance(dtype, pl.Datetime):   # an instant in a zone: as UTC (a naive time is taken as UTC)
            utc = pl.col(name).dt.convert_time_zone("UTC") if dtype.time_zone is not None else pl.col(name)
            exprs.append(utc.dt.strftime("%Y-%m-%d %H:%M:%S%.6f+00").alias(name))
        elif name in escape:
            exprs.append(pl.col(name).str.replace_many(_TEXT_SPECIAL, _TEXT_ESCAPED).alias(name))
    return frame.with_columns(exprs) if exprs else frame


def copy_text(frame: pl.DataFrame) -> bytes:
    """The rows of `frame` as the data of ``COPY ... FROM STDIN`` (text format)."""
    buf = io.BytesIO()
    _pg_text(frame).write_csv(buf, include_header=False, separator="\t", quote_style="never", null_value=NULL)
    return buf.getvalue()


# page cache of the connection while it loads a large frame (KiB; SQLite's default is 2 MiB):
# with the default, the entries of a load's rows in indexes taken in random key order (a records
# load: decision number; item and date) evicted pages still needed, to be read back from the WAL
# (a 1M-row records load 23.3 s, 17.8 s with 64 MiB; 256 MiB no better). Set back after the
# load, so that a serving process's connections keep their own.
LOAD_CACHE_KIB = 65536
LOAD_CACHE_MIN_ROWS = MANY_CHUNK_ROWS

# SQLite: a load of at least this many rows that at least doubles its table builds the table's
# secondary indexes after the rows, rather than entry by entry (indexes_set_aside)
REBUILD_MIN_ROWS = 100_000


def indexes_set_aside(cur, table: str, rows: int) -> list[tuple[str, str, list]]:
    """SQLite, inside a transaction: if loading `rows` rows at least doubles `table` (``rows`` >=
    its largest rowid, and >= REBUILD_MIN_ROWS), its secondary indexes that check nothing (made
    by ``CREATE INDEX``, not unique; a primary key's, a UNIQUE constraint's or a unique index
    stays and checks every row as it comes, ``ON CONFLICT`` included) are dropped, to be built
    again from their own SQL by ``rebuild_indexes`` once the rows are in: one sort per index
    instead of an entry per row in random key order (a 1M-row records load into an empty table:
    its three indexes' entries cost ~5.7 s entered row by row, ~2.2 s built after). The same
    transaction drops and builds them: a rollback, or a crash, keeps them as they were, and
    other connections (WAL readers) see the table with its indexes before and after the commit.
    Returns (name, SQL, planner statistics rows) of each index set aside; [] if none (a smaller
    load, a table the load would not double, or no transaction open: a DROP there would commit
    alone)."""
    if rows < REBUILD_MIN_ROWS or not cur.connection.in_transaction:
        return []
    try:
        largest = cur.execute(f'SELECT max(rowid) FROM "{table}"').fetchone()[0] or 0
    except sqlite3.OperationalError:   # a table WITHOUT ROWID: left as it is
        return []
    if rows < largest:
        return []
    indexes = cur.execute("SELECT m.name, m.sql FROM pragma_index_list(?) i JOIN sqlite_master m ON m.name = i.name "
                          "WHERE i.origin = 'c' AND NOT i.\"unique\" ORDER BY m.name", (table,)).fetchall()
    stats = bool(indexes) and cur.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'").fetchone() is not None
    dropped = []
    for name, sql in indexes:
        kept = cur.execute("SELECT tbl, idx, stat FROM sqlite_stat1 WHERE idx = ?", (name,)).fetchall() if stats else []
        cur.execute(f'DROP INDEX "{name}"')
        dropped.append((name, sql, kept))
    return dropped


def _rebuilt_after_failure(cur, dropped: list[tuple[str, str, list]]) -> None:
    """After a failed load: the indexes set aside built again, so that a caller that goes on in the
    transaction commits them; if that fails too (the connection lost), the transaction cannot
    commit either, and the load's own failure is the one raised."""
    try:
        rebuild_indexes(cur, dropped)
    except sqlite3.Error as exc:
        log.warning("building the indexes set aside after a failed load failed too: %s", exc)


def rebuild_indexes(cur, dropped: list[tuple[str, str, list]]) -> None:
    """The indexes ``indexes_set_aside`` dropped, built again with their statistics (if any)."""
    for _name, sql, kept in dropped:
        cur.execute(sql)
        if kept:
            cur.executemany("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)", kept)


def insert_new(session: Session, into: str, frame: pl.DataFrame) -> int:
    """SQLite: the rows of `frame` that conflict with no unique key, inserted by ``into``
    ("INSERT INTO table (columns)", a column for each of the frame's, in order) with ``ON
    CONFLICT DO NOTHING``, in one `executemany`; returns how many were inserted."""
    if dialect(session) != "sqlite":
        raise NotImplementedError("insert_new is SQLite's (PostgreSQL merges through COPY and a stage)")
    if not frame.height:
        return 0
    return _executemany(session, "", frame, into=into, conflict=" ON CONFLICT DO NOTHING")


def _executemany(session: Session, table: str, frame: pl.DataFrame, order: pl.Series | None = None,
                 into: str | None = None, conflict: str = "") -> int:
    """Rows inserted (the statements' own changes, not their triggers'). ``into``: the
    statement's "INSERT INTO table (columns)" if not the frame's own column names."""
    cur = _dbapi(session).cursor()
    constants = _constant_literals(cur, frame)
    columns = [c for c in frame.columns if c not in constants]
    # a column with one value in every row (the batch, its item, its times) is written into the
    # statement as SQLite's own literal of it: no Python value made and bound per row for it
    # (a 200,000-row records load 2.65 -> 2.26-2.45 s with 11 of its 24 columns constant)
    as_bytes = _bound_as_bytes(cur, frame, columns)
    marks = ", ".join(constants.get(c, "CAST(? AS TEXT)" if c in as_bytes else "?") for c in frame.columns)
    head = into or f"INSERT INTO {table} ({', '.join(frame.columns)})"
    sql = f"{head} VALUES ({marks}){conflict}"
    inserted = 0
    cache = _grown_cache(cur) if frame.height >= LOAD_CACHE_MIN_ROWS else None
    dropped = indexes_set_aside(cur, table, frame.height) if table else []

    def values(offset: int) -> list[list] | int:
        # each column to Python values at once, rows zipped in C: iter_rows built every cell
        # through polars' AnyValue, ~15% more client CPU (the same values and types)
        # dates and times as text a chunk at a time: for the whole of a 1M-row records load at
        # once the text columns were ~0.2 GB more at the batch's peak (beside its leaves)
        if not columns:
            return min(MANY_CHUNK_ROWS, frame.height - offset)
        chunk = _sqlite_values(_chunk(frame.select(columns), order, offset, MANY_CHUNK_ROWS))
        if as_bytes:
            chunk = chunk.with_columns(pl.col(sorted(as_bytes)).cast(pl.Binary))
        return [s.to_list() for s in chunk.get_columns()]

    def insert(made: list[list] | int) -> None:
        nonlocal inserted
        cur.executemany(sql, itertools.repeat((), made) if isinstance(made, int) else zip(*made))
        inserted += cur.rowcount

    try:
        # the next chunk's values are made in a thread while sqlite3 steps this one's rows (it
        # releases the GIL while SQLite inserts a row and its index entries)
        _made_ahead(values, range(0, frame.height, MANY_CHUNK_ROWS), insert, "rows")
    except BaseException:
        _rebuilt_after_failure(cur, dropped)   # the caller's transaction may go on
        raise
    else:
        rebuild_indexes(cur, dropped)
    finally:
        if cache is not None:
            cur.execute(f"PRAGMA cache_size={int(cache)}")
        cur.close()
    return inserted


# a text column whose values average this many UTF-8 bytes, beyond ASCII, is bound as its bytes
BYTES_BIND_MIN_BYTES = 128
BYTES_BIND_SAMPLE_ROWS = 1_000


def _bound_as_bytes(cur, frame: pl.DataFrame, columns: list[str]) -> set[str]:
    """The text columns (of ``columns``) bound as their UTF-8 bytes, which the statement casts
    back to TEXT (``CAST(? AS TEXT)``, in a database whose encoding is UTF-8, as SQLite makes
    one by default: the same text, of the same storage class, is stored; in another encoding
    none): those whose first rows average BYTES_BIND_MIN_BYTES bytes or more and hold
    characters beyond ASCII. For such a text, sqlite3 is handed a Python str decoded from
    polars' UTF-8 and encodes it back to bind it; a bytes object is a copy (a 1M-row records
    load, its fields' JSON bound so: 11.1-11.7 -> 9.7 s; its leaves 3.7-4.0 -> 3.3 s). Short or
    ASCII texts gain nothing and pay the cast: bound as they are."""
    texts = [c for c in columns if frame.schema[c] == pl.String]
    if not texts or cur.execute("PRAGMA encoding").fetchone()[0] != "UTF-8":
        return set()
    head = frame.select(texts).head(BYTES_BIND_SAMPLE_ROWS)
    sizes = head.select(*(pl.struct(n=pl.col(c).count(), b=pl.col(c).str.len_bytes().sum(),
                                    ch=pl.col(c).str.len_chars().sum()).alias(c) for c in texts)).row(0, named=True)
    return {c for c, v in sizes.items() if v["n"] and v["b"] >= BYTES_BIND_MIN_BYTES * v["n"] and v["b"] > v["ch"]}


INLINE_MAX_CHARS = 1_000   # a longer constant text is bound per row as before (no long statement text)


def _constant_literals(cur, frame: pl.DataFrame) -> dict[str, str]:
    """The columns of `frame` with one value in every row (of a frame of two rows or more), each
    as the SQL literal SQLite's ``quote()`` makes of the value the row would have bound: the same
    value and storage class stored. Only NULL, integers, texts (without NUL), dates, times and
    booleans: a REAL's literal may round."""
    kinds = {c for c, t in frame.schema.items()
             if t.is_integer() or t in (pl.String, pl.Null, pl.Date, pl.Boolean) or isinstance(t, pl.Datetime)}
    if frame.height < 2 or not kinds:
        return {}
    same = frame.select(pl.col(c).eq_missing(pl.col(c).first()).all() for c in kinds).row(0, named=True)
    constant = [c for c in frame.columns if same.get(c)]
    if not constant:
        return {}
    first = _sqlite_values(frame.select(constant).head(1)).row(0, named=True)
    out = {}
    for column in constant:
        value = first[column]
        if isinstance(value, str) and ("\0" in value or len(value) > INLINE_MAX_CHARS):
            continue
        out[column] = cur.execute("SELECT quote(?)", (value,)).fetchone()[0]
    return out


def _grown_cache(cur) -> int | None:
    """Raise the connection's page cache to LOAD_CACHE_KIB if it is smaller; its size before
    (None: left as it was)."""
    size = cur.execute("PRAGMA cache_size").fetchone()[0]
    kib = -size if size < 0 else size * cur.execute("PRAGMA page_size").fetchone()[0] // 1024
    if kib >= LOAD_CACHE_KIB:
        return None
    cur.execute(f"PRAGMA cache_size=-{LOAD_CACHE_KIB}")
    return size


def _sqlite_values(frame: pl.DataFrame) -> pl.DataFrame:
    """Store values the way SQLAlchemy's SQLite types read them back."""
    exprs = []
    for name, dtype in frame.schema.items():
        if dtype == pl.Date:
            exprs.append(pl.col(name).dt.strftime("%Y-%m-%d").alias(name))
        elif isinstance(dtype, pl.Datetime):
            exprs.append(pl.col(name).dt.strftime("%Y-%m-%d %H:%M:%S.%6f").alias(name))
        elif dtype == pl.Boolean:
            exprs.append(pl.col(name).cast(pl.Int8).alias(name))
    return frame.with_columns(exprs) if exprs else frame


def commit_checkpointing_beside(session: Session) -> concurrent.futures.Future | None:
    """Commit the session. SQLite in WAL mode: a commit that leaves the WAL past the connection's
    automatic checkpoint (``wal_autocheckpoint`` pages) copies every page of it into the
    database file before it returns (2.5-2.8 s after a 1M-row batch). Here that commit skips it, and
    the same PASSIVE checkpoint runs in a thread on a connection of its own, beside what the
    caller does next (the batch's outbox: sqlite3 releases the GIL while SQLite works); the
    caller waits for the returned future. The database's content is the same either way: a
    checkpoint only moves committed pages, and writers go on meanwhile. Elsewhere (PostgreSQL,
    an in-memory database, another journal mode) a plain commit, and None."""
    database = session.get_bind().url.database if dialect(session) == "sqlite" else None
    if not database or database == ":memory:" or database.startswith("file:"):
        session.commit()
        return None
    raw = dbapi_connection(session)
    every = raw.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
    if every <= 0 or raw.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        session.commit()
        return None
    raw.execute("PRAGMA wal_autocheckpoint=0")
    try:
        session.commit()
    finally:   # the connection, back in the pool, checkpoints as before from its next commit on
        raw.execute(f"PRAGMA wal_autocheckpoint={int(every)}")
    if _wal_bytes(database) < every * raw.execute("PRAGMA page_size").fetchone()[0]:
        return None
    pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="checkpoint")
    try:
        return pool.submit(_checkpoint, database)
    finally:
        pool.shutdown(wait=False)


def _wal_bytes(database: str) -> int:
    try:
        return os.path.getsize(f"{database}-wal")
    except OSError:
        return 0


def _checkpoint(database: str) -> None:
    try:
        con = sqlite3.connect(database, timeout=30, isolation_level=None)
        try:
            con.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        finally:
            con.close()
    except sqlite3.Error:   # nothing lost: the next commit past the threshold checkpoints
        logging.getLogger(__name__).exception("checkpoint beside the outbox failed")
