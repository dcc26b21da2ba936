"""Array parameters rendered in one pass (xinyong.kit.pgarray) reach PostgreSQL as the same
`bigint[]` / `text[]` values psycopg's list dumper sends, whatever the characters."""
import polars as pl
import pytest
from sqlalchemy import text

from xinyong.kit import pgarray

AWKWARD = ["泉市监罚〔2024〕1号", 'a "quoted" one', "back\\slash", "comma, {brace}", " padded ", "", "NULL",
           None, "tab\tand\nnewline"]


@pytest.mark.parametrize("backend", ["postgresql"])
def test_text_array_round_trip(session):
    got = session.execute(text("SELECT CAST(:v AS text[])"), {"v": pgarray.text_array(pl.Series(AWKWARD))}).scalar()
    assert got == AWKWARD
    assert session.execute(text("SELECT CAST(:v AS text[])"),
                           {"v": pgarray.text_array(pl.Series([], dtype=pl.Utf8))}).scalar() == []


@pytest.mark.parametrize("backend", ["postgresql"])
def test_id_list_is_bound_as_bigint_array(session):
    ids = pgarray.IdList([1, 2, 3, 2**40])
    assert session.execute(text("SELECT pg_typeof(:v)::text, :v"), {"v": ids}).one() == ("bigint[]", [1, 2, 3, 2**40])
    assert session.execute(text("SELECT 3 = ANY(CAST(:v AS bigint[]))"), {"v": ids}).scalar() is True
    assert session.execute(text("SELECT CAST(:v AS bigint[])"), {"v": pgarray.IdList()}).scalar() == []
