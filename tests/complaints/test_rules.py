"""Pure rules of complaints (QZ art. 37): filing, assignment, and who may see the complainant."""
from __future__ import annotations

import datetime as dt

from hypothesis import given, strategies as st

from xinyong.complaints import rules
from xinyong.law.loader import load_profile

QZ = rules.channel(load_profile("quanzhou"), dt.date(2026, 11, 23))
NATIONAL = rules.channel(load_profile("national"), dt.date(2026, 11, 23))


def _file(**kw):
    base = dict(kind="complaint", stage="publication", summary="公示了已经撤销的处罚决定，请核查。", anonymous=False,
                name="张三", contact="13800000000", signed_in=False)
    return rules.filing_problem(QZ, **{**base, **kw})


def test_the_quanzhou_channel_cites_article_37_and_national_is_flagged():
    assert "QZ art. 37" in QZ.citation and "publication" in QZ.stages and "query" in QZ.stages
    assert "GOV-2020-49" in NATIONAL.citation


def test_filing_problems():
    assert _file() is None
    assert _file(kind="praise").code == "unknown_kind"
    assert _file(stage="weather").code == "unknown_stage"
    assert _file(summary="太短").code == "summary_length"
    assert _file(name="").code == "name_required"
    assert _file(contact="").code == "contact_required"
    assert _file(contact="", signed_in=True) is None            # the account is the channel
    assert _file(name="", contact="", anonymous=True) is None   # anyone may file anonymously


def test_assignment():
    assert rules.assign_refusal(QZ, "staff", "staff", True, "filed") is None
    assert rules.assign_refusal(QZ, "agency", "staff", True, "filed") == "not_an_assigner"
    assert rules.assign_refusal(QZ, "staff", "agency", True, "filed") == "not_a_handler"
    assert rules.assign_refusal(QZ, "staff", "staff", False, "filed") == "not_a_handler"
    assert rules.assign_refusal(QZ, "admin", "staff", True, "handled") == "already_handled"


@given(viewer=st.one_of(st.none(), st.integers(1, 50)), handler=st.one_of(st.none(), st.integers(1, 50)))
def test_only_the_assigned_handler_sees_the_identity(viewer, handler):
    assert rules.may_see_identity(viewer, handler) == (viewer is not None and viewer == handler)


def test_handling_problems():
    ok = dict(outcome="substantiated", handling="核查了公示记录", result="已撤下公示")
    assert rules.handling_problem(QZ, **ok) is None
    assert rules.handling_problem(QZ, **{**ok, "outcome": "maybe"}).code == "unknown_outcome"
    assert rules.handling_problem(QZ, **{**ok, "handling": " "}).code == "handling_required"
    assert rules.handling_problem(QZ, **{**ok, "result": ""}).code == "result_required"


def test_nul_characters_are_refused():
    assert _file(summary="公示了已经撤销的处罚决定\x00请核查。").code == "control_character"
    assert rules.handling_problem(QZ, outcome="referred", handling="a\x00", result="b").code == "control_character"
