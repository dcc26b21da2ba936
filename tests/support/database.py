"""Emptying a migrated database: every table, identities restarted. One helper for the suite's
db fixture (tests/conftest.py) and the crash trials between trials (tests/faults/state.py).

On PostgreSQL a TRUNCATE of every table gives each table and index a new file: ~0.2 s before
every test on the PostgreSQL backend. Only the tables holding rows are truncated (one query of
EXISTS probes finds them), and the identity sequences of all of them restarted, as
`TRUNCATE … RESTART IDENTITY` of every table did (an insert rolled back advances a sequence
and leaves its table empty)."""
from __future__ import annotations

import contextlib

from sqlalchemy import text
from sqlalchemy.engine import Engine


def tables_in_delete_order() -> tuple[str, ...]:
    from xinyong.models import Base
    return tuple(t.name for t in reversed(Base.metadata.sorted_tables))


def empty(engine: Engine, tables: tuple[str, ...] | None = None) -> None:
    tables = tables or tables_in_delete_order()
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            probe = " UNION ALL ".join(f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM {t})" for t in tables)
            holding = list(conn.scalars(text(probe)))
            if holding:
                conn.execute(text(f"TRUNCATE {', '.join(holding)} CASCADE"))
            conn.execute(text(
                "SELECT setval(s.oid::regclass, 1, false) FROM pg_class s "
                "JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid AND d.deptype IN ('a', 'i') "
                "JOIN pg_class t ON t.oid = d.refobjid "
                "WHERE s.relkind = 'S' AND t.relname = ANY(:tables) AND t.relnamespace = s.relnamespace "
                "AND s.relnamespace = to_regnamespace(current_schema())::oid"), {"tables": list(tables)})
        else:
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))
            with contextlib.suppress(Exception):
                conn.execute(text("DELETE FROM sqlite_sequence"))
