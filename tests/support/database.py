"""Emptying a migrated database: every table, identities restarted. One helper for the suite's
db fixture (tests/conftest.py) and the crash trials between trials (tests/faults/state.py)."""
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
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))
            with contextlib.suppress(Exception):
                conn.execute(text("DELETE FROM sqlite_sequence"))
