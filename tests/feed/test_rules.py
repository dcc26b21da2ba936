"""Acknowledgement deadlines of the change feed (QZ art. 36 para. 2): due dates on the working-day
calendar, and the overdue cutoff the grouped count relies on."""
from __future__ import annotations

import datetime as dt

from hypothesis import given, settings, strategies as st

from xinyong.feed import rules
from xinyong.law.loader import load_profile
from xinyong.workdays import WorkCalendar

CAL = WorkCalendar()


def test_friday_change_is_due_the_following_wednesday():
    # 2026-11-20 is a Friday; 3 working days later is Wednesday 2026-11-25
    assert rules.ack_due(CAL, dt.date(2026, 11, 20), 3) == dt.date(2026, 11, 25)
    assert not rules.is_overdue(CAL, dt.date(2026, 11, 20), 3, dt.date(2026, 11, 25))
    assert rules.is_overdue(CAL, dt.date(2026, 11, 20), 3, dt.date(2026, 11, 26))


def test_national_day_holiday_pushes_the_due_date():
    # a change on 2026-09-30 (Wednesday): 1-7 October are days off, so the third working day is later
    due = rules.ack_due(CAL, dt.date(2026, 9, 30), 3)
    assert due >= dt.date(2026, 10, 9)


def test_the_profile_gives_three_working_days_with_the_article():
    qz = rules.ack_policy(load_profile("quanzhou"), dt.date(2026, 11, 23))
    assert qz.working_days == 3 and "QZ art. 36" in qz.citation
    national = rules.ack_policy(load_profile("national"), dt.date(2026, 11, 23))
    assert national.working_days == 3 and "NDRC-36" in national.citation
    before = rules.ack_policy(load_profile("national"), dt.date(2025, 1, 1))
    assert before.working_days is None and before.reason == "no_ack_deadline_in_force"


def test_receiver_rules():
    kinds = ["credit_service", "financial"]
    assert rules.receiver_refusal("credit_service", True, kinds) is None
    assert rules.receiver_refusal("public_body", True, kinds) == "kind_not_a_receiver"
    assert rules.receiver_refusal("financial", False, kinds) == "organisation_not_in_standing"
    assert rules.may_self_register("credit_service", ["credit_service"])
    assert not rules.may_self_register("financial", ["credit_service"])


days = st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2028, 12, 31))


@settings(max_examples=300, deadline=None)
@given(occurred=days, today=days, n=st.integers(min_value=1, max_value=10))
def test_cutoff_is_exactly_the_overdue_set(occurred, today, n):
    """occurred_on <= cutoff  <=>  overdue today: the grouped SQL count equals the per-event rule."""
    cutoff = rules.overdue_cutoff(CAL, today, n)
    assert (occurred <= cutoff) == rules.is_overdue(CAL, occurred, n, today)


@settings(max_examples=200, deadline=None)
@given(a=days, b=days, n=st.integers(min_value=0, max_value=10))
def test_due_dates_never_go_backwards(a, b, n):
    lo, hi = sorted((a, b))
    assert rules.ack_due(CAL, lo, n) <= rules.ack_due(CAL, hi, n)


@settings(max_examples=200, deadline=None)
@given(d=days, n=st.integers(min_value=1, max_value=10))
def test_due_is_a_working_day_n_working_days_later(d, n):
    due = rules.ack_due(CAL, d, n)
    assert CAL.is_working(due) and CAL.between(d, due) == n
