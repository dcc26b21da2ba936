"""Rules of the register (QZ art. 40-42): filing numbers compared as written, supervision
records complete, and the public learning complaint counts and outcomes only."""
from __future__ import annotations

import datetime as dt

from hypothesis import given, strategies as st

from xinyong.credit_services import rules
from xinyong.law.loader import load_profile

POL = rules.policy(load_profile("quanzhou"), dt.date(2026, 6, 1))
TODAY = dt.date(2026, 6, 1)


@given(st.text(max_size=80))
def test_a_parsed_filing_number_is_stable_and_clean(text):
    parsed = rules.parse_filing_no(text)
    if parsed is not None:
        assert rules.parse_filing_no(parsed) == parsed
        assert 1 <= len(parsed) <= 64 and not any(c.isspace() for c in parsed) and parsed == parsed.upper()


@given(st.from_regex(r"[A-Za-z0-9]{1,10}-20[0-9]{2}-[0-9]{1,5}", fullmatch=True))
def test_full_width_and_spacing_do_not_make_another_number(number):
    wide = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in number)
    assert rules.parse_filing_no(f"  {wide} ") == rules.parse_filing_no(number) == number.upper()


def test_filing_numbers_with_other_characters_are_refused():
    assert rules.parse_filing_no("QZ\x00001") is None and rules.parse_filing_no("") is None
    assert rules.parse_filing_no("闽信备〔2026〕3号") == "闽信备〔2026〕3号"


@given(st.sampled_from(POL.supervision_outcomes), st.integers(-30, 30))
def test_only_an_order_to_rectify_needs_a_deadline_not_before_the_inspection(outcome, offset):
    inspected = dt.date(2026, 5, 1)
    due = inspected + dt.timedelta(days=offset)
    problem = rules.supervision_problem(POL, kind="routine", outcome=outcome, inspected_on=inspected,
                                        department="市发改委", findings="发现问题", basis="QZ art. 40",
                                        rectification_due=due, today=TODAY)
    assert (problem is not None) == (outcome == "rectification_ordered" and offset < 0)


@given(st.lists(st.tuples(st.sampled_from(("filed", "assigned", "handled")),
                          st.sampled_from((None, "substantiated", "unsubstantiated", "referred")),
                          st.integers(1, 50)), max_size=12))
def test_the_public_complaint_summary_counts_without_anything_else(rows):
    summary = rules.complaint_summary(rows)
    assert summary["received"] == sum(n for *_, n in rows)
    assert summary["handled"] == sum(n for s, _, n in rows if s == "handled")
    assert sum(summary["outcomes"].values()) == sum(n for s, o, n in rows if s == "handled" and o)
    assert set(summary) == {"received", "handled", "outcomes"}


def test_public_view_keeps_only_the_profiles_fields():
    values = {"name": "某机构", "contact": "13700000000", "uscc": "X"}
    assert rules.public_view(values, POL.public_fields) == {"name": "某机构", "uscc": "X"}


def test_each_city_names_its_categories_with_their_basis():
    from xinyong.complaints.rules import categories
    qz = categories(load_profile("quanzhou"), TODAY)
    fz = categories(load_profile("fuzhou"), TODAY)
    assert {c.code for c in qz.items} == {"false_advertising", "promised_rating", "malicious_evaluation",
                                          "forced_related_business"} and "第四十二条" in qz.citation
    assert [c.code for c in fz.items] == ["bundled_collection"] and "第二十七条第二款" in fz.citation
    assert all(c.against == "credit_service" for c in qz.items + fz.items)


def test_an_unknown_rule_kind_asks_for_one_in_words():
    problem = rules.rule_problem(kind="other", title="规则", body="内容", channel="")
    assert problem.code == "unknown_kind" and problem.en == "choose the kind of rule" and problem.zh == "请选择规则类型"
