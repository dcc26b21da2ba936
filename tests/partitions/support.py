"""Helpers of the partition tests: months made on demand, plans read back as the relations they
scan, the statements a repository function really runs."""
from __future__ import annotations

import contextlib
import datetime as dt

from sqlalchemy import event, text

UTC = dt.timezone.utc


def make_months(conn, table: str, *months: tuple[int, int]) -> None:
    stamps = ", ".join(f"'{y:04d}-{m:02d}-01 00:00+00'" for y, m in months)
    conn.execute(text(f"SELECT partman.create_partition_time('public.{table}', ARRAY[{stamps}]::timestamptz[])"))


def partitions(conn, table: str) -> set[str]:
    return set(conn.execute(text("SELECT partition_tablename FROM partman.show_partitions(:p)"),
                            {"p": f"public.{table}"}).scalars())


@contextlib.contextmanager
def statements_on(engine, table: str, kinds: tuple[str, ...] = ("SELECT",)):
    """Every (SQL, parameters) sent to the server that reads ``table`` while the block runs (an
    INSERT ... SELECT among them when ``kinds`` holds "INSERT": one that reads the table)."""
    seen: list[tuple[str, object]] = []

    def grab(conn, cursor, statement, parameters, context, executemany):
        head = statement.lstrip().upper()
        reads = f"FROM {table}" in statement or f"JOIN {table}" in statement or head.startswith("SELECT")
        if table in statement and reads and head.startswith(kinds):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", grab)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", grab)


def scanned(engine, statement: str, parameters, table: str) -> set[str]:
    """The partitions of ``table`` the plan of ``statement`` reads."""
    with engine.connect() as conn:
        plan = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).scalar()
    found: set[str] = set()

    def walk(node: dict) -> None:
        name = node.get("Relation Name", "")
        if name == table or name.startswith(table + "_"):
            found.add(name)
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return found


def executed(engine, statement: str, parameters, table: str) -> set[str]:
    """The month partitions of ``table`` the statement really read, run under EXPLAIN ANALYZE:
    run-time pruning (a bound from an InitPlan or a join) leaves the pruned scans in the plan,
    never executed (0 loops)."""
    with engine.connect() as conn:
        plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters).scalar()
    found: set[str] = set()

    def walk(node: dict) -> None:
        name = node.get("Relation Name", "")
        if name.startswith(table + "_p") and node.get("Actual Loops", 0) > 0:
            found.add(name)
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return found
