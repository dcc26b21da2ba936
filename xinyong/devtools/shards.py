"""A province measured small: a coordinator and N shard clusters on loopback, records and their
subject-keyed satellites distributed by subject through postgres_fdw (docs/SCALING.md).

Layout, after the platform's own migrations have run on every node:
- shards: the full single-node schema (indexes, constraints), holding the rows of one hash
  partition of every distributed table, plus a copy of their own subjects and of the
  reference tables;
- coordinator: each DISTRIBUTED table is replaced by a table of the same columns and defaults
  ``PARTITION BY HASH (subject_id)`` whose partitions are foreign tables on the shards
  (``<table>_shard<i>``); ``subjects`` stays local (the directory that keeps USCC and
  resident-ID hashes unique across the province) and ``subjects_on_shards`` pushes each
  subject to the shard of its records (the same hash of the same bigint: subject ``s`` and
  every row with ``subject_id = s`` land on the same remainder).

What differs from the single-node schema, on the coordinator only (SCHEMA_DIFFERENCES): the
distributed parents carry no primary key, unique constraint or index (a partitioned table with
foreign partitions cannot; the shards keep them, unique per shard only), and foreign keys that
pointed at them are dropped. Citus is not packaged for Debian; this is the postgres_fdw path."""
from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

from sqlalchemy import text
from sqlalchemy.engine import Engine

from xinyong.db import make_engine

# table -> distribution column; all keyed by subject, so one subject's rows share a shard
DISTRIBUTED = {"records": "subject_id", "evaluation_results": "subject_id", "evaluation_contributions": "subject_id"}
# small, slowly changing tables every shard joins freely: copied to each shard whole
REFERENCE = ("agencies", "catalogue_entries", "calendar_years", "calendar_days")
# subject-keyed tables the evaluation reads that this layout keeps on the coordinator: a
# shard-local evaluation would miss their rows, so it refuses while they hold any
NOT_YET_DISTRIBUTED = ("list_entries", "commitments")
BATCH_SIZE = 1000   # postgres_fdw rows per remote INSERT (INSERT only; COPY goes row by row on PG 15)
SCHEMA_DIFFERENCES = (
    "distributed parents (records, evaluation_results, evaluation_contributions) have no PK, unique or index "
    "on the coordinator; each shard keeps them for its own rows (uq_records_source_decision is unique per shard)",
    "foreign keys referencing a distributed table are dropped on the coordinator",
    "subjects: the coordinator's table is the directory (global uniqueness); shards hold copies of their subjects, "
    "without the legal_rep_id foreign key (a representative may live on another shard)",
    "ON CONFLICT with a conflict target is not available on distributed tables; an UPDATE of subject_id that would "
    "move a row to another shard is refused by the shard's placement CHECK (ck_<table>_on_shard)",
)


class ShardError(RuntimeError):
    pass


@dataclasses.dataclass
class Province:
    coordinator: str
    shards: list[str]
    # (modulus, remainder) of the hash partition each shard holds; one modulus until a split
    bounds: list[tuple[int, int]] = dataclasses.field(default_factory=list)

    def __post_init__(self) -> None:
        self.bounds = self.bounds or [(len(self.shards), i) for i in range(len(self.shards))]

    @property
    def n(self) -> int:
        return len(self.shards)


def _libpq(url: str) -> dict:
    parts = urlsplit(url.replace("postgresql+psycopg://", "postgresql://"))
    return {"host": parts.hostname, "port": str(parts.port), "dbname": parts.path.lstrip("/"),
            "user": parts.username or "postgres"}


def distribute(province: Province) -> None:
    """Turn a migrated coordinator and migrated shards into the distributed layout."""
    coord = make_engine(province.coordinator)
    try:
        with coord.begin() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgres_fdw"))
            for i, url in enumerate(province.shards):
                _create_server(conn, i, url)
            for table, column in DISTRIBUTED.items():
                _distribute_table(conn, table, column, province.n)
            _subjects_on_shards(conn, province.n)
        for url in province.shards:
            _prepare_shard(url)
        for url, bound in zip(province.shards, province.bounds):
            place_check(url, bound)
        replicate_reference(province)
    finally:
        coord.dispose()


def _create_server(conn, i: int, url: str) -> None:
    p = _libpq(url)
    conn.execute(text(f"CREATE SERVER shard{i} FOREIGN DATA WRAPPER postgres_fdw OPTIONS "
                      f"(host '{p['host']}', port '{p['port']}', dbname '{p['dbname']}', "
                      f"fetch_size '10000', batch_size '{BATCH_SIZE}')"))
    conn.execute(text(f"CREATE USER MAPPING FOR CURRENT_USER SERVER shard{i} OPTIONS (user '{p['user']}')"))


def _distribute_table(conn, table: str, column: str, n: int) -> None:
    for (name, owner) in conn.execute(text(
            "SELECT conname, conrelid::regclass::text FROM pg_constraint WHERE contype = 'f' "
            "AND confrelid = CAST(:t AS regclass)"), {"t": table}).all():
        conn.execute(text(f'ALTER TABLE {owner} DROP CONSTRAINT "{name}"'))
    seqs = [r for r in conn.execute(text(
        "SELECT a.attname, pg_get_serial_sequence(:t, a.attname) FROM pg_attribute a "
        "WHERE a.attrelid = CAST(:t AS regclass) AND a.attnum > 0 AND NOT a.attisdropped"), {"t": table}).all() if r[1]]
    for _col, seq in seqs:
        conn.execute(text(f"ALTER SEQUENCE {seq} OWNED BY NONE"))
    conn.execute(text(f"CREATE TABLE {table}__dist (LIKE {table} INCLUDING DEFAULTS) PARTITION BY HASH ({column})"))
    conn.execute(text(f"DROP TABLE {table}"))
    conn.execute(text(f"ALTER TABLE {table}__dist RENAME TO {table}"))
    for col, seq in seqs:
        conn.execute(text(f"ALTER SEQUENCE {seq} OWNED BY {table}.{col}"))
    for i in range(n):
        conn.execute(text(f"CREATE FOREIGN TABLE {table}_shard{i} PARTITION OF {table} "
                          f"FOR VALUES WITH (MODULUS {n}, REMAINDER {i}) SERVER shard{i} "
                          f"OPTIONS (table_name '{table}')"))


def _subjects_on_shards(conn, n: int) -> None:
    conn.execute(text("CREATE TABLE subjects_on_shards (LIKE subjects) PARTITION BY HASH (id)"))
    for i in range(n):
        conn.execute(text(f"CREATE FOREIGN TABLE subjects_shard{i} PARTITION OF subjects_on_shards "
                          f"FOR VALUES WITH (MODULUS {n}, REMAINDER {i}) SERVER shard{i} "
                          f"OPTIONS (table_name 'subjects')"))


def _prepare_shard(url: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:   # a legal representative may be a subject of another shard
            for (name,) in conn.execute(text(
                    "SELECT conname FROM pg_constraint WHERE contype = 'f' AND conrelid = 'subjects'::regclass")):
                conn.execute(text(f'ALTER TABLE subjects DROP CONSTRAINT "{name}"'))
    finally:
        engine.dispose()


# shard table -> distribution column: what each shard holds by hash, checked on the shard itself
ON_SHARD = {**DISTRIBUTED, "subjects": "id"}
ROUTE = "shard_route"   # a hash-partitioned helper on each shard: the coordinator's hash, computed there


def place_check(url: str, bound: tuple[int, int]) -> None:
    """Make each shard refuse rows that are not its own: a CHECK that the distribution column
    falls in the shard's (modulus, remainder). A foreign partition's bound is not enforced by the
    coordinator (an UPDATE of subject_id pushed down to the shard would leave the row on the
    wrong shard, silently); the shard enforces it instead."""
    m, r = bound
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            if not conn.execute(text(f"SELECT to_regclass('{ROUTE}')")).scalar():
                conn.execute(text(f"CREATE TABLE {ROUTE} (k bigint) PARTITION BY HASH (k)"))
            for table, column in ON_SHARD.items():
                conn.execute(text(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS ck_{table}_on_shard"))
                conn.execute(text(f"ALTER TABLE {table} ADD CONSTRAINT ck_{table}_on_shard CHECK "
                                  f"(satisfies_hash_partition('{ROUTE}'::regclass, {m}, {r}, {column}))"))
    finally:
        engine.dispose()


def replicate_reference(province: Province, tables: tuple[str, ...] = REFERENCE) -> dict[str, int]:
    """Copy each reference table whole to every shard (delete + insert in one transaction per
    shard, through foreign tables imported into a schema per shard). Returns rows per table."""
    coord = make_engine(province.coordinator)
    counts: dict[str, int] = {}
    try:
        with coord.begin() as conn:
            present = [t for t in tables if conn.execute(text("SELECT to_regclass(:t)"), {"t": t}).scalar()]
            for i in range(province.n):
                conn.execute(text(f"DROP SCHEMA IF EXISTS ref_shard{i} CASCADE"))
                conn.execute(text(f"CREATE SCHEMA ref_shard{i}"))
                conn.execute(text(f"IMPORT FOREIGN SCHEMA public LIMIT TO ({', '.join(present)}) "
                                  f"FROM SERVER shard{i} INTO ref_shard{i}"))
                for t in reversed(present):
                    conn.execute(text(f"DELETE FROM ref_shard{i}.{t}"))
                for t in present:
                    counts[t] = conn.execute(text(f"INSERT INTO ref_shard{i}.{t} SELECT * FROM {t}")).rowcount
    finally:
        coord.dispose()
    return counts


def push_subjects(province: Province) -> int:
    """Copy the coordinator's subjects that no shard holds yet to the shard of their id (the
    ingest resolves subjects in the directory; in production it would write the shard copy in
    the same transaction). Returns subjects pushed."""
    coord = make_engine(province.coordinator)
    try:
        with coord.begin() as conn:
            upto = conn.execute(text("SELECT coalesce(max(id), 0) FROM subjects_on_shards")).scalar()
            return conn.execute(text("INSERT INTO subjects_on_shards SELECT * FROM subjects WHERE id > :u"),
                                {"u": upto}).rowcount
    finally:
        coord.dispose()


def shard_of(province: Province, subject_ids: list[int]) -> dict[int, int]:
    """{subject id: shard} by the coordinator's own hash partitioning (satisfies_hash_partition)."""
    coord = make_engine(province.coordinator)
    try:
        with coord.connect() as conn:
            tests = " ".join(f"WHEN satisfies_hash_partition('records'::regclass, {m}, {r}, s) THEN {i}"
                             for i, (m, r) in enumerate(province.bounds))
            rows = conn.execute(text(f"SELECT s, CASE {tests} END FROM unnest(CAST(:ids AS bigint[])) s"),
                                {"ids": list(subject_ids)}).all()
    finally:
        coord.dispose()
    return {int(s): int(k) for s, k in rows}


def evaluate_by_shard(province: Province, *, as_of=None, trigger: str = "shards") -> dict:
    """A full evaluation run, shard by shard: the run is opened on the coordinator, each shard
    computes its own subjects' contributions and results locally (the platform's compute_scope
    over the shard's subject bounds, all shards at once), and the run is closed with the totals.
    The results are read back through the coordinator's distributed evaluation tables."""
    from xinyong import clock
    from xinyong.db import session_scope
    from xinyong.evaluation import repository, service
    from xinyong.evaluation.repository import Scope
    from xinyong.models.evaluation import EvaluationRun

    as_of = as_of or clock.today()
    coord = make_engine(province.coordinator)
    try:
        _refuse_undistributed(coord)
    except ShardError:
        coord.dispose()
        raise
    started = time.perf_counter()
    with session_scope(coord) as session:
        model = service.model_in_force(as_of).model
        run_id = service.open_run(session, model, "full", trigger, as_of, None).id
    now = clock.now()

    def one(url: str) -> dict:
        engine = make_engine(url)
        try:
            t = time.perf_counter()
            with session_scope(engine) as s:
                lo, hi = repository.subject_bounds(s)
                subjects, contributions = service.compute_scope(s, model, Scope.subject_range(lo, hi), as_of,
                                                                run_id, now)
            return {"subjects": subjects, "contributions": contributions, "seconds": time.perf_counter() - t}
        finally:
            engine.dispose()

    with ThreadPoolExecutor(max_workers=province.n) as pool:
        per_shard = list(pool.map(one, province.shards))
    with session_scope(coord) as session:
        run = session.get(EvaluationRun, run_id)
        run.subjects = sum(p["subjects"] for p in per_shard)
        run.contributions = sum(p["contributions"] for p in per_shard)
        service.finish_run(session, run, started, None)
        out = {"run_id": run_id, "model_version": model.version, "subjects": run.subjects,
               "contributions": run.contributions, "seconds": run.seconds, "per_shard": per_shard}
    coord.dispose()
    return out


def _refuse_undistributed(coord: Engine) -> None:
    with coord.connect() as conn:
        for table in NOT_YET_DISTRIBUTED:
            if conn.execute(text("SELECT to_regclass(:t)"), {"t": table}).scalar() and conn.execute(
                    text(f"SELECT EXISTS (SELECT 1 FROM {table})")).scalar():
                raise ShardError(f"{table} holds rows on the coordinator; this layout does not distribute it yet, "
                                 f"so a shard-local evaluation would not count them")


def explain(url: str, sql: str, params: dict | None = None) -> str:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return "\n".join(r[0] for r in conn.execute(text(f"EXPLAIN (VERBOSE, COSTS OFF) {sql}"), params or {}))
    finally:
        engine.dispose()


@contextlib.contextmanager
def loopback_province(n_shards: int = 2, settings: dict[str, str] | None = None) -> Iterator[Province]:
    """Start a coordinator and ``n_shards`` shard clusters on loopback, run the platform's
    migrations on each, distribute; stop and delete them all on exit."""
    from xinyong.devtools.pgcluster import throwaway_cluster
    from xinyong.migrate import upgrade

    with contextlib.ExitStack() as stack:
        urls = [stack.enter_context(throwaway_cluster(dbname="xinyong", settings=settings))
                for _ in range(n_shards + 1)]
        for url in urls:   # one after the other: Alembic's environment is not thread-safe
            upgrade(url)
        province = Province(coordinator=urls[0], shards=urls[1:])
        distribute(province)
        yield province


def profile_read_plan(url: str, subject_id: int, today) -> str:
    """EXPLAIN of the platform's profile read (xinyong.disclosure.repository.public_records) for
    one subject, with its values inlined as the planner sees them."""
    from sqlalchemy.dialects import postgresql

    from xinyong.disclosure.repository import public_records_statement
    sql = str(public_records_statement(subject_id, today).compile(dialect=postgresql.dialect(),
                                                                  compile_kwargs={"literal_binds": True}))
    return explain(url, sql)


if __name__ == "__main__":  # manual use: python -m xinyong.devtools.shards [n_shards]
    import signal
    import sys

    with loopback_province(int(sys.argv[1]) if len(sys.argv) > 1 else 2) as p:
        print(f"coordinator {p.coordinator}", flush=True)
        for i, url in enumerate(p.shards):
            print(f"shard{i}      {url}", flush=True)
        signal.pause()
