"""The rules every catalogue item's rows go through, property-tested over the catalogue itself
(issue 15 point 1): each code table takes its codes and sends anything else back; the severity
an item's rule derives is the explicit class when sent, else the most severe class of its kinds,
else the rule's default; a window of an item whose publicity rule runs `until: valid_to` is the
one the scalar rule gives. Pure: no database."""
from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.catalogue.test_every_item import valid_row
from xinyong.catalogue import get_catalogue
from xinyong.disclosure.rules import item_publicity_frame, licence_publicity, rule_shape
from xinyong.ingest.rules import validate
from xinyong.ingest.severity import RANK
from xinyong.law import get_profile

PROFILE = get_profile("quanzhou")
RECEIVED = dt.date(2026, 9, 1)
AGENCY = "11350500MB1234567X"
INGESTIBLE = get_catalogue().ingestible
CODED = [(i.code, f.code) for i in INGESTIBLE for f in i.fields
         if f.codes and f.role not in ("subject_kind", "subject_id_type", "legal_rep_id_type")]
SEVERE = [i.code for i in INGESTIBLE if i.severity_rule]
UNTIL = [i.code for i in INGESTIBLE if i.publicity_rule
         and rule_shape(PROFILE.versions(i.publicity_rule)[0]) == "valid_to" and i.field_by_role("valid_to")]


def _frame(rows: list[dict[str, str]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={h: pl.String for h in rows[0]})


def _agency_uscc() -> str:
    from tests.support.builders import valid_agency_uscc
    return valid_agency_uscc()


def _validated(item, row):
    return validate(_frame([row]), item, PROFILE, RECEIVED)


@pytest.mark.parametrize("code", [i.code for i in INGESTIBLE])
def test_every_code_of_every_table_is_taken(code):
    """One row per code of the item's longest table, every other table cycling through its codes."""
    item = get_catalogue().get(code)
    tables = [item.field(f) for c, f in CODED if c == code]
    size = max((len(f.codes) + len(f.value_aliases) for f in tables), default=1)
    rows = []
    for n in range(size):
        row = valid_row(item, n + 1, _agency_uscc())
        for f in tables:
            accepted = f.codes + tuple(f.value_aliases)
            row[f.header_zh] = accepted[n % len(accepted)]
        rows.append(row)
    out = validate(_frame(rows), item, PROFILE, RECEIVED)
    assert (out.accepted.height, out.rejections.height) == (size, 0), out.rejections.to_dicts()


@settings(max_examples=80, deadline=None)
@given(pair=st.sampled_from(CODED), data=st.data())
def test_a_code_table_takes_its_codes_and_returns_anything_else(pair, data):
    code, field = pair
    item = get_catalogue().get(code)
    f = item.field(field)
    row = valid_row(item, 1, _agency_uscc())
    if f.multiple:
        chosen = data.draw(st.lists(st.sampled_from(f.codes), min_size=1, max_size=3, unique=True))
        sep = data.draw(st.sampled_from(["、", ";", "；", ",", " "]))
        row[f.header_zh] = sep.join(chosen)
    else:
        row[f.header_zh] = data.draw(st.sampled_from(f.codes + tuple(f.value_aliases)))
    ok = _validated(item, row)
    assert (ok.accepted.height, ok.rejections.height) == (1, 0), ok.rejections.to_dicts()
    wrong = data.draw(st.text(alphabet=st.characters(categories=("Lo", "Nd")), min_size=1,
                              max_size=min(6, f.max_length or 6))
                      .filter(lambda v: v not in f.codes and v not in f.value_aliases))
    row[f.header_zh] = wrong
    bad = _validated(item, row)
    assert bad.accepted.height == 0
    assert (bad.rejections["field"].to_list(), bad.rejections["reason_code"].to_list()) == (
        [f.header_zh], ["not_in_code_table"])


def _expected(item, kinds: list[str], explicit: str | None) -> str | None:
    if explicit:
        return item.field_by_role("explicit_severity").meanings[explicit]
    value = PROFILE.rule(item.severity_rule, on=RECEIVED - dt.timedelta(days=30)).value
    table = value.get("kinds") or {}
    ranks = [RANK[table.get(k, table.get("其他"))] for k in kinds if table.get(k, table.get("其他"))]
    if ranks:
        return {v: k for k, v in RANK.items()}[max(ranks)]
    return value.get("default")


@pytest.mark.parametrize("code", SEVERE)
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_the_severity_is_stated_else_derived_from_kinds_else_the_items_class(code, data):
    item = get_catalogue().get(code)
    row = valid_row(item, 1, _agency_uscc())
    kinds_f, explicit_f = item.field_by_role("penalty_kinds"), item.field_by_role("explicit_severity")
    kinds = data.draw(st.lists(st.sampled_from(kinds_f.codes), min_size=1, max_size=3, unique=True)) if kinds_f else []
    if kinds_f:
        row[kinds_f.header_zh] = "、".join(kinds)
    if item.field_by_role("fine_wan"):
        row[item.field_by_role("fine_wan").header_zh] = ""
    explicit = data.draw(st.sampled_from(explicit_f.codes) if explicit_f.required
                         else st.one_of(st.none(), st.sampled_from(explicit_f.codes)))
    row[explicit_f.header_zh] = explicit or ""
    out = _validated(item, row)
    assert out.rejections.height == 0, out.rejections.to_dicts()
    got = out.accepted.row(0, named=True)
    assert got["severity"] == _expected(item, kinds, explicit)
    if got["severity"] is not None:   # an undetermined severity (no kinds, no default, none stated) has no basis
        assert got["severity_basis"].startswith("explicit" if explicit else "derived")


DAYS = st.dates(dt.date(2019, 1, 1), dt.date(2026, 8, 31))


@pytest.mark.parametrize("code", UNTIL)
@settings(max_examples=40, deadline=None)
@given(decided=DAYS, valid=st.one_of(st.none(), st.integers(-400, 2000), st.just("long")))
def test_a_valid_to_window_is_the_scalar_rules_window(code, decided, valid):
    item = get_catalogue().get(code)
    valid_to = (None if valid is None else dt.date(2099, 12, 31) if valid == "long"
                else decided + dt.timedelta(days=valid))
    frame = pl.DataFrame({"decision_date": [decided], "valid_to": [valid_to], "severity": [None],
                          "fields_json": ["{}"]},
                         schema={"decision_date": pl.Date, "valid_to": pl.Date, "severity": pl.String,
                                 "fields_json": pl.String})
    row = item_publicity_frame(frame, PROFILE, item.publicity_rule, RECEIVED).row(0, named=True)
    scalar = licence_publicity(decided, valid_to, PROFILE, item.publicity_rule)
    assert (row["publicity_published"], row["publicity_start"], row["publicity_end"]) == (
        scalar.published, scalar.start, scalar.end)
    assert row["publicity_citation"] == str(scalar.citation)
