"""Working-day arithmetic on China's official holiday calendar.

Statutory deadlines are counted in working days (工作日): QZ art. 23 and 36 (3 and 10 working
days), Order 36 (receiving systems update within 3 working days). A day is a working day by,
in order of precedence:

1. a year an administrator loaded from the State Council's notice (`xinyong calendar add`):
   its listed days off and make-up working days, weekends otherwise;
2. the chinese-calendar package, for the years it knows (2004-2026 in version 1.11);
3. otherwise the weekend rule alone, and the answer is **provisional**: the official schedule
   for that year is not known here. Deadlines counted over such a day are marked provisional
   in pages and API; this is never an error.

``WorkCalendar`` is pure (no I/O): build it with ``load_calendar(session)`` at the boundary.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import chinese_calendar
from chinese_calendar import constants as _cc_constants

ONE_DAY = dt.timedelta(days=1)
PACKAGE_YEARS = frozenset(d.year for d in _cc_constants.holidays)
# sources of a day's answer
TABLE, PACKAGE, WEEKEND_RULE = "table", "chinese_calendar", "weekend_rule"


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
    """Loaded years (``loaded``: year -> {day: (working, name)}) over the package over weekends."""

    loaded: dict[int, dict[dt.date, tuple[bool, str]]] = field(default_factory=dict)

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
    """The calendar with every administrator-loaded year (two small queries)."""
    from sqlalchemy import select

    from xinyong.models import CalendarDay, CalendarYear

    years = session.scalars(select(CalendarYear.year)).all()
    loaded: dict[int, dict[dt.date, tuple[bool, str]]] = {y: {} for y in years}
    for day, kind, name in session.execute(select(CalendarDay.day, CalendarDay.kind, CalendarDay.name)):
        loaded.setdefault(day.year, {})[day] = (kind == "work", name)
    return WorkCalendar(loaded)
