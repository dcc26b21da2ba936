"""Pure rules of sharing upward: the working-day span rule of timeliness, back-off, layout."""
from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.catalogue.loader import get_catalogue
from xinyong.law.loader import active_profile
from xinyong.upstream import rules
from xinyong.workdays import WorkCalendar

CAL = WorkCalendar({})
days = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2026, 12, 31))


@settings(max_examples=150, deadline=None)
@given(decided=days, lag=st.integers(0, 40), n=st.integers(0, 15))
def test_within_the_rule_is_a_working_span_of_at_most_n(decided, lag, n):
    acknowledged = decided + dt.timedelta(days=lag)
    span = rules.working_span(CAL, decided, acknowledged)
    # within: fewer working days spanned, or exactly n ending on a working day (the n-th itself);
    # a weekend after the n-th working day spans no more working days, but the period is over
    on_time = span < n or (span == n and (acknowledged <= decided or CAL.is_working(acknowledged)))
    assert rules.within(CAL, decided, acknowledged, n) == on_time
    # the span counts working days only: never more than calendar days, never decreasing with a later end
    assert span <= lag
    assert rules.working_span(CAL, decided, acknowledged + dt.timedelta(days=1)) >= span


def test_the_national_holidays_stretch_the_seven_days():
    # decided Thu 24 Sep 2026: the Mid-Autumn and National Day holidays (25-27 Sep, 1-7 Oct) do
    # not count, the make-up Saturday 10 Oct does: the 7th working day is Mon 12 Oct
    decided = dt.date(2026, 9, 24)
    assert rules.within(CAL, decided, dt.date(2026, 10, 12), 7)
    assert not rules.within(CAL, decided, dt.date(2026, 10, 13), 7)
    assert rules.working_span(CAL, decided, dt.date(2026, 10, 12)) == 7


@given(attempts=st.integers(1, 60), base=st.integers(1, 600), cap=st.integers(1, 100_000))
def test_backoff_doubles_and_is_capped(attempts, base, cap):
    wait = rules.backoff_seconds(attempts, base, cap)
    assert 0 < wait <= cap
    assert wait == min(cap, base * 2 ** (attempts - 1))
    assert rules.backoff_seconds(attempts + 1, base, cap) >= wait


def test_the_rule_is_data_with_its_basis():
    policy = rules.deadline_policy(active_profile(), dt.date(2026, 11, 23))
    assert policy.working_days == 7 and set(policy.items) == {"penalty", "licence"}
    assert "not in our sources" in policy.citation or "GB-DUAL" in policy.citation or "双公示" in policy.citation


@given(values=st.dictionaries(st.sampled_from([f.code for f in get_catalogue().get("penalty").fields]),
                              st.text(min_size=1, max_size=5), max_size=12))
def test_layout_uses_national_headers_and_never_sends_sensitive_identifiers(values):
    item = get_catalogue().get("penalty")
    out = rules.national_layout(item, values, {"decision_no": "泉市监罚〔2026〕1号"})
    headers = {f.header_zh: f for f in item.fields}
    assert set(out) <= set(headers)
    assert not any(headers[h].sensitive for h in out)
    assert out["行政处罚决定书文号"] == values.get("decision_no", "泉市监罚〔2026〕1号")
    for code, value in values.items():
        f = item.field(code)
        assert (f.header_zh in out) == (not f.sensitive)


def test_every_feed_change_of_a_record_or_list_has_an_action():
    assert set(rules.ACTIONS.values()) <= set(rules.ACTION_LABELS)
    assert set(rules.ENDING) <= set(rules.ACTION_LABELS)


def test_the_upstream_schedule_runs_only_when_an_upstream_is_configured():
    from xinyong.config import Settings
    assert Settings(upstream_url="").schedule_specs()["upstream"].kind == "off"
    on = Settings(upstream_url="https://upstream.invalid/api").schedule_specs()["upstream"]
    assert (on.kind, on.seconds) == ("every", 600)
