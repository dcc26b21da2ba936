"""The law of lists, pure: each refusal carries its reason and article; Quanzhou runs the
serious-dishonesty list with severity classes (QZ art. 20-23), Fuzhou the red and black lists
(FZ art. 14, 16-18)."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinyong.law import get_profile
from xinyong.lists import rules

ON = dt.date(2026, 6, 1)
QZ = rules.policy(get_profile("quanzhou"), ON)
FZ = rules.policy(get_profile("fuzhou"), ON)
FOUR = ("health_safety", "fair_competition", "legal_obligations", "national_defence")


def facts(**over) -> rules.ProposalFacts:
    base = dict(kind="serious_dishonesty", subject_id=1, subject_kind="legal_person", category="health_safety",
                criteria=(), lenient_flags=(), period_months=36,
                basis=(rules.BasisFacts(10, 1, 5, "serious", "active"),), missing_record_ids=(),
                responsible_roles=(), proposer_org_id=5, open_procedure_kinds=frozenset(),
                active_entry_kinds=frozenset(), adverse_records_recent=0)
    base.update(over)
    return rules.ProposalFacts(**base)


def test_the_profiles_run_their_own_lists():
    assert list(QZ.kinds) == ["serious_dishonesty"] and QZ.mode == "severity_classes"
    assert list(FZ.kinds) == ["red", "black"] and FZ.mode == "red_black"
    assert "QZ art. 22-23" in QZ.kinds["serious_dishonesty"].citation
    assert "FZ art. 14, 16" in FZ.kinds["red"].citation and "FZ art. 14, 17, 18" in FZ.kinds["black"].citation
    assert set(QZ.kinds["serious_dishonesty"].categories) == set(FOUR) == set(FZ.kinds["black"].categories)
    assert set(FZ.kinds["red"].criteria) == {"integrity_model", "three_years_clean"}
    assert QZ.lenient_flags and FZ.lenient_flags == {}          # QZ art. 21 has no Fuzhou counterpart
    assert "FZ art. 18" in FZ.responsible_citation


def test_a_proper_serious_listing_is_allowed_with_its_article():
    verdict = rules.check_proposal(QZ, facts())
    assert verdict.allowed and "QZ art. 22-23" in verdict.citation


@given(st.text(min_size=1, max_size=20).filter(lambda c: c not in FOUR))
def test_anything_but_the_four_categories_is_refused(category):
    verdict = rules.check_proposal(QZ, facts(category=category))
    assert not verdict.allowed and verdict.code == "category_not_allowed"
    assert "QZ art. 22" in verdict.citation and "严重危害人民群众身体健康和生命安全" in verdict.reason_zh
    assert not any(code in verdict.reason_en for code in FOUR)      # the categories by their English names
    assert all(QZ.kinds["serious_dishonesty"].categories_en[code] in verdict.reason_en for code in FOUR)


@pytest.mark.parametrize("category", FOUR)
def test_each_of_the_four_categories_is_allowed(category):
    assert rules.check_proposal(QZ, facts(category=category)).allowed
    assert rules.check_proposal(FZ, facts(kind="black", category=category)).allowed


@given(st.lists(st.sampled_from(["minor_full_capacity", "force_majeure", "unintentional_minor"]), min_size=1,
                max_size=3, unique=True))
def test_a_lenient_case_is_never_put_on_the_serious_list(flags):
    verdict = rules.check_proposal(QZ, facts(lenient_flags=tuple(flags)))
    assert not verdict.allowed and verdict.code == "lenient_handling"
    assert "QZ art. 21" in verdict.citation and "宽容、审慎" in verdict.reason_zh


def test_both_cities_want_an_act_classed_serious():
    """QZ art. 22 para. 3; Fuzhou's black list is its list of the serious categories (Guobanfa
    [2020] 49), and a measure must fit the act (FZ art. 15 para. 2): a general or minor record
    grounds neither."""
    for severity in ("general", "minor", None):
        basis = (rules.BasisFacts(10, 1, 5, severity, "active"),)
        verdict = rules.check_proposal(QZ, facts(basis=basis))
        assert verdict.code == "basis_not_serious" and "QZ art. 22" in verdict.citation
        verdict = rules.check_proposal(FZ, facts(kind="black", basis=basis))
        assert verdict.code == "basis_not_serious" and "FZ art. 14, 17, 18" in verdict.citation
    assert rules.check_proposal(FZ, facts(kind="black")).allowed


@pytest.mark.parametrize("policy,kind", [(QZ, "serious_dishonesty"), (FZ, "black")])
def test_a_record_whose_publicity_has_ended_grounds_no_new_listing_but_a_decided_one_stands(policy, kind):
    """Information no longer published is no longer used (NDRC Order 36; QZ art. 36 para. 2): it
    grounds no proposal and no decision; a listing already decided runs its own period."""
    ended = (rules.BasisFacts(10, 1, 5, "serious", "active", "罚〔2022〕1号", publicity_ended=True),)
    verdict = rules.check_proposal(policy, facts(kind=kind, basis=ended))
    assert verdict.code == "basis_publicity_ended" and "罚〔2022〕1号" in verdict.reason_zh
    assert rules.check_basis_holds(policy.kinds[kind], ended).code == "basis_publicity_ended"
    assert rules.basis_left(policy.kinds[kind], ended)
    repaired = (rules.BasisFacts(10, 1, 5, "serious", "repaired", publicity_ended=True),)
    assert not rules.basis_left(policy.kinds[kind], repaired)


def test_the_serious_list_is_not_run_in_fuzhou_nor_the_red_list_in_quanzhou():
    assert rules.check_proposal(FZ, facts()).code == "kind_not_run"
    verdict = rules.check_proposal(QZ, facts(kind="red", category=None, criteria=("integrity_model",)))
    assert verdict.code == "kind_not_run" and "QZ art. 22" in verdict.citation


def test_red_list_criteria_and_the_clean_record():
    red = dict(kind="red", category=None, basis=(), proposer_org_id=None)
    refused = rules.check_proposal(FZ, facts(**red, criteria=()))
    assert refused.code == "criteria_required" and "three_years_clean" not in refused.reason_en
    verdict = rules.check_proposal(FZ, facts(**red, criteria=("three_years_clean",), adverse_records_recent=2))
    assert verdict.code == "criteria_not_met" and "FZ art. 16" in verdict.citation
    assert rules.check_proposal(FZ, facts(**red, criteria=("three_years_clean", "integrity_model"))).allowed
    on_black = rules.check_proposal(FZ, facts(**red, criteria=("integrity_model",),
                                              active_entry_kinds=frozenset({"black"})))
    assert on_black.code == "on_punitive_list"


@pytest.mark.parametrize("criteria", [("integrity_model",), ("three_years_clean",)])
def test_a_subject_with_a_dishonesty_record_in_public_view_is_no_red_list_subject(criteria):
    """FZ art. 16: the red list is for 守信主体, whatever criterion the proposal cites."""
    red = dict(kind="red", category=None, basis=(), proposer_org_id=None, criteria=criteria)
    verdict = rules.check_proposal(FZ, facts(**red, adverse_records_current=1))
    assert verdict.code == "current_adverse_records" and "FZ art. 16" in verdict.citation
    assert FZ.kinds["red"].current_adverse_severities == ("general", "serious")
    assert rules.check_proposal(FZ, facts(**red)).allowed


def test_a_punitive_listing_ends_a_red_entry():
    ended = rules.incentive_ended_by(FZ.kinds["red"], punitive=FZ.kinds["black"])
    assert ended is not None and ended.code == "criteria_broken" and "黑名单" in ended.reason_zh
    assert rules.incentive_ended_by(FZ.kinds["red"]) is None


def test_responsible_persons_only_for_organisations_on_a_punitive_list():
    assert rules.check_proposal(FZ, facts(kind="black", responsible_roles=("legal_representative",))).allowed
    person = rules.check_proposal(FZ, facts(kind="black", subject_kind="natural_person",
                                            responsible_roles=("principal",)))
    assert person.code == "responsible_persons_not_allowed" and "FZ art. 18" in person.citation
    red = rules.check_proposal(FZ, facts(kind="red", category=None, criteria=("integrity_model",), basis=(),
                                         responsible_roles=("principal",)))
    assert red.code == "responsible_persons_not_allowed"


def test_basis_records_must_be_the_subjects_own_active_and_the_agencys():
    assert rules.check_proposal(QZ, facts(basis=())).code == "basis_required"
    assert rules.check_proposal(QZ, facts(missing_record_ids=(7,))).code == "basis_not_found"
    other = (rules.BasisFacts(10, 2, 5, "serious", "active"),)
    assert rules.check_proposal(QZ, facts(basis=other)).code == "basis_not_of_subject"
    assert rules.check_proposal(QZ, facts(proposer_org_id=6)).code == "basis_not_own"
    assert rules.check_proposal(QZ, facts(proposer_org_id=None)).allowed     # staff for the agency
    repaired = (rules.BasisFacts(10, 1, 5, "serious", "repaired"),)
    assert rules.check_proposal(QZ, facts(basis=repaired)).code == "basis_repaired"


def test_period_measures_and_duplicates():
    assert rules.check_proposal(QZ, facts(period_months=48)).code == "period_out_of_range"
    assert rules.check_proposal(QZ, facts(measures_given=False)).code == "measures_required"
    assert rules.check_proposal(QZ, facts(open_procedure_kinds=frozenset({"serious_dishonesty"}))).code == "procedure_open"
    assert rules.check_proposal(QZ, facts(active_entry_kinds=frozenset({"serious_dishonesty"}))).code == "already_listed"


def test_decision_steps_quanzhou():
    kind = QZ.kinds["serious_dishonesty"]
    due = dt.date(2026, 6, 8)
    assert rules.check_decision(kind, "proposed", None, ON, QZ.notice_citation).code == "notice_not_sent"
    running = rules.check_decision(kind, "notice", due, due, QZ.notice_citation)
    assert running.code == "notice_period_running" and "QZ art. 20, 23" in running.citation
    assert rules.check_decision(kind, "objection", due, dt.date(2026, 7, 1), QZ.notice_citation).code == \
        "objection_unanswered"
    assert rules.check_decision(kind, "notice", due, due + dt.timedelta(days=1), QZ.notice_citation).allowed
    assert rules.check_decision(kind, "decided", due, dt.date(2026, 7, 1), QZ.notice_citation).code == "wrong_status"


def test_the_red_list_needs_no_prior_notice():
    red = FZ.kinds["red"]
    assert rules.check_decision(red, "proposed", None, ON, FZ.notice_citation).allowed
    assert rules.check_notice(red, "proposed", FZ).code == "notice_not_required"
    assert rules.check_notice(FZ.kinds["black"], "proposed", FZ).allowed


def test_objection_window_and_reply():
    due = dt.date(2026, 6, 8)
    assert rules.check_objection("notice", due, due, False, "c").allowed
    assert rules.check_objection("notice", due, due + dt.timedelta(days=1), False, "c").code == "notice_period_over"
    assert rules.check_objection("notice", due, due, True, "c").code == "objection_already_made"
    assert rules.check_objection("proposed", None, due, False, "c").code == "wrong_status"
    assert rules.check_objection_reply("objection", "maybe", "x", "c").code == "outcome_invalid"
    assert rules.check_objection_reply("objection", "upheld", " ", "c").code == "reply_required"
    assert rules.check_objection_reply("objection", "withdrawn", "异议成立", "c").allowed


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 12, 31)), st.integers(1, 120))
def test_the_period_ends_the_day_before_the_same_date_months_later(start, months):
    end = rules.period_end(start, months)
    assert end >= start and (end - start).days < months * 31 + 1
    assert not rules.is_expired(end, end) and rules.is_expired(end, end + dt.timedelta(days=1))
    assert rules.add_months(start, months) == end + dt.timedelta(days=1)


def test_month_arithmetic_at_month_ends():
    assert rules.add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert rules.period_end(dt.date(2026, 6, 9), 36) == dt.date(2029, 6, 8)
