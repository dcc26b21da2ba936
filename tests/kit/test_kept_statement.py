"""Kept statements run on the driver's cursor (xinyong.db.KeptStatement, issue #14): the rows
are what Connection.execute gives, typed the same; a driver's error is SQLAlchemy's, and the
connection stays usable. Both backends."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Date, Integer, bindparam, literal, select, text
from sqlalchemy.exc import DBAPIError

from xinyong.db import KeptStatement


def test_rows_are_the_connections_rows_typed_the_same(db):
    """A date goes in and comes back a date on SQLite too (text in the database: the type's
    processors both ways), a constant of the statement is sent with it."""
    stmt = select(bindparam("day", type_=Date()).label("day"), (bindparam("n", type_=Integer()) + 1).label("n"),
                  literal("fixed").label("word"))
    values = {"day": dt.date(2026, 12, 5), "n": 41}
    kept = KeptStatement(stmt)
    with db.connect() as conn:
        expected = conn.execute(stmt, values).all()
        for _ in range(2):   # the first call reads the description, the next ones reuse it
            rows = kept.rows(conn, values)
            assert [tuple(r) for r in rows] == [tuple(r) for r in expected] == [(dt.date(2026, 12, 5), 42, "fixed")]
            assert rows[0].day == dt.date(2026, 12, 5) and rows[0].n == 42


def test_a_drivers_error_is_sqlalchemys_and_the_connection_goes_on(db):
    with db.connect() as conn:
        with pytest.raises(DBAPIError):
            KeptStatement(select(text("x")).select_from(text("no_such_table"))).rows(conn, {})
        conn.rollback()
        assert [tuple(r) for r in KeptStatement(select(literal(1).label("one"))).rows(conn, {})] == [(1,)]


def test_a_statement_whose_sql_depends_on_its_values_is_refused(db):
    stmt = select(literal(1).label("one")).where(literal(1).in_(bindparam("many", expanding=True)))
    with db.connect() as conn, pytest.raises(ValueError):
        KeptStatement(stmt).rows(conn, {"many": [1, 2]})
