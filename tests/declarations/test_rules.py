"""Pure rules of self-declared information: the profile data of QZ art. 13 and FZ art. 10
para. 2, and the checks on what a subject may declare."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.declarations.support import RESIDENT_ID
from xinyong.declarations import rules
from xinyong.law.loader import RuleNotInForce, get_profile

ON = dt.date(2026, 6, 1)
QZ = rules.policy(get_profile("quanzhou"), ON)
FZ = rules.policy(get_profile("fuzhou"), ON)


def _problem(pol=QZ, **kw):
    data = {"form": "statement", "category": "honours", "title": "守合同重信用企业", "content": "获评年度守信企业",
            "pledge_accepted": True}
    data.update(kw)
    return rules.declaration_problem(pol, **data)


def test_each_city_has_the_forms_its_article_names_and_labels_them():
    assert set(QZ.forms) == {"statement", "registration", "self_report"}          # QZ art. 13
    assert set(FZ.forms) == {"statement", "self_report", "social_commitment"}     # FZ art. 10 para. 2
    assert QZ.forms["registration"].zh == "自愿注册" and FZ.forms["social_commitment"].zh == "社会承诺"
    assert "QZ art. 13" in QZ.citation and "FZ art. 10 para. 2" in FZ.citation
    assert "平台未核实" in QZ.label.zh and "准确性" in QZ.label.zh and "完整性" in FZ.label.zh
    assert {"honours", "certifications", "contract_performance", "social_responsibility", "other"} <= set(QZ.categories)
    assert QZ.public_by_default and "natural_person" in QZ.not_public_kinds


def test_no_quanzhou_rule_before_the_regulation():
    with pytest.raises(RuleNotInForce):
        rules.policy(get_profile("quanzhou"), dt.date(2025, 12, 31))
    assert rules.latest_policy(get_profile("quanzhou")).citation == QZ.citation
    assert rules.latest_policy(get_profile("national")) is None


def test_a_form_or_category_outside_the_profile_is_refused():
    assert _problem(form="social_commitment").field == "form"        # Fuzhou's form, not Quanzhou's
    assert _problem(FZ, form="social_commitment") is None
    assert _problem(category="ratings").field == "category"


def test_the_pledge_is_required_and_named():
    problem = _problem(pledge_accepted=False)
    assert (problem.field, problem.code) == ("pledge_accepted", "pledge_required")


def test_a_resident_id_number_is_refused_but_other_numbers_are_not():
    problem = _problem(content=f"联系人身份证号 {RESIDENT_ID}")
    assert (problem.field, problem.code) == ("content", "personal_identifier")
    assert _problem(content="合同编号 123456789012345678 履约完毕") is None     # no valid check digit / birth date


def test_lengths_at_the_bound():
    assert _problem(title="信" * QZ.title_max) is None
    assert _problem(title="信" * (QZ.title_max + 1)).code == "title_too_long"
    assert _problem(content="信" * QZ.content_max) is None
    assert _problem(content="信" * (QZ.content_max + 1)).code == "content_too_long"


TEXT = st.text(alphabet="泉州守信ab1 \t\n\r\x00\x07\x1f\x7f\x85\u3000", max_size=QZ.title_max + 30)


@settings(max_examples=300, deadline=None)
@given(title=TEXT, content=TEXT, pledge=st.booleans())
def test_a_declaration_passes_exactly_when_every_check_holds(title, content, pledge):
    problem = _problem(title=title, content=content, pledge_accepted=pledge)
    controls = any((ord(c) < 32 and c not in "\t\r\n") or 0x7F <= ord(c) <= 0x9F for c in title + content)
    ok = (not controls and 0 < len(title.strip()) <= QZ.title_max and 0 < len(content.strip()) <= QZ.content_max
          and pledge)
    assert (problem is None) == ok, problem
    if controls:
        assert problem.code == "control_character"


@settings(max_examples=200, deadline=None)
@given(reason=st.text(alphabet="理由ab \n\x00", max_size=rules.REASON_MAX + 20),
       status=st.sampled_from(["published", "withdrawn"]))
def test_a_withdrawal_needs_a_reason_and_a_published_declaration(reason, status):
    problem = rules.withdraw_problem(reason=reason, status=status)
    ok = "\x00" not in reason and 0 < len(reason.strip()) <= rules.REASON_MAX and status == "published"
    assert (problem is None) == ok


def test_natural_persons_are_never_shown_publicly():
    assert rules.shown_publicly(QZ, "legal_person") and rules.shown_publicly(QZ, "individual_business")
    assert not rules.shown_publicly(QZ, "natural_person")
