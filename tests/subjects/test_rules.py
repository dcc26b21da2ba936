"""Subject kind from the USCC registration authority (GB 32100)."""
from __future__ import annotations

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from xinyong.subjects.rules import kind_from_uscc, kind_from_uscc_expr


def test_examples():
    assert kind_from_uscc("11350500003612345X", "legal_person") == "public_body"
    assert kind_from_uscc("92350500MA31ABCD1X", "legal_person") == "individual_business"
    assert kind_from_uscc("91350500MA31ABCD1X", "legal_person") == "legal_person"
    assert kind_from_uscc(None, "natural_person") == "natural_person"


@given(st.lists(st.tuples(st.one_of(st.none(), st.text(alphabet="0123456789AB", min_size=0, max_size=18)),
                          st.sampled_from(["legal_person", "natural_person", "individual_business"])),
                max_size=30))
def test_vectorised_rule_agrees_with_the_scalar_rule(pairs):
    frame = pl.DataFrame({"u": [p[0] for p in pairs], "k": [p[1] for p in pairs]},
                         schema={"u": pl.Utf8, "k": pl.Utf8})
    got = frame.select(kind_from_uscc_expr(pl.col("u"), pl.col("k")).alias("x"))["x"].to_list()
    assert got == [kind_from_uscc(u, k) for u, k in pairs]
