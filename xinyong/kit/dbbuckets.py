"""Rate-limit token buckets in the database, so that every web node (and every worker process
of each) takes from the same bucket: N nodes behind a proxy give a client one limit, not N.

One take is one statement, an UPSERT that refills the bucket, takes a token if there is one and
returns what is left, atomically (the row lock of ``ON CONFLICT DO UPDATE``; on SQLite, the
database's write lock):

    INSERT INTO rate_buckets (first take: burst - 1 tokens)
    ON CONFLICT (bucket) DO UPDATE SET tokens = refilled - 1 if refilled >= 1 else refilled, ...
    RETURNING tokens, granted

with ``refilled = min(burst, tokens + max(0, now - seen_at) * rate)``: the same arithmetic as
``xinyong.kit.ratelimit.take_one``, in double precision, so it decides exactly as the
in-process store. "now" is the database server's clock, one clock for every node however
their own clocks drift (a clock can be injected for tests). Rows are keyed hashes of the
limiter's namespace and the caller's key: no address or user id is stored. A bucket that has
refilled is the same as no bucket; every ``sweep_every`` takes a process deletes those.

Each take runs on its own pooled connection as one statement in autocommit mode: the statement
is its own transaction (atomic as before), sent in one round trip, on the driver's cursor
(xinyong.db.KeptStatement). In a transaction opened by the driver it cost three (BEGIN, the
UPSERT, COMMIT), on every public read (issue #14).

When the database cannot be reached for writing (the primary died and no standby has been
promoted yet), a take falls back to token buckets in this process's memory, with the same
limits, for DOWN_SECONDS before the database is tried again: the limit still holds, per node
rather than across nodes, and the public reads a standby can serve are not refused because the
shared counters are out of reach (docs/RELIABILITY.md "Load held").
"""
from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from xinyong.db import KeptStatement, raise_driver_error
from xinyong.kit.ratelimit import Clock, Decision, Limit, MemoryBucketStore

SWEEP_EVERY = 4096
BUCKETS_KEPT = 10_000   # callers' row keys kept in memory (forgotten all at once when full)
DOWN_SECONDS = 1.0
log = logging.getLogger(__name__)


def _refilled(dialect: str) -> str:
    lower, upper = ("least", "greatest") if dialect == "postgresql" else ("min", "max")
    return f"{lower}(CAST(:burst AS {_FLOAT[dialect]}), b.tokens + {upper}(0.0, excluded.seen_at - b.seen_at) * CAST(:rate AS {_FLOAT[dialect]}))"


_FLOAT = {"postgresql": "double precision", "sqlite": "REAL"}
_NOW = {"postgresql": "extract(epoch FROM now())::double precision",   # one value per statement
        "sqlite": "(julianday('now') - 2440587.5) * 86400.0"}


def take_statement(dialect: str):
    """The one statement of a take, for this database."""
    if dialect not in _FLOAT:
        raise ValueError(f"rate-limit buckets in the database need PostgreSQL or SQLite, not {dialect}")
    f, refilled = _FLOAT[dialect], _refilled(dialect)
    now = f"COALESCE(CAST(:now AS {f}), {_NOW[dialect]})"
    left = f"CASE WHEN {refilled} >= 1.0 THEN {refilled} - 1.0 ELSE {refilled} END"
    return text(f"""
        INSERT INTO rate_buckets AS b (bucket, tokens, seen_at, full_at, granted)
        VALUES (:bucket, CAST(:burst AS {f}) - 1.0, {now}, {now} + 1.0 / CAST(:rate AS {f}), true)
        ON CONFLICT (bucket) DO UPDATE SET
            tokens = {left},
            granted = {refilled} >= 1.0,
            seen_at = excluded.seen_at,
            full_at = excluded.seen_at + (CAST(:burst AS {f}) - ({left})) / CAST(:rate AS {f})
        RETURNING tokens, granted""")


def sweep_statement(dialect: str):
    """Delete the buckets that have refilled. On PostgreSQL rows another take holds are skipped,
    not waited for: two sweeps (or a sweep and takes) never wait on each other, so never deadlock."""
    f = _FLOAT[dialect]
    refilled = f"full_at <= COALESCE(CAST(:now AS {f}), {_NOW[dialect]})"
    if dialect == "postgresql":
        return text(f"DELETE FROM rate_buckets WHERE bucket IN "
                    f"(SELECT bucket FROM rate_buckets WHERE {refilled} FOR UPDATE SKIP LOCKED)")
    return text(f"DELETE FROM rate_buckets WHERE {refilled}")


class DatabaseBucketStore:
    """A ``BucketStore`` in the table ``rate_buckets`` of ``engine`` (default: the platform's
    database, looked up at each take, so reloaded settings are followed)."""

    waits_on_io = True   # a take is a round trip to the database: RateLimitMiddleware takes off the event loop

    def __init__(self, engine: Engine | None = None, clock: Clock | None = None, namespace: str = "",
                 sweep_every: int = SWEEP_EVERY):
        self._engine, self.clock, self.namespace = engine, clock, namespace
        self.sweep_every = sweep_every
        self._takes = 0
        self._lock = threading.Lock()
        self._statements: dict[str, tuple[KeptStatement, KeptStatement]] = {}
        self._buckets: tuple[object, dict[str, str]] = (None, {})   # (settings, caller's key -> row key)
        self._fallback = MemoryBucketStore()
        self._down_until = 0.0

    def engine(self) -> Engine:
        if self._engine is not None:
            return self._engine
        from xinyong.db import get_engine
        return get_engine()

    def _bucket(self, key: str) -> str:
        """The row's key: a keyed hash of the namespace and the caller's key, kept for the
        callers seen lately (one HMAC and a key derivation less on every public read) as long
        as the settings, and so the hash key, are the same."""
        from xinyong.config import get_settings
        settings = get_settings()
        kept = self._buckets
        if kept[0] is not settings:
            kept = self._buckets = (settings, {})
        bucket = kept[1].get(key)
        if bucket is None:
            from xinyong.kit.crypto import keyed_hash
            if len(kept[1]) >= BUCKETS_KEPT:
                kept[1].clear()
            bucket = kept[1][key] = keyed_hash(f"rate|{self.namespace}|{key}")
        return bucket

    def _statements_for(self, dialect: str) -> tuple[KeptStatement, KeptStatement]:
        """Run on the driver's cursor (db.KeptStatement): a take is on every public read."""
        if dialect not in self._statements:
            self._statements[dialect] = (KeptStatement(take_statement(dialect)),
                                         KeptStatement(sweep_statement(dialect), returns_rows=False))
        return self._statements[dialect]

    def take(self, key: str, limit: Limit) -> Decision:
        if time.monotonic() < self._down_until:
            return self._fallback.take(key, limit)
        try:
            return self._take(key, limit)
        except DBAPIError as exc:
            if not (exc.connection_invalidated or _unreachable(exc)):
                raise
            with self._lock:
                if time.monotonic() >= self._down_until:
                    log.warning("rate limits: the database is out of reach (%s); limiting per process for %.0f s",
                                type(exc.orig).__name__, DOWN_SECONDS)
                self._down_until = time.monotonic() + DOWN_SECONDS
            return self._fallback.take(key, limit)

    def _take(self, key: str, limit: Limit) -> Decision:
        engine = self.engine()
        dialect = engine.dialect
        take, sweep = self._statements_for(dialect.name)
        now = self.clock() if self.clock is not None else None
        params = {"bucket": self._bucket(key), "burst": float(limit.burst), "rate": limit.rate, "now": now}
        # a pooled driver connection in autocommit mode (put back as it was before it returns to
        # the pool): no Connection and its characteristics' bookkeeping around one statement
        try:
            raw = engine.raw_connection()
        except dialect.loaded_dbapi.Error as exc:
            raise_driver_error(exc, dialect)
        try:
            try:
                dialect.set_isolation_level(raw.dbapi_connection, "AUTOCOMMIT")
                (tokens, granted), = take.rows_on_driver(raw, dialect, params)
                if self._sweep_due():   # a transaction of its own, holding no bucket of a take
                    sweep.rows_on_driver(raw, dialect, {"now": now})
            finally:
                if raw.is_valid:
                    dialect.reset_isolation_level(raw.dbapi_connection)
        except dialect.loaded_dbapi.Error as exc:   # setting the mode: the statements raise SQLAlchemy's
            raise_driver_error(exc, dialect, raw)
        finally:
            raw.close()
        if granted:
            return Decision(True, remaining=int(tokens))
        return Decision(False, retry_after=(1.0 - tokens) / limit.rate)

    def _sweep_due(self) -> bool:
        with self._lock:
            self._takes += 1
            return self._takes % self.sweep_every == 0

    def __len__(self) -> int:
        """Buckets not yet refilled (for tests and diagnostics)."""
        engine = self.engine()
        f = _FLOAT[engine.dialect.name]
        with engine.connect() as conn:
            return int(conn.execute(text(f"SELECT count(*) FROM rate_buckets WHERE full_at > "
                                         f"COALESCE(CAST(:now AS {f}), {_NOW[engine.dialect.name]})"),
                                    {"now": self.clock() if self.clock else None}).scalar_one())


def _unreachable(exc: DBAPIError) -> bool:
    """No server to write to: refused, gone, or only a server in recovery (read-only)."""
    from sqlalchemy.exc import OperationalError
    if isinstance(exc, OperationalError):
        return True
    return "read-only transaction" in str(exc.orig)
