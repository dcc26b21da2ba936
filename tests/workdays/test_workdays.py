"""Working-day arithmetic around holidays, make-up working days and the year boundary into a
year neither the package nor a table covers (QZ art. 23 and 36: deadlines in working days)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.calendar.rules import parse
from xinyong.workdays import PACKAGE, TABLE, WEEKEND_RULE, WorkCalendar

D = dt.date
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "calendar-example.yaml"
PACKAGE_ONLY = WorkCalendar()


def table_calendar(text: str, filename: str = "t.yaml") -> WorkCalendar:
    table = parse(text, filename)
    return WorkCalendar({table.year: {d.day: (d.kind == "work", d.name) for d in table.days}})


EXAMPLE_2026 = table_calendar(EXAMPLE.read_text(encoding="utf-8"))


@pytest.mark.parametrize("cal", [PACKAGE_ONLY, EXAMPLE_2026], ids=["package", "table"])
class TestOfficial2026:
    def test_three_working_days_from_before_the_national_day_holiday(self, cal):
        # Tue 29 Sep: 30 Sep is a working day, 1-7 Oct off, Thu 8 and Fri 9 Oct working
        due = cal.add(D(2026, 9, 29), 3)
        assert due.on == D(2026, 10, 9) and not due.provisional

    def test_make_up_saturday_counts(self, cal):
        # Fri 9 Oct + 1 working day = Sat 10 Oct (调休上班)
        assert cal.add(D(2026, 10, 9), 1).on == D(2026, 10, 10)
        assert cal.info(D(2026, 10, 10)).working

    def test_spring_festival(self, cal):
        # Fri 13 Feb: Sat 14 Feb is a make-up working day, 15-23 Feb off, Tue 24 Feb working
        assert cal.add(D(2026, 2, 13), 1).on == D(2026, 2, 14)
        assert cal.add(D(2026, 2, 13), 2).on == D(2026, 2, 24)
        assert not cal.is_working(D(2026, 2, 23))     # a Monday, off

    def test_ten_working_days_over_labour_day(self, cal):
        # Wed 29 Apr + 10: 30 Apr (1), 1-5 May off, 6,7,8 (4), Sat 9 May make-up (5), 11-15 (10)
        assert cal.add(D(2026, 4, 29), 10).on == D(2026, 5, 15)

    def test_new_year(self, cal):
        # Wed 31 Dec 2025 + 1: 1-3 Jan off, Sun 4 Jan is a make-up working day
        assert cal.add(D(2025, 12, 31), 1).on == D(2026, 1, 4)

    def test_between_matches_add(self, cal):
        assert cal.between(D(2026, 9, 29), D(2026, 10, 9)) == 3
        assert cal.between(D(2026, 10, 9), D(2026, 9, 29)) == 0


def test_the_example_table_agrees_with_the_package_for_every_day_of_2026():
    day = D(2026, 1, 1)
    while day.year == 2026:
        assert EXAMPLE_2026.is_working(day) == PACKAGE_ONLY.is_working(day), day
        day += dt.timedelta(days=1)


def test_into_2027_is_provisional_never_an_error():
    # Thu 24 Dec 2026 + 10 working days runs into January 2027, which no table covers
    due = PACKAGE_ONLY.add(D(2026, 12, 24), 10)
    assert due.provisional
    assert due.on == D(2027, 1, 7)   # weekends only: 25,28,29,30,31 Dec, 1,4,5,6,7 Jan
    assert PACKAGE_ONLY.info(D(2027, 1, 1)).source == WEEKEND_RULE
    assert PACKAGE_ONLY.info(D(2027, 1, 1)).working   # not known as a holiday: provisional answer
    assert PACKAGE_ONLY.covered(2027) is None


def test_a_deadline_inside_2026_is_not_provisional():
    assert not PACKAGE_ONLY.add(D(2026, 12, 10), 5).provisional


def test_a_loaded_2027_table_makes_the_boundary_official():
    cal = table_calendar("year: 2027\nsource: test notice\ndays_off:\n  - {from: 2027-01-01, to: 2027-01-01, name: 元旦}\n")
    due = cal.add(D(2026, 12, 24), 10)
    assert not due.provisional
    assert due.on == D(2027, 1, 8)   # 1 Jan 2027 is now a day off
    assert cal.info(D(2027, 1, 1)).source == TABLE and cal.info(D(2026, 12, 1)).source == PACKAGE


# ---- properties ------------------------------------------------------------------------------------

dates = st.dates(min_value=D(2024, 1, 1), max_value=D(2028, 12, 31))
counts = st.integers(min_value=0, max_value=40)
calendars = st.sampled_from([PACKAGE_ONLY, EXAMPLE_2026])


@settings(max_examples=300, deadline=None)
@given(cal=calendars, start=dates, n=counts, m=counts)
def test_adding_n_then_m_is_adding_n_plus_m(cal, start, n, m):
    first = cal.add(start, n)
    assert cal.add(first.on, m).on == cal.add(start, n + m).on


@settings(max_examples=300, deadline=None)
@given(cal=calendars, start=dates, n=st.integers(min_value=1, max_value=40))
def test_the_result_is_a_working_day(cal, start, n):
    assert cal.is_working(cal.add(start, n).on)


@settings(max_examples=300, deadline=None)
@given(cal=calendars, start=dates, n=counts)
def test_between_inverts_add(cal, start, n):
    assert cal.between(start, cal.add(start, n).on) == n


@settings(max_examples=300, deadline=None)
@given(start=dates, n=st.integers(min_value=1, max_value=40))
def test_provisional_iff_a_traversed_day_is_in_an_uncovered_year(start, n):
    due = PACKAGE_ONLY.add(start, n)
    traversed_years = {(start + dt.timedelta(days=i)).year for i in range(1, (due.on - start).days + 1)}
    assert due.provisional == any(PACKAGE_ONLY.covered(y) is None for y in traversed_years)


@settings(max_examples=200, deadline=None)
@given(day=st.dates(min_value=D(2026, 1, 1), max_value=D(2026, 12, 31)), working=st.booleans())
def test_a_loaded_table_overrides_the_package(day, working):
    cal = WorkCalendar({2026: {day: (working, "override")}})
    info = cal.info(day)
    assert info.working == working and info.source == TABLE and not info.provisional


def test_negative_counts_are_refused():
    with pytest.raises(ValueError):
        PACKAGE_ONLY.add(D(2026, 1, 5), -1)


# ---- a year no schedule covers: the statutory holidays (national rule calendar.statutory_holidays) ----

def _statutory(on: D = D(2026, 12, 7)):
    from xinyong.law.loader import get_profile
    from xinyong.workdays import statutory_holidays
    return statutory_holidays(get_profile("quanzhou").rule("calendar.statutory_holidays", on).value)


@pytest.mark.parametrize("year", [2025, 2026])
def test_every_statutory_holiday_of_the_rule_is_a_day_off_in_the_official_schedules(year):
    """The rule's Gregorian, lunar and solar-term days checked against the State Council's own
    schedules of the years the package holds (the revision in force since 2025)."""
    from xinyong.workdays import _days_off
    days = _days_off(year, _statutory())
    assert len(days) == 13      # 1 + 4 + 1 + 2 + 1 + 1 + 3 days of art. 2
    for day, name in days.items():
        assert not PACKAGE_ONLY.is_working(day), (day, name)
        assert PACKAGE_ONLY.info(day).name == name       # named as the package names it


def test_a_year_no_schedule_covers_keeps_its_statutory_holidays_provisionally():
    cal = WorkCalendar({}, _statutory())
    new_year = cal.info(D(2027, 1, 1))
    assert (new_year.working, new_year.name, new_year.provisional) == (False, "New Year's Day", True)
    assert [d for d in (D(2027, 2, 5), D(2027, 2, 8), D(2027, 6, 9), D(2027, 9, 15), D(2027, 10, 1), D(2027, 10, 3))
            if cal.is_working(d)] == []
    assert cal.is_working(D(2027, 2, 9)) and cal.is_working(D(2027, 10, 4))
    # QZ art. 23: an objection received Wed 30 Dec 2026 is answered within 3 working days: 1 Jan is off
    due = cal.add(D(2026, 12, 30), 3)
    assert (due.on, due.provisional) == (D(2027, 1, 5), True)
    assert WorkCalendar().add(D(2026, 12, 30), 3).on == D(2027, 1, 4)   # the weekend rule alone, as before


def test_a_year_the_lunar_table_does_not_reach_keeps_its_gregorian_holidays():
    """/calendar/2100 failed: lunardate covers 1900-2099. Such a year still has 元旦 and 国庆."""
    cal = WorkCalendar({}, _statutory())
    assert not cal.is_working(D(2100, 1, 1)) and not cal.is_working(D(2100, 10, 1))
    assert [d.day for d in cal.month(2100, 2)]            # no error for the whole month
    assert cal.info(D(2101, 1, 1)).name == "New Year's Day" and [d.day for d in cal.month(2101, 4)]   # nor the solar terms
