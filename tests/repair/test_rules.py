"""The repair calculator, pure, with the citations it returns: Order 58 for records decided
before 2026-04-01 and Order 36 after; the minimum publicity period; the fraud bar (FZ art. 23);
the non-repairable categories (FZ art. 22; none in Quanzhou, QZ art. 22, 36); what is not a
dishonesty record."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import given, settings, strategies as st

from xinyong.law.loader import get_profile
from xinyong.repair import rules
from xinyong.repair.rules import FraudFinding, RecordFacts

QZ, FZ = get_profile("quanzhou"), get_profile("fuzhou")
TODAY = dt.date(2026, 9, 1)


def record(**kw) -> RecordFacts:
    base = dict(id=1, item_code="penalty", severity="general", decision_date=dt.date(2026, 4, 10), status="active",
                under_objection=False, publicity_published=True, publicity_min_end=dt.date(2026, 7, 10),
                publicity_end=dt.date(2027, 4, 10), publicity_citation="NDRC-36 ch. 2")
    base.update(kw)
    return RecordFacts(**base)


def codes(result, blocking=True):
    return [r.code for r in result.reasons if r.blocking == blocking]


def test_order_36_applies_to_records_decided_from_2026_04_01():
    result = rules.decide(QZ, record(), TODAY)
    assert result.eligible and result.regime == "NDRC-36" and result.from_date == dt.date(2026, 7, 10)
    assert result.citation.startswith("NDRC-36 ch. 3")
    assert result.materials == ("commitment_letter", "proof_of_performance")
    assert set(codes(result, blocking=False)) == {"needs_proof_of_performance", "needs_commitment"}


def test_order_58_applies_to_records_decided_before_2026_04_01():
    result = rules.decide(QZ, record(decision_date=dt.date(2026, 3, 31), severity="serious",
                                     publicity_min_end=dt.date(2026, 6, 30)), TODAY)
    assert result.eligible and result.regime == "NDRC-58" and result.citation.startswith("NDRC-58")
    # Order 58: severity does not add training and a credit report; under Order 36 it does
    assert result.materials == ("commitment_letter", "proof_of_performance")
    serious36 = rules.decide(QZ, record(severity="serious"), TODAY)
    assert serious36.materials == ("commitment_letter", "proof_of_performance", "training_certificate", "credit_report")
    minor36 = rules.decide(QZ, record(severity="minor"), TODAY)
    assert minor36.materials == ("commitment_letter",)
    assert "needs_proof_of_performance" not in codes(minor36, blocking=False)


def test_before_the_minimum_period_the_date_and_the_publicity_citation_are_given():
    result = rules.decide(QZ, record(publicity_min_end=dt.date(2026, 11, 3)), TODAY)
    assert not result.eligible and result.from_date == dt.date(2026, 11, 3)
    [reason] = result.blocking
    assert reason.code == "minimum_period" and "2026-11-03" in reason.text_zh and "2026-11-03" in reason.text_en
    assert reason.citation.startswith("NDRC-36 ch. 2") and "NDRC-36 ch. 3" in reason.citation


@pytest.mark.parametrize("profile", [QZ, FZ], ids=["quanzhou", "fuzhou"])
@pytest.mark.parametrize("decided", [dt.date(2026, 3, 31), dt.date(2026, 4, 10)], ids=["order58", "order36"])
def test_a_breached_commitment_is_dishonesty_information_that_can_be_repaired(profile, decided):
    """Published as dishonesty information (QZ art. 25 para. 2: 纳入信用记录), and the subject is told
    it may apply for repair (QZ art. 20, 35): so it is repairable like a penalty, on the same terms."""
    result = rules.decide(profile, record(item_code="commitment_breach", decision_date=decided), TODAY)
    assert "not_dishonesty" not in codes(result) and result.eligible, result.reasons
    assert rules.decide(profile, record(item_code="commitment_breach", decision_date=decided,
                                        publicity_min_end=dt.date(2026, 11, 3)), TODAY).from_date == dt.date(2026, 11, 3)


def test_licences_and_unpublished_or_ended_records_need_no_repair():
    licence = rules.decide(QZ, record(item_code="licence"), TODAY)
    assert codes(licence) == ["not_dishonesty"] and licence.from_date is None
    minor = rules.decide(QZ, record(severity="minor", publicity_published=False), TODAY)
    assert codes(minor) == ["not_published"]
    ended = rules.decide(QZ, record(publicity_end=dt.date(2026, 8, 1)), TODAY)
    assert codes(ended) == ["publicity_ended"]


def test_a_record_grounding_a_listing_in_force_can_be_repaired_after_its_publicity_ends():
    """The listing runs its own period: repair is how the subject leaves it early (QZ art. 36
    para. 2), though the record itself is no longer published."""
    listed = rules.decide(QZ, record(severity="serious", publicity_end=dt.date(2026, 8, 1),
                                     serious_list_category="health_safety"), TODAY)
    assert "publicity_ended" not in codes(listed) and listed.eligible, listed.reasons


def test_fuzhou_art_22_bars_the_four_categories_and_quanzhou_lists_bar_nothing():
    """FZ art. 22 names the four non-repairable cases; QZ art. 22 only limits who may be listed and
    QZ art. 36 para. 2 says repair takes the subject off the serious-dishonesty list."""
    fz = rules.decide(FZ, record(serious_list_category="national_defence"), TODAY)
    assert codes(fz) == ["serious_category"] and fz.from_date is None
    assert fz.blocking[0].citation.startswith("FZ art. 22")
    assert rules.decide(FZ, record(serious_list_category="other"), TODAY).eligible
    for category in ("health_safety", "fair_competition", "legal_obligations", "national_defence"):
        assert rules.decide(QZ, record(serious_list_category=category), TODAY).eligible, category


def test_no_unsourced_reading_refuses_repair_of_court_records():
    """The courts' own rules on enforcement records are not in our sources (FZ art. 22(5); QZ
    art. 36 para. 3 name no text we hold): nothing refuses them on that reading."""
    for profile in (QZ, FZ):
        assert "non_repairable_item" not in codes(rules.decide(profile, record(item_code="judgment_enforcement"), TODAY))


def with_fraud_bar(profile, months=36):
    """A profile with a fraud bar resting on a text in our sources (no shipped profile has one:
    NDRC Orders 58 and 36 are not in our sources)."""
    import dataclasses as dc

    from xinyong.law.loader import Citation, Rule
    rule = Rule("repair.fraud_bar", None, None, Citation("T", "测试规定", "art. 9", "第九条"),
                {"months": months, "kinds": ["fraud", "concealment", "broken_commitment"]}, "test", "T", "repair")
    return dc.replace(profile, _rules={**profile._rules, "repair.fraud_bar": (rule,)})


def test_shipped_profiles_have_no_fraud_bar_since_its_source_is_not_in_our_sources():
    finding = FraudFinding(7, dt.date(2026, 5, 4), "fraud")
    for profile in (QZ, FZ):
        assert rules.decide(profile, record(), TODAY, [finding]).eligible


def test_fraud_bar_refuses_until_its_end_then_lets_go():
    finding = FraudFinding(7, dt.date(2026, 5, 4), "fraud")
    barred = rules.decide(with_fraud_bar(QZ), record(), TODAY, [finding])
    assert codes(barred) == ["fraud_bar"] and barred.from_date == dt.date(2029, 5, 4)
    assert barred.blocking[0].citation.startswith("T art. 9")
    assert rules.decide(with_fraud_bar(QZ), record(publicity_end=dt.date(2029, 12, 1)), dt.date(2029, 5, 4),
                        [finding]).eligible


def test_already_repaired_under_objection_and_open_application_say_what_applies():
    assert codes(rules.decide(QZ, record(status="repaired"), TODAY)) == ["already_repaired"]
    assert codes(rules.decide(QZ, record(under_objection=True), TODAY)) == ["under_objection"]
    assert codes(rules.decide(QZ, record(open_application_id=5), TODAY)) == ["application_open"]


def test_several_bars_are_all_listed_and_an_undated_one_leaves_no_date():
    result = rules.decide(with_fraud_bar(QZ), record(publicity_min_end=dt.date(2026, 11, 3), under_objection=True),
                          TODAY, [FraudFinding(1, dt.date(2026, 8, 1), "concealment")])
    assert codes(result) == ["fraud_bar", "minimum_period", "under_objection"] and result.from_date is None


def test_uploaded_files_are_checked_by_content_and_size():
    assert rules.file_problem(b"%PDF-1.7 ...", "application/pdf", 100, ("application/pdf",)) is None
    assert rules.file_problem(b"\x89PNG\r\n\x1a\n..", "application/octet-stream", 100,
                              ("application/pdf", "image/png")) is None
    assert rules.file_problem(b"<html>", "application/pdf", 100, ("application/pdf",))[1].startswith("only PDF")
    assert "larger" in rules.file_problem(b"%PDF-" + b"0" * 200, "application/pdf", 100, ("application/pdf",))[1]
    assert rules.file_problem(b"", "application/pdf", 100, ("application/pdf",))[1] == "the file is empty"


BARRED = with_fraud_bar(QZ)
dates = st.dates(min_value=dt.date(2023, 5, 1), max_value=dt.date(2029, 12, 31))


@settings(max_examples=300, deadline=None)
@given(decided=dates, min_months=st.integers(0, 24), extra=st.integers(0, 36), today=dates,
       severity=st.sampled_from(["minor", "general", "serious", None]), objection=st.booleans())
def test_eligible_from_is_never_before_the_minimum_publicity_end(decided, min_months, extra, today, severity,
                                                                 objection):
    min_end = rules.add_months(decided, min_months)
    facts = record(decision_date=decided, publicity_min_end=min_end,
                   publicity_end=rules.add_months(min_end, extra + 1), severity=severity, under_objection=objection)
    result = rules.decide(QZ, facts, today)
    if result.from_date is not None:
        assert result.from_date >= min_end
    if result.eligible:
        assert today >= min_end and result.from_date <= today
    assert all(r.citation for r in result.reasons)
    assert result.regime == ("NDRC-36" if decided >= dt.date(2026, 4, 1) else "NDRC-58")


@settings(max_examples=300, deadline=None)
@given(revoked=dates, gap_days=st.integers(0, 3 * 366), kind=st.sampled_from(["fraud", "concealment",
                                                                              "broken_commitment"]))
def test_any_fraud_revocation_within_the_bar_refuses(revoked, gap_days, kind):
    today = revoked + dt.timedelta(days=gap_days)
    facts = dataclasses.replace(record(), decision_date=dt.date(2023, 6, 1), publicity_min_end=dt.date(2023, 9, 1),
                                publicity_end=dt.date(2099, 1, 1))
    result = rules.decide(BARRED, facts, today, [FraudFinding(1, revoked, kind)])
    within = today < rules.add_months(revoked, 36)
    assert ("fraud_bar" in codes(result)) == within
    assert result.eligible == (not within)
    if within:
        assert result.from_date == rules.add_months(revoked, 36)


@pytest.mark.parametrize("day, months, expected", [(dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
                                                   (dt.date(2024, 2, 29), 12, dt.date(2025, 2, 28)),
                                                   (dt.date(2026, 11, 30), 3, dt.date(2027, 2, 28))])
def test_months_are_calendar_months_clamped(day, months, expected):
    assert rules.add_months(day, months) == expected


# ---- conditions the approver confirms (FZ art. 21 para. 2; QZ art. 35 para. 1) --------------------------

FZ_CONDITIONS = ("behaviour_corrected", "commitment_accepted", "supervision_accepted", "penalty_performed")


def test_fz_art_21_para_2_names_four_conditions_with_labels_and_citation():
    conds = rules.conditions(FZ, TODAY)
    assert tuple(c.code for c in conds) == FZ_CONDITIONS
    assert all(c.citation.startswith("FZ art. 21 para. 2") and "第二十一条第二款" in c.citation for c in conds)
    assert all(c.text_zh and c.text_en for c in conds)
    assert {c.code: c.evidenced_by for c in conds if c.evidenced_by} == {"penalty_performed": "proof_of_performance"}
    assert rules.conditions(FZ, dt.date(2019, 7, 31)) == ()     # before the measures took effect


def test_qz_art_35_names_only_corrected_behaviour():
    conds = rules.conditions(QZ, TODAY)
    assert [c.code for c in conds] == ["behaviour_corrected"] and conds[0].evidenced_by is None
    assert conds[0].citation.startswith("QZ art. 35 para. 1")


@settings(max_examples=200)
@given(present=st.sets(st.sampled_from(rules.MATERIAL_KINDS)),
       confirmed=st.sets(st.sampled_from(FZ_CONDITIONS + ("other",))))
def test_approval_needs_each_condition_evidenced_or_confirmed(present, confirmed):
    conds = rules.conditions(FZ, TODAY)
    missing = rules.unconfirmed(conds, present, confirmed)
    for c in conds:
        covered = (c.evidenced_by in present if c.evidenced_by else False) or c.code in confirmed
        assert (c in missing) == (not covered)
    # the proof of performance never stands in for what no material evidences
    assert {c.code for c in rules.to_confirm(conds, set(rules.MATERIAL_KINDS))} == set(FZ_CONDITIONS) - {"penalty_performed"}
