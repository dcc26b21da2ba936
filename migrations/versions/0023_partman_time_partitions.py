"""Time partitioning of what only grows (issue 16 point 6): on PostgreSQL the access log, the
audit log, the history and the feed events become tables partitioned by month on their time
column, managed by pg_partman; the rows already there move into the partitions with their ids,
and the id sequences stay (their ownership moves to the new table). SQLite stays unpartitioned.

A partitioned table's primary key and unique constraints must hold its partition key, so
pk (id) becomes pk (id, <time>) and the audit log's unique (chain, seq) becomes (chain, seq, at):
ids still come from one sequence, and a chain's seq stays unique because an entry is appended
only under its chain head's row lock (xinyong.audit.repository.append). No foreign key points
at these tables; theirs (to users, agencies, batches) are recreated on the new table.

Revision ID: 0023_partman
Revises: 0022_pdfen
"""
from __future__ import annotations

import re

from alembic import op
from sqlalchemy import text

revision = "0023_partman"
down_revision = "0022_pdfen"
branch_labels = None
depends_on = None

# table -> its partition key (the time it was written); kept in step with xinyong.partitions.rules
TABLES = {"access_log": "at", "audit_log": "at", "history": "changed_at", "feed_events": "created_at"}
PREMAKE = 4   # months created ahead of the current one; the worker's daily maintenance keeps it so


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    if conn.execute(text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_partman'")).first() is None:
        raise RuntimeError("PostgreSQL lacks the pg_partman extension: install postgresql-<major>-partman "
                           "(scripts/setup.sh does) and run the migration again")
    conn.execute(text("CREATE SCHEMA IF NOT EXISTS partman"))
    conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_partman SCHEMA partman"))
    for table, key in TABLES.items():
        _partition(conn, table, key)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    for table, key in TABLES.items():
        _unpartition(conn, table, key)


def _definitions(conn, table: str) -> tuple[list[tuple[str, str, str]], list[str]]:
    """(name, kind, definition) of the table's constraints, and its other indexes' DDL."""
    constraints = [(r.conname, r.contype, r.def_) for r in conn.execute(text(
        "SELECT conname, contype, pg_get_constraintdef(oid) AS def_ FROM pg_constraint "
        "WHERE conrelid = CAST(:t AS regclass) AND contype IN ('p', 'u', 'f', 'c') ORDER BY conname"), {"t": table})]
    indexes = list(conn.execute(text(
        "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = CAST(:t AS regclass) AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1"), {"t": table}).scalars())
    return constraints, indexes


def _with_key(definition: str, key: str, present: bool) -> str:
    """PRIMARY KEY (id) -> PRIMARY KEY (id, at) (present=True), and back (present=False)."""
    head, cols = re.match(r"^(PRIMARY KEY|UNIQUE) \((.*)\)$", definition).groups()
    names = [c.strip() for c in cols.split(",") if c.strip() != key]
    return f"{head} ({', '.join(names + [key] if present else names)})"


def _restore(conn, table: str, key: str, constraints, indexes, partitioned: bool) -> None:
    for name, kind, definition in constraints:
        if kind in ("p", "u"):
            definition = _with_key(definition, key, partitioned)
        conn.execute(text(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'))
    for ddl in indexes:
        conn.execute(text(ddl))


def _partition(conn, table: str, key: str) -> None:
    if conn.execute(text("SELECT relkind FROM pg_class WHERE oid = CAST(:t AS regclass)"),
                    {"t": table}).scalar() == "p":
        return   # already partitioned (a database converted by hand, or a second run)
    constraints, indexes = _definitions(conn, table)
    old = f"{table}_unpartitioned"
    conn.execute(text(f"ALTER TABLE {table} RENAME TO {old}"))
    conn.execute(text(f"CREATE TABLE {table} (LIKE {old} INCLUDING DEFAULTS INCLUDING STORAGE) "
                      f"PARTITION BY RANGE ({key})"))
    start = conn.execute(text(f"SELECT to_char(date_trunc('month', coalesce(min({key}), now())), 'YYYY-MM-DD') "
                              f"FROM {old}")).scalar()
    conn.execute(text("SELECT partman.create_parent(:parent, :key, 'native', 'monthly', p_premake := :premake, "
                      "p_start_partition := :start, p_jobmon := false)"),
                 {"parent": f"public.{table}", "key": key, "premake": PREMAKE, "start": start})
    conn.execute(text("UPDATE partman.part_config SET infinite_time_partitions = true, retention = NULL "
                      "WHERE parent_table = :p"), {"p": f"public.{table}"})
    conn.execute(text(f"INSERT INTO {table} SELECT * FROM {old}"))
    conn.execute(text(f"ALTER SEQUENCE {table}_id_seq OWNED BY {table}.id"))
    conn.execute(text(f"DROP TABLE {old}"))
    _restore(conn, table, key, constraints, indexes, partitioned=True)
    # rows later than the months made ahead wait in the default partition: give them their own
    conn.execute(text("SELECT partman.partition_data_time(:p, p_batch_count := 100000, p_analyze := false)"),
                 {"p": f"public.{table}"})
    # its work table lives until commit and has this table's columns: the next table needs its own
    conn.execute(text("DROP TABLE IF EXISTS partman_temp_data_storage"))


def _unpartition(conn, table: str, key: str) -> None:
    if conn.execute(text("SELECT relkind FROM pg_class WHERE oid = CAST(:t AS regclass)"),
                    {"t": table}).scalar() != "p":
        return
    constraints, indexes = _definitions(conn, table)
    old = f"{table}_partitioned"
    conn.execute(text(f"ALTER TABLE {table} RENAME TO {old}"))
    conn.execute(text(f"CREATE TABLE {table} (LIKE {old} INCLUDING DEFAULTS INCLUDING STORAGE)"))
    conn.execute(text(f"INSERT INTO {table} SELECT * FROM {old}"))
    conn.execute(text(f"ALTER SEQUENCE {table}_id_seq OWNED BY {table}.id"))
    conn.execute(text(f"DROP TABLE {old} CASCADE"))
    conn.execute(text("DELETE FROM partman.part_config WHERE parent_table = :p"), {"p": f"public.{table}"})
    conn.execute(text(f"DROP TABLE IF EXISTS partman.template_public_{table}"))
    _restore(conn, table, key, constraints, indexes, partitioned=False)
