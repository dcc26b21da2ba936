"""Pure rules of market credit information: the authorisation in force on a day (QZ art. 12
para. 2), applications (scope, 征信 licence FZ art. 10 para. 3, published channel QZ art. 34
para. 2), which source may send which item, and the grant's dates."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, strategies as st

from xinyong.law import get_profile
from xinyong.market import rules

DAY = dt.date(2026, 6, 1)
days = st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2028, 12, 31))


def _pol(city: str = "quanzhou"):
    return rules.policy(get_profile(city), DAY)


@given(start=days, length=st.one_of(st.none(), st.integers(0, 900)), revoked=st.one_of(st.none(), days), day=days)
def test_an_authorisation_covers_exactly_the_days_inside_its_validity_before_its_revocation(start, length, revoked, day):
    end = None if length is None else start + dt.timedelta(days=length)
    covered = rules.in_force(start, end, revoked, day)
    inside = start <= day and (end is None or day <= end)
    assert covered == (inside and (revoked is None or day < revoked))
    if covered:   # a day covered stays covered by a wider validity, and never after a revocation on it
        assert rules.in_force(start - dt.timedelta(days=1), end, revoked, day)
        assert not rules.in_force(start, end, day, day)


@given(scope=st.lists(st.sampled_from(["own_business", "members", "utility_billing", "third_party_credit_reports"]),
                      min_size=1, max_size=4, unique=True),
       licence=st.sampled_from(["", "  ", "Z20260001"]))
def test_a_credit_reporting_scope_needs_a_licence(scope, licence):
    pol = _pol()
    d = rules.check_application(pol, org_kind="credit_service", scope=scope, licence=licence,
                                objection_rules="收到异议后十个工作日内书面答复。", objection_channel="电话 0595-1234")
    reporting = "third_party_credit_reports" in scope
    assert d.allowed == (not reporting or bool(licence.strip()))
    if not d.allowed:
        assert d.code == "credit_reporting_unlicensed" and "征信业务" in d.reason_zh


def test_fuzhou_cites_its_article_10_para_3_for_credit_reporting():
    d = rules.check_application(_pol("fuzhou"), org_kind="association", scope=["third_party_credit_reports"],
                                licence=None, objection_rules="收到异议后十个工作日内书面答复。", objection_channel="电话")
    assert not d.allowed and "FZ art. 10 para. 3" in d.citation and "FZ art. 10 para. 3" in d.reason_zh


@pytest.mark.parametrize("kind,rules_text,channel,code", [
    ("public_body", "收到异议后十个工作日内书面答复。", "电话", "provider_kind"),
    ("financial", "太短", "电话", "objection_channel"),
    ("financial", "收到异议后十个工作日内书面答复。", "  ", "objection_channel"),
])
def test_an_application_is_refused_with_its_reason(kind, rules_text, channel, code):
    d = rules.check_application(_pol(), org_kind=kind, scope=["own_business"], licence=None,
                                objection_rules=rules_text, objection_channel=channel)
    assert not d.allowed and d.code == code and d.citation.startswith("QZ art.")


@pytest.mark.parametrize("source,reporting,status,licence,code", [
    ("market", False, None, None, "not_a_provider"),
    ("market", False, "pending", None, "not_a_provider"),
    ("market", False, "withdrawn", None, "not_a_provider"),
    ("market", True, "approved", None, "credit_reporting_unlicensed"),
    ("market", True, "approved", "Z1", "ok"),
    ("market", False, "approved", None, "ok"),
    ("public", False, None, None, "ok"),
    ("public", False, "approved", None, "public_item_from_provider"),
])
def test_which_source_may_send_which_item(source, reporting, status, licence, code):
    d = rules.check_item_for_provider(_pol(), item_source=source, item_credit_reporting=reporting,
                                      provider_status=status, licence=licence)
    assert d.code == code and d.allowed == (code == "ok")


@given(start=days, length=st.integers(-30, 2500))
def test_a_grant_runs_forward_at_most_the_profile_s_years(start, length):
    pol = _pol()
    end = start + dt.timedelta(days=length)
    d = rules.check_grant(pol, valid_from=start, valid_to=end, today=DAY, item_source="market")
    too_long = end > start.replace(year=start.year + pol.max_years) if not (start.month == 2 and start.day == 29) else \
        end > start.replace(year=start.year + pol.max_years, day=28)
    assert d.allowed == (end >= start and end >= DAY and not too_long)


def test_the_label_names_the_provider_and_who_answers():
    pol = _pol()
    assert "泉州测试银行" in rules.label(pol, "zh", "泉州测试银行") and "answers for" in rules.label(pol, "en", "B")
    assert pol.counted_in_evaluation is False and pol.display_citation.startswith("QZ art. 12 para. 3")
