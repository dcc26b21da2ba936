"""Working-day arithmetic on China's official holiday calendar.

Statutory deadlines are counted in working days (工作日): QZ art. 23 and 36 (3 and 10 working
days), Order 36 (receiving systems update within 3 working days). A day is a working day by,
in order of precedence:

1. a year an administrator loaded from the State Council's notice (`xinyong calendar add`):
   its listed days off and make-up working days, weekends otherwise;
2. the chinese-calendar package, for the years it knows (2004-2026 in version 1.11);
3. otherwise the statutory holidays of the national rule ``calendar.statutory_holidays``
   (元旦, 春节, 清明, 劳动节, 端午, 中秋, 国庆: their days by the Gregorian or lunar calendar or
   the solar term) and weekends, and the answer is **provisional**: the official schedule for
   that year (its make-up working days and bridged weekends) is not known here. Deadlines
   counted over such a day are marked provisional in pages and API; this is never an error.

``WorkCalendar`` is pure (no I/O): build it with ``load_calendar(session)`` at the boundary.
"""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field

import chinese_calendar
from chinese_calendar import constants as _cc_constants

ONE_DAY = dt.timedelta(days=1)
PACKAGE_YEARS = frozenset(d.year for d in _cc_constants.holidays)
# sources of a day's answer
TABLE, PACKAGE, WEEKEND_RULE = "table", "chinese_calendar", "weekend_rule"


@dataclass(frozen=True)
class StatutoryHoliday:
    """One holiday of ``calendar.statutory_holidays``: its first day by ``calendar`` (gregorian:
    month/day; lunar: month/day of the lunar calendar; solar_term: ``term``), moved by
    ``offset`` days, for ``days`` days."""
    name: str               # as the chinese-calendar package names it (worded by the pages)
    calendar: str
    days: int
    name_zh: str = ""
    month: int = 0
    day: int = 0
    term: str = ""
    offset: int = 0

    def first_day(self, year: int) -> dt.date:
        if self.calendar == "gregorian":
            start = dt.date(year, self.month, self.day)
        elif self.calendar == "lunar":
            from lunardate import LunarDate
            start = LunarDate(year, self.month, self.day).to_solar_date()
        elif self.calendar == "solar_term":
            start = next(d for d, name in chinese_calendar.get_solar_terms(dt.date(year, 1, 1), dt.date(year, 12, 31))
                         if name == self.term)
        else:
            raise ValueError(f"unknown holiday calendar {self.calendar!r}")
        return start + dt.timedelta(days=self.offset)


def statutory_holidays(rule_value: dict) -> tuple[StatutoryHoliday, ...]:
    """The holidays of a ``calendar.statutory_holidays`` rule's value."""
    return tuple(StatutoryHoliday(**h) for h in rule_value.get("holidays", ()))


@functools.lru_cache(maxsize=64)
def _days_off(year: int, holidays: tuple[StatutoryHoliday, ...]) -> dict[dt.date, str]:
    days: dict[dt.date, str] = {}
    for h in holidays:
        try:
            first = h.first_day(year)
        except (ValueError, StopIteration, NotImplementedError):   # a year the lunar table (>= 2100) or the solar terms (> 2100) do not reach
            continue
        for i in range(h.days):
            days[first + dt.timedelta(days=i)] = h.name
    return days


@dataclass(frozen=True)
class DayInfo:
    day: dt.date
    working: bool
    source: str             # table | chinese_calendar | weekend_rule
    name: str = ""          # holiday name where known

    @property
    def provisional(self) -> bool:
        return self.source == WEEKEND_RULE


@dataclass(frozen=True)
class Due:
    """A deadline date, and whether any day counted to reach it was provisional."""
    on: dt.date
    provisional: bool


@dataclass(frozen=True)
class WorkCalendar:
    """Loaded years (``loaded``: year -> {day: (working, name)}) over the package over the
    statutory holidays (``holidays``) and weekends."""

    loaded: dict[int, dict[dt.date, tuple[bool, str]]] = field(default_factory=dict)
    holidays: tuple[StatutoryHoliday, ...] = ()

    def info(self, day: dt.date) -> DayInfo:
        year_table = self.loaded.get(day.year)
        if year_table is not None:
            if day in year_table:
                working, name = year_table[day]
                return DayInfo(day, working, TABLE, name)
            return DayInfo(day, day.weekday() < 5, TABLE)
        if day.year in PACKAGE_YEARS:
            holiday, name = chinese_calendar.get_holiday_detail(day)
            return DayInfo(day, not holiday, PACKAGE, name or "")
        name = _days_off(day.year, self.holidays).get(day) if self.holidays else None
        if name is not None:
            return DayInfo(day, False, WEEKEND_RULE, name)
        return DayInfo(day, day.weekday() < 5, WEEKEND_RULE)

    def is_working(self, day: dt.date) -> bool:
        return self.info(day).working

    def covered(self, year: int) -> str | None:
        """Where the official schedule for ``year`` comes from, or None (provisional)."""
        if year in self.loaded:
            return TABLE
        return PACKAGE if year in PACKAGE_YEARS else None

    def add(self, start: dt.date, n: int) -> Due:
        """The n-th working day after ``start`` (``start`` itself never counts; n=0 gives start).

        "Within 3 working days of receipt" on a Friday before an ordinary weekend is the
        following Wednesday. Adding n then m equals adding n+m."""
        if n < 0:
            raise ValueError("n must be >= 0")
        day, provisional, left = start, False, n
        while left:
            day += ONE_DAY
            info = self.info(day)
            provisional = provisional or info.provisional
            if info.working:
                left -= 1
        return Due(day, provisional)

    def between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
        count, day = 0, start
        while day < end:
            day += ONE_DAY
            count += self.is_working(day)
        return count

    def month(self, year: int, month: int) -> list[DayInfo]:
        day = dt.date(year, month, 1)
        days = []
        while day.month == month:
            days.append(self.info(day))
            day += ONE_DAY
        return days


def load_calendar(session) -> WorkCalendar:
    """The calendar with every administrator-loaded year (two small queries) and the statutory
    holidays of the profile in force (none where it has no such rule)."""
    from sqlalchemy import select

    from xinyong.models import CalendarDay, CalendarYear

    years = session.scalars(select(CalendarYear.year)).all()
    loaded: dict[int, dict[dt.date, tuple[bool, str]]] = {y: {} for y in years}
    for day, kind, name in session.execute(select(CalendarDay.day, CalendarDay.kind, CalendarDay.name)):
        loaded.setdefault(day.year, {})[day] = (kind == "work", name)
    return WorkCalendar(loaded, profile_holidays())


def profile_holidays(on: dt.date | None = None) -> tuple[StatutoryHoliday, ...]:
    """The statutory holidays of the active profile's rule in force (``on``: today)."""
    from xinyong import clock
    from xinyong.law import RuleNotInForce
    from xinyong.law.loader import active_profile
    profile = active_profile()
    if "calendar.statutory_holidays" not in profile.keys():
        return ()
    try:
        rule = profile.rule("calendar.statutory_holidays", on or clock.today())
    except RuleNotInForce:
        return ()
    return statutory_holidays(rule.value)
