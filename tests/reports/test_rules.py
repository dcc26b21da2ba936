"""The pure law of reports: who obtains which report, fields and periods, findings, marks, and
what a verification concludes."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinyong.law import load_profile
from xinyong.reports import rules

ON = dt.date(2026, 9, 1)


@pytest.fixture(scope="module")
def policy():
    return rules.policy_from(load_profile("quanzhou"), ON)


def test_quanzhou_cites_art_10_11_33_and_fuzhou_art_13_24():
    qz = rules.policy_from(load_profile("quanzhou"), ON)
    assert qz.citations["full"].startswith("QZ art. 10") and qz.citations["special"].startswith("QZ art. 11")
    assert qz.citations["sources"].startswith("QZ art. 33")
    fz = rules.policy_from(load_profile("fuzhou"), ON)
    assert "FZ art. 24" in fz.citations["sources"] and fz.citations["full"].startswith("FZ art. 13")


def test_before_the_quanzhou_regulation_no_report_rule_is_in_force():
    early = rules.policy_from(load_profile("quanzhou"), dt.date(2025, 6, 1))
    decision = rules.may_obtain("full", rules.Requester("subject", subject_id=1), 1, early)
    assert not decision.allowed and decision.code == "no_rule"


@pytest.mark.parametrize("kind,who,allowed,basis", [
    ("full", rules.Requester("subject", subject_id=7), True, "self"),
    ("full", rules.Requester("subject", subject_id=8), False, "none"),
    ("full", rules.Requester("agency", org_id=3), False, "none"),
    ("full", rules.Requester("public"), False, "none"),
    ("public", rules.Requester("public"), True, "public"),
    ("public", rules.Requester("agency", org_id=3), True, "public"),
    ("special", rules.Requester("subject", subject_id=7), True, "self"),
    ("special", rules.Requester("financial", org_id=3), True, "authorisation"),
    # any organisation, an enterprise judging a business partner too (QZ art. 11, 28 para. 2, 33)
    ("special", rules.Requester("enterprise", org_id=3), True, "authorisation"),
    ("special", rules.Requester("judicial", org_id=3), True, "authorisation"),
    ("special", rules.Requester("auditor", org_id=3), False, "none"),
    ("special", rules.Requester("subject", subject_id=8), False, "none"),
    ("special", rules.Requester("public"), False, "none"),
    ("special", rules.Requester("staff"), False, "none"),
])
def test_who_may_obtain_which_report(policy, kind, who, allowed, basis):
    decision = rules.may_obtain(kind, who, 7, policy)
    assert (decision.allowed, decision.basis) == (allowed, basis)
    assert decision.citation and decision.reason and decision.reason_zh


def test_fields_match_by_agency_or_legal_basis_and_only_violation_items(policy):
    tax, market, everything = policy.fields["tax"], policy.fields["market"], policy.fields["all"]
    items = policy.violation_items
    assert rules.in_field(tax, "penalty", "国家税务总局泉州市税务局", ("",), items)
    assert not rules.in_field(tax, "penalty", "泉州市市场监督管理局", ("《中华人民共和国食品安全法》",), items)
    assert rules.in_field(policy.fields["food_drugs"], "penalty", "泉州市市场监督管理局", ("《中华人民共和国食品安全法》",), items)
    assert rules.in_field(market, "penalty", "泉州市市场监督管理局", ("",), items)
    assert rules.in_field(everything, "serious_dishonesty_list", "任何机构", ("",), items)
    assert not rules.in_field(everything, "licence", "泉州市市场监督管理局", ("",), items)


def test_the_finding_replaces_a_no_violation_certificate(policy):
    field = policy.fields["tax"]
    clean = rules.special_finding(0, field, dt.date(2024, 1, 1), dt.date(2026, 8, 31))
    assert clean[0] == "clean" and "无违法违规" in clean[1] and "税务" in clean[1]
    found = rules.special_finding(3, field, dt.date(2024, 1, 1), dt.date(2026, 8, 31))
    assert found[0] == "violations" and "3 条" in found[1]


def test_period_checks(policy):
    assert rules.period_problem("nope", ON, ON, ON, policy)[0] == "field"
    assert rules.period_problem("all", ON, ON - dt.timedelta(days=1), ON, policy)[0] == "date_to"
    assert rules.period_problem("all", ON, ON + dt.timedelta(days=1), ON, policy)[0] == "date_to"
    assert rules.period_problem("all", ON - dt.timedelta(days=4000), ON, ON, policy)[0] == "date_from"
    assert rules.period_problem("all", dt.date(2024, 1, 1), ON, ON, policy) is None


def test_marks_show_repair_objection_and_publicity():
    assert rules.record_marks("repaired", True, False) == [("已信用修复", "repaired"), ("异议处理中", "under objection"),
                                                           ("未公示", "not public")]
    assert rules.record_marks("active", False, True) == [("公示中", "public")]


@pytest.mark.parametrize("found,sig,hashed,outcome", [
    (False, None, None, "not_found"), (True, True, True, "authentic"), (True, False, False, "tampered"),
    (True, True, False, "tampered"), (True, False, True, "signature_invalid")])
def test_only_a_valid_signature_and_the_stored_hash_make_a_report_authentic(found, sig, hashed, outcome):
    assert rules.verification_outcome(found, sig, hashed) == outcome


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Zs", "Cc"), blacklist_characters="*"),
               min_size=2, max_size=40),
       st.sampled_from(["natural_person", "legal_person", "individual_business"]))
def test_a_verifier_never_sees_the_whole_name(name, kind):
    # names never hold the mask character (a name "0*" would look unmasked when it is masked)
    shown = rules.masked_subject_name(name, kind)
    assert shown != name.strip() and len(shown) == len(name.strip())


@given(st.text(alphabet=rules.CODE_ALPHABET, min_size=rules.CODE_LENGTH, max_size=rules.CODE_LENGTH))
def test_codes_survive_spaces_dashes_and_case(code):
    spaced = "-".join(code[i:i + 4] for i in range(0, len(code), 4)).lower()
    assert rules.is_code(rules.normalise_code(f" {spaced} ")) and rules.normalise_code(spaced) == code
