"""Publicity windows: the period in force on the decision date, half-open windows, and the
vectorised frame functions agreeing with the scalar ones."""
from __future__ import annotations

import datetime as dt
import textwrap

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.disclosure.rules import (
    OUTPUT_COLUMNS,
    PublicityDecision,
    add_months,
    is_public,
    is_public_expr,
    licence_publicity,
    licence_publicity_frame,
    penalty_publicity,
    penalty_publicity_frame,
)
from xinyong.law import RuleNotInForce, get_profile, load_profile

D = dt.date
QZ = get_profile("quanzhou")
FZ = get_profile("fuzhou")
SEVERITIES = ["minor", "general", "serious"]
dates = st.dates(min_value=D(2015, 1, 1), max_value=D(2030, 12, 31))


# --- month arithmetic -----------------------------------------------------------------------

@pytest.mark.parametrize("day, months, expected", [
    (D(2026, 1, 31), 1, D(2026, 2, 28)),
    (D(2024, 1, 31), 1, D(2024, 2, 29)),
    (D(2024, 2, 29), 12, D(2025, 2, 28)),
    (D(2026, 3, 31), 3, D(2026, 6, 30)),
    (D(2026, 11, 30), 3, D(2027, 2, 28)),
    (D(2026, 5, 3), 0, D(2026, 5, 3)),
])
def test_add_months_clamps_to_the_end_of_the_month(day, months, expected):
    assert add_months(day, months) == expected


@settings(max_examples=300, deadline=None)
@given(days=st.lists(dates, min_size=1, max_size=40), months=st.integers(0, 48))
def test_add_months_agrees_with_polars_offset_by(days, months):
    frame = pl.DataFrame({"d": days}, schema={"d": pl.Date})
    shifted = frame.select(pl.col("d").dt.offset_by(f"{months}mo")).to_series().to_list()
    assert shifted == [add_months(day, months) for day in days]


# --- penalties: the rule in force on the decision date ---------------------------------------

def test_general_penalty_on_each_side_of_2026_04_01():
    old = penalty_publicity(D(2026, 3, 31), "general", QZ)
    new = penalty_publicity(D(2026, 4, 1), "general", QZ)
    assert (old.start, old.end, old.min_end) == (D(2026, 3, 31), D(2029, 3, 31), D(2026, 6, 30))
    assert (new.start, new.end, new.min_end) == (D(2026, 4, 1), D(2027, 4, 1), D(2026, 7, 1))
    assert old.citation.regulation_id == "NDRC-58" and new.citation.regulation_id == "NDRC-36"
    assert "NDRC Order 58" in old.reason and "NDRC Order 36" in new.reason


def test_reason_reads_like_the_decision():
    decision = penalty_publicity(D(2026, 5, 3), "general", QZ)
    assert decision.reason.startswith(
        "general penalty decided 2026-05-03: 3–12 months under NDRC Order 36; "
        "public until 2027-05-03")


@pytest.mark.parametrize("severity, low, high", [("minor", 0, 3), ("general", 3, 12),
                                                  ("serious", 12, 36)])
def test_order_36_periods_by_severity(severity, low, high):
    day = D(2026, 8, 31)
    decision = penalty_publicity(day, severity, QZ)
    assert decision.published
    assert decision.min_end == add_months(day, low) and decision.end == add_months(day, high)


def test_2023_04_30_and_2023_05_01_use_different_versions_with_the_same_numbers():
    legacy = penalty_publicity(D(2023, 4, 30), "serious", QZ)
    order58 = penalty_publicity(D(2023, 5, 1), "serious", QZ)
    assert legacy.end == D(2026, 4, 30) and order58.end == D(2026, 5, 1)
    assert "administrator choice" in legacy.citation.note
    assert "not yet in force" in legacy.reason and "not yet in force" not in order58.reason


def test_sector_minimum_applies_under_order_58_only():
    food_58 = penalty_publicity(D(2025, 6, 15), "minor", QZ, sector="food")
    plain_58 = penalty_publicity(D(2025, 6, 15), "minor", QZ, sector="retail")
    food_36 = penalty_publicity(D(2026, 6, 15), "general", QZ, sector="food")
    assert food_58.min_end == D(2026, 6, 15) and plain_58.min_end == D(2025, 9, 15)
    assert "food sector minimum 12 months" in food_58.reason
    assert food_36.min_end == D(2026, 9, 15)


def test_fuzhou_inherits_the_national_periods():
    for day in (D(2022, 1, 1), D(2024, 1, 1), D(2026, 6, 1)):
        assert penalty_publicity(day, "general", FZ) == penalty_publicity(day, "general", QZ)


def test_unknown_severity_is_refused():
    with pytest.raises(ValueError, match="severity"):
        penalty_publicity(D(2026, 6, 1), "huge", QZ)


# --- half-open windows -----------------------------------------------------------------------

def test_window_end_is_exclusive():
    decision = penalty_publicity(D(2026, 5, 3), "general", QZ)
    assert not is_public(decision, D(2026, 5, 2))
    assert is_public(decision, D(2026, 5, 3))
    assert is_public(decision, D(2027, 5, 2))
    assert not is_public(decision, D(2027, 5, 3))
    assert is_public((decision.start, decision.end), D(2027, 5, 2))
    assert is_public((D(2026, 1, 1), None), D(2099, 1, 1))
    assert not is_public((None, None), D(2026, 1, 1))


# --- a test-only profile: unpublished minors and a rule with a first version -----------------

TEST_PROFILE = """\
    profile: strict
    title_zh: 测试
    title_en: Test
    regulations:
      - {id: T, title_zh: 测试规定, title_en: Test rule, label_en: the test rule, effective_from: 2020-01-01, effective_to: null}
    rules:
      - key: publicity.penalty
        effective_from: 2020-01-01
        effective_to: null
        citation: {regulation: T, article: art. 1, article_zh: 第一条}
        value:
          by_severity:
            minor: {published: false, min_months: 0, max_months: 3}
            general: {published: true, min_months: 3, max_months: 12}
            serious: {published: true, min_months: 12, max_months: 36}
          sector_min_months: {food: 24}
      - key: publicity.licence
        effective_from: 2020-01-01
        effective_to: null
        citation: {regulation: T, article: art. 2, article_zh: 第二条}
        value: {until: valid_to, long_term_date: "2099-12-31", default_months: 6}
"""


@pytest.fixture()
def strict(tmp_path):
    (tmp_path / "strict.yaml").write_text(textwrap.dedent(TEST_PROFILE), encoding="utf-8")
    return load_profile("strict", directory=tmp_path)


def test_unpublished_severity_is_never_public(strict):
    day = D(2026, 6, 1)
    decision = penalty_publicity(day, "minor", strict)
    assert decision == PublicityDecision(False, day, day, day, decision.citation, decision.reason)
    assert not is_public(decision, day)
    assert "not published under the test rule" in decision.reason
    frame = penalty_publicity_frame(
        pl.DataFrame({"decision_date": [day], "severity": ["minor"]}), strict)
    assert frame.row(0, named=True)["publicity_published"] is False
    assert frame["publicity_end"][0] == day


def test_sector_minimum_is_capped_at_the_maximum(strict):
    decision = penalty_publicity(D(2026, 6, 1), "general", strict, sector="food")
    assert decision.min_end == decision.end == D(2027, 6, 1)
    frame = penalty_publicity_frame(pl.DataFrame(
        {"decision_date": [D(2026, 6, 1)] * 2, "severity": ["general", "serious"],
         "sector": ["food", "food"]}), strict)
    assert frame["publicity_min_end"].to_list() == [D(2027, 6, 1), D(2028, 6, 1)]


def test_dates_before_the_first_version_raise(strict):
    with pytest.raises(RuleNotInForce, match="'publicity.penalty'.*2019-12-31"):
        penalty_publicity(D(2019, 12, 31), "general", strict)
    frame = pl.DataFrame({"decision_date": [D(2021, 1, 1), D(2019, 5, 1)],
                          "severity": ["general", "general"]})
    with pytest.raises(RuleNotInForce, match="2019-05-01"):
        penalty_publicity_frame(frame, strict)
    with pytest.raises(RuleNotInForce):
        licence_publicity(D(2019, 12, 31), None, strict)


def test_licence_without_valid_to_uses_default_months_when_set(strict):
    decision = licence_publicity(D(2026, 1, 31), None, strict)
    assert decision.end == D(2026, 7, 31)


# --- licences --------------------------------------------------------------------------------

def test_licence_public_through_its_valid_to_date():
    decision = licence_publicity(D(2026, 5, 3), D(2027, 1, 1), QZ)
    assert decision.published and decision.end == D(2027, 1, 2) and decision.min_end is None
    assert is_public(decision, D(2027, 1, 1)) and not is_public(decision, D(2027, 1, 2))
    assert decision.citation.regulation_id == "GB-DUAL"


def test_long_term_licence_and_missing_valid_to_have_no_end():
    long_term = licence_publicity(D(2026, 5, 3), D(2099, 12, 31), QZ)
    open_ended = licence_publicity(D(2026, 5, 3), None, QZ)
    assert long_term.end is None and open_ended.end is None
    assert is_public(long_term, D(2150, 1, 1)) and is_public(open_ended, D(2150, 1, 1))
    assert not is_public(long_term, D(2026, 5, 2))


def test_licence_expiring_before_its_decision_is_not_published():
    decision = licence_publicity(D(2026, 5, 3), D(2026, 5, 2), QZ)
    assert not decision.published and decision.start == decision.end == D(2026, 5, 3)


# --- frames agree with the scalar functions --------------------------------------------------

def _as_frame_row(decision: PublicityDecision) -> dict:
    return {"publicity_published": decision.published, "publicity_start": decision.start,
            "publicity_end": decision.end, "publicity_min_end": decision.min_end,
            "publicity_citation": str(decision.citation)}


penalty_rows = st.lists(st.tuples(dates, st.sampled_from(SEVERITIES),
                                  st.sampled_from([None, "food", "drugs", "fire_safety", "retail"])),
                        min_size=1, max_size=60)


@settings(max_examples=150, deadline=None)
@given(rows=penalty_rows, profile=st.sampled_from([QZ, FZ]))
def test_penalty_frame_agrees_with_scalar(rows, profile):
    frame = pl.DataFrame(rows, schema={"decision_date": pl.Date, "severity": pl.String,
                                       "sector": pl.String}, orient="row")
    out = penalty_publicity_frame(frame, profile)
    assert out.columns == frame.columns + list(OUTPUT_COLUMNS)
    for (day, severity, sector), got in zip(rows, out.iter_rows(named=True)):
        expected = _as_frame_row(penalty_publicity(day, severity, profile, sector=sector))
        assert {k: got[k] for k in OUTPUT_COLUMNS} == expected, (day, severity, sector)


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(st.tuples(dates, st.one_of(st.none(), dates,
                                                st.just(D(2099, 12, 31)))), min_size=1, max_size=60))
def test_licence_frame_agrees_with_scalar(rows):
    frame = pl.DataFrame(rows, schema={"decision_date": pl.Date, "valid_to": pl.Date}, orient="row")
    out = licence_publicity_frame(frame, QZ)
    for (day, valid_to), got in zip(rows, out.iter_rows(named=True)):
        expected = _as_frame_row(licence_publicity(day, valid_to, QZ))
        assert {k: got[k] for k in OUTPUT_COLUMNS} == expected, (day, valid_to)


@settings(max_examples=100, deadline=None)
@given(day=dates, severity=st.sampled_from(SEVERITIES), probe=dates)
def test_is_public_expr_agrees_with_is_public(day, severity, probe):
    out = penalty_publicity_frame(pl.DataFrame({"decision_date": [day], "severity": [severity]}), QZ)
    assert out.select(is_public_expr(probe)).item() == is_public(
        penalty_publicity(day, severity, QZ), probe)


def test_frame_applies_each_rows_own_version():
    frame = pl.DataFrame({"decision_date": [D(2026, 3, 31), D(2026, 4, 1)],
                          "severity": ["general", "general"]})
    out = penalty_publicity_frame(frame, QZ)
    assert out["publicity_end"].to_list() == [D(2029, 3, 31), D(2027, 4, 1)]
    assert out["publicity_citation"][0].startswith("NDRC-58")
    assert out["publicity_citation"][1].startswith("NDRC-36")


def test_frame_leaves_undated_rows_null_and_refuses_bad_severities():
    frame = pl.DataFrame({"decision_date": [None, D(2026, 6, 1)], "severity": [None, "general"]},
                         schema={"decision_date": pl.Date, "severity": pl.String})
    out = penalty_publicity_frame(frame, QZ)
    assert out.row(0, named=True) | {"decision_date": None, "severity": None} == {
        "decision_date": None, "severity": None, **{c: None for c in OUTPUT_COLUMNS}}
    bad = pl.DataFrame({"decision_date": [D(2026, 6, 1)], "severity": ["huge"]})
    with pytest.raises(ValueError, match="huge"):
        penalty_publicity_frame(bad, QZ)
    missing = pl.DataFrame({"decision_date": [D(2026, 6, 1)], "severity": [None]},
                           schema={"decision_date": pl.Date, "severity": pl.String})
    with pytest.raises(ValueError, match="severity"):
        penalty_publicity_frame(missing, QZ)
    with pytest.raises(ValueError, match="missing column 'severity'"):
        penalty_publicity_frame(pl.DataFrame({"decision_date": [D(2026, 6, 1)]}), QZ)


def test_frame_on_a_large_batch_spanning_every_version():
    days = pl.date_range(D(2015, 1, 1), D(2030, 12, 31), "1d", eager=True)
    frame = pl.DataFrame({"decision_date": days}).with_columns(
        severity=pl.lit("serious"), sector=pl.lit("food"))
    out = penalty_publicity_frame(frame, QZ)
    citations = out["publicity_citation"].unique().to_list()
    assert len(citations) == 2  # legacy and Order 58 share a citation string; Order 36 differs
    assert out["publicity_published"].all()


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=30), st.text(max_size=30))
def test_sector_is_read_from_the_cited_law_only(basis, facts):
    """The sector comes from 处罚依据 alone, whatever the other fields say (NDRC Order 58)."""
    import json

    from xinyong.disclosure.rules import penalty_sector_frame
    profile = get_profile("quanzhou")
    rows = [{"legal_basis": basis + "《食品安全法》", "offence_facts": facts},
            {"offence_facts": facts + "消防法", "legal_basis": basis.replace("法", "")}]
    frame = pl.DataFrame({"fields_json": [json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in rows]})
    got = penalty_sector_frame(frame, profile, dt.date(2026, 6, 1))["sector"].to_list()
    assert got[0] in ("food", "drugs", "special_equipment", "work_safety", "fire_safety")
    assert got[1] is None
