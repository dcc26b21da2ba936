"""Engine and sessions. The unit of work lives at the boundary (request, CLI command, sweep):
services only flush; `session_scope` commits or rolls back as a whole."""
from __future__ import annotations

import contextlib
import functools
import select
from collections.abc import Iterator

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from xinyong.config import get_settings
from xinyong.kit import pgarray  # noqa: F401  (array parameter dumpers, before any connection)


# the page size of a database file the platform creates (an existing file keeps its own: SQLite
# sets it only before the first table, and before WAL). A 200,000-row records load with every
# index: 2.07-2.16 s at SQLite's default 4096, 1.74-1.78 s at 16384 (fewer pages split and
# written), its commit's checkpoint too; a keyed read of a subject's records 21-22 -> 22-24 us
SQLITE_PAGE_SIZE = 16384


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA page_size={SQLITE_PAGE_SIZE}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


# libpq's TCP keepalives, sooner than the OS's 2 h: a server that vanished without closing
# (host down, connection dropped on the way) is noticed on idle pooled connections within ~1 min
KEEPALIVES = {"keepalives": "1", "keepalives_idle": "30", "keepalives_interval": "10", "keepalives_count": "3"}


def _replace_if_closed(dbapi_conn, _record, _proxy) -> None:
    """Disconnect safety at checkout without pool_pre_ping's round trip (a SELECT 1 before every
    request: ~0.1 ms of CPU and a network round trip). An idle connection has nothing to read;
    if its socket is readable, the server closed it (restart, pg_terminate_backend, idle
    timeout; or a keepalive found the peer gone) or sent something unasked. Either way the
    pool drops it and checks out a fresh one (DisconnectionError)."""
    try:
        poller = select.poll()
        poller.register(dbapi_conn.fileno(), select.POLLIN)
        ready = poller.poll(0)
    except (OSError, ValueError) as exc:
        raise DisconnectionError(f"pooled connection unusable: {exc}") from exc
    if ready:
        raise DisconnectionError("pooled connection closed by the server while idle")


def make_engine(url: str) -> Engine:
    """SQLite, or PostgreSQL; a PostgreSQL URL may list several hosts (`?host=a:5432&host=b:5432
    &target_session_attrs=read-write`): libpq connects to the first that takes writes, so after a
    failover new connections reach the promoted standby, and the checkout hook below drops the
    pooled connections the dead primary closed (docs/RELIABILITY.md)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    given = make_url(url).query
    connect = {k: v for k, v in KEEPALIVES.items() if k not in given}
    idle = get_settings().idle_in_transaction_seconds
    if idle and "options" not in given:
        # a session left idle inside its transaction (a client gone quiet, a bug) is ended by the
        # server: its row locks and the feed writer's announcement (xinyong.feed.repository: the
        # receivers' delivery horizon stops below it) are released, not held until a restart.
        # Set at connection start: no round trip. The longest pause of the platform's own inside
        # a transaction is seconds (a 1M-row batch validating a part between two statements)
        connect["options"] = f"-c idle_in_transaction_session_timeout={idle * 1000}"
    engine = create_engine(url, pool_size=10, max_overflow=20, connect_args=connect)
    event.listen(engine, "checkout", _replace_if_closed)
    return engine


@functools.lru_cache(maxsize=4)
def _engine_for(url: str) -> Engine:
    return make_engine(url)


def get_engine() -> Engine:
    return _engine_for(get_settings().database_url)


def get_read_engine() -> Engine:
    """The replica's engine for public reads (XINYONG_READ_DATABASE_URL), else the primary's."""
    settings = get_settings()
    return _engine_for(settings.read_database_url or settings.database_url)


def reset_engines() -> None:
    for engine in list(_engine_cache_values()):
        engine.dispose()
    _engine_for.cache_clear()
    _sessionmaker.cache_clear()


def _engine_cache_values():
    # lru_cache hides its values; re-create nothing, just dispose what a fresh call returns
    try:
        yield get_engine()
        if get_settings().read_database_url:
            yield get_read_engine()
    except Exception:  # settings may be invalid while resetting
        return


def session_factory(engine: Engine | None = None) -> sessionmaker[Session]:
    return _sessionmaker(engine or get_engine())


@functools.lru_cache(maxsize=8)
def _sessionmaker(engine: Engine) -> sessionmaker[Session]:
    # one per engine: a sessionmaker makes a Session subclass of its own, whose event dispatch
    # is assembled on first use (~0.12 ms, once per request when made per request)
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


@contextlib.contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    session = session_factory(engine)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def is_postgres(session_or_engine) -> bool:
    bind = session_or_engine.get_bind() if isinstance(session_or_engine, Session) else session_or_engine
    return bind.dialect.name == "postgresql"


# ---- kept statements on the driver's cursor (the hottest public reads, the rate-limit take) -------

class KeptStatement:
    """A Core statement compiled once per dialect and run on the DBAPI cursor of a SQLAlchemy
    ``Connection`` (or of a Session's): the same SQL and parameters SQLAlchemy would send, each
    result column typed by the same processor (the column's type, as SQLAlchemy picks it from
    the cursor's description), rows as named tuples (attributes named as the statement's
    columns). What ``Connection.execute`` rebuilds on every call — the execution context, the
    cursor result and its metadata, a Row per row — is skipped: about half of the CPU of the
    public profile's two statements and of the rate limiter's UPSERT (issue #14). A DBAPI error
    is handled by the Connection as it handles its own: wrapped as SQLAlchemy's (a dead server
    is an OperationalError), the connection invalidated when the server dropped it.

    For statements whose SQL does not change with the values (no IN-list expansion, no literal
    rendering at execution): checked when compiled."""

    def __init__(self, statement, name: str = "Row", returns_rows: bool = True):
        """``returns_rows``: whether the statement answers rows (a SELECT, a RETURNING) to fetch;
        known here, the cursor's description is read once, not on every call (the driver
        builds it anew at each reading: psycopg, a Python object per column)."""
        self.statement, self.name, self.returns_rows = statement, name, returns_rows
        self._kept: dict[object, tuple] = {}   # dialect -> (sql, defaults, bind processors, order, row type)
        self._results: dict[object, tuple] = {}   # dialect -> result processors (from the first description)

    def _compiled(self, dialect) -> tuple:
        kept = self._kept.get(dialect)
        if kept is None:
            import collections
            compiled = self.statement.compile(dialect=dialect)
            if compiled.literal_execute_params or compiled.post_compile_params or "POSTCOMPILE" in compiled.string:
                raise ValueError("a kept statement's SQL must not depend on its values")
            processors = dict(compiled._bind_processors)
            defaults = {k: (processors[k](v) if k in processors else v)
                        for k, v in compiled.construct_params(_check=False).items()}
            order = tuple(compiled.positiontup) if dialect.positional else None
            keys = [c[0] for c in compiled._result_columns]
            types = tuple(c[3] for c in compiled._result_columns)
            row = collections.namedtuple(self.name, keys, rename=True) if keys else None
            kept = self._kept[dialect] = (compiled.string, defaults, processors, order, row, types)
        return kept

    def rows(self, conn, values: dict) -> list:
        """Execute with ``values`` (bind names as in the statement) on ``conn`` (a Connection)
        and fetch every row."""
        def failed(exc, sql, params, cursor):
            conn._handle_dbapi_exception(exc, sql, params, cursor, None)   # raises it, handled

        return self._run(conn.dialect, lambda: conn.connection.cursor(), values, failed)

    def rows_on_driver(self, connection, dialect, values: dict) -> list:
        """As ``rows``, on a pooled DBAPI connection (``Engine.raw_connection()``) without a
        Connection around it: a driver's error raised as SQLAlchemy's (raise_driver_error)."""
        def failed(exc, sql, params, cursor):
            raise_driver_error(exc, dialect, connection, cursor, sql, params)

        return self._run(dialect, connection.cursor, values, failed)

    def _run(self, dialect, new_cursor, values: dict, failed) -> list:
        sql, defaults, processors, order, row, types = self._compiled(dialect)
        params = dict(defaults)
        for key, value in values.items():
            process = processors.get(key)
            params[key] = process(value) if process is not None else value
        if order is not None:
            params = [params[k] for k in order]
        cursor = None
        try:
            cursor = new_cursor()
            cursor.execute(sql, params)
            fetched = cursor.fetchall() if self.returns_rows else []
            results = self._results.get(dialect)
            if results is None and row is not None and fetched:
                results = self._results[dialect] = tuple(
                    t._cached_result_processor(dialect, d[1]) for t, d in zip(types, cursor.description))
            cursor.close()
        except BaseException as exc:
            failed(exc, sql, params, cursor)
            raise
        if row is None or not fetched:
            return fetched
        typed = [(i, p) for i, p in enumerate(results) if p is not None]
        if not typed:
            return [row._make(r) for r in fetched]
        out = []
        for r in fetched:
            r = list(r)
            for i, process in typed:
                r[i] = process(r[i])
            out.append(row._make(r))
        return out


def raise_driver_error(exc: BaseException, dialect, connection=None, cursor=None, statement=None, params=None):
    """Raise a driver's error as a Connection would: wrapped as SQLAlchemy's (OperationalError
    for a server out of reach), and the pooled ``connection`` invalidated when the server
    dropped it (the pool's checkout hook drops the other dead ones). Anything else as it is."""
    if not isinstance(exc, dialect.loaded_dbapi.Error):
        raise exc
    from sqlalchemy.exc import DBAPIError
    disconnect = dialect.is_disconnect(exc, connection, cursor)
    if disconnect and connection is not None:
        connection.invalidate(exc)
    raise DBAPIError.instance(statement, params, exc, dialect.loaded_dbapi.Error,
                              connection_invalidated=disconnect, dialect=dialect) from exc


def root_transaction_ended(session: Session) -> bool:
    """For Session ``after_commit`` / ``after_rollback`` listeners: whether the transaction that
    ended is the session's own, not a SAVEPOINT inside it (SQLAlchemy reports a savepoint's
    release and rollback through the same events). Work that needs the changes committed (signing
    a tree head, dropping a cache others will refill) must wait for the root. Every such listener
    asks it (tests/test_architecture.py)."""
    return session.get_nested_transaction() is None
