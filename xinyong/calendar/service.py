"""Loading a holiday year (replacing any earlier load of that year) and describing a year.
Flushes, never commits."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from xinyong.audit import record_event
from xinyong.calendar.rules import TableError, YearTable, parse
from xinyong.deadlines.recount import recount_year
from xinyong.kit.access import Principal
from xinyong.kit.errors import InvalidInput
from xinyong.models import CalendarDay, CalendarYear
from xinyong.workdays import WorkCalendar, load_calendar

MAX_FILE_BYTES = 256 * 1024


def read_table(content: bytes, filename: str) -> YearTable:
    """Parse an uploaded or given file, as InvalidInput naming the line on any problem."""
    if len(content) > MAX_FILE_BYTES:
        raise InvalidInput("文件过大", field="file", message_en="the file is too large")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("文件须为 UTF-8 编码", field="file", message_en="the file must be UTF-8") from None
    try:
        return parse(text, filename)
    except TableError as exc:
        raise InvalidInput(exc.message_zh, field="file", code="calendar_invalid", message_en=exc.message_en,
                           details={"line": exc.line}) from None


@dataclass(frozen=True)
class Loaded:
    year: int
    source: str
    deadlines_moved: int        # open deadlines counted over the year whose due date moved


def load_year(session: Session, actor: Principal | None, table: YearTable, loaded_by: str = "") -> Loaded:
    """Replace the year's loaded schedule with ``table`` in the caller's transaction (set-based),
    then count again every open deadline counted over that year (deadlines.recount): a deadline
    follows the calendar in force when it is read, not the one in force when it was opened."""
    replaced = session.get(CalendarYear, table.year) is not None
    session.execute(delete(CalendarDay).where(CalendarDay.year == table.year))
    session.execute(delete(CalendarYear).where(CalendarYear.year == table.year))
    session.flush()
    row = CalendarYear(year=table.year, source=table.source[:500], note=table.note,
                       loaded_by=(loaded_by or (actor.username if actor else "system"))[:200])
    session.add(row)
    session.flush()
    if table.days:
        session.execute(insert(CalendarDay), [
            {"day": d.day, "year": table.year, "kind": d.kind, "name": d.name} for d in table.days])
    record_event(session, actor, "calendar.year_loaded", target_type="calendar_year", target_id=table.year,
                 details={"year": table.year, "days_off": len(table.off), "makeup_workdays": len(table.work),
                          "replaced": replaced, "source": table.source[:200]})
    session.flush()
    year, source = row.year, row.source
    changes = recount_year(session, actor, year)
    return Loaded(year, source, sum(c.moved for c in changes))


def add_file(session: Session, actor: Principal | None, content: bytes, filename: str) -> Loaded:
    return load_year(session, actor, read_table(content, filename))


@dataclass(frozen=True)
class YearView:
    year: int
    source: str                 # table | chinese_calendar | weekend_rule
    provisional: bool
    loaded: CalendarYear | None
    months: list                # [(month, [DayInfo])]
    working_days: int
    days_off_on_weekdays: int
    makeup_workdays: int


def year_view(session: Session, year: int, calendar: WorkCalendar | None = None) -> YearView:
    calendar = calendar or load_calendar(session)
    covered = calendar.covered(year)
    months = [(m, calendar.month(year, m)) for m in range(1, 13)]
    days = [d for _, month in months for d in month]
    return YearView(year=year, source=covered or "weekend_rule", provisional=covered is None,
                    loaded=session.get(CalendarYear, year), months=months,
                    working_days=sum(d.working for d in days),
                    days_off_on_weekdays=sum(1 for d in days if not d.working and d.day.weekday() < 5),
                    makeup_workdays=sum(1 for d in days if d.working and d.day.weekday() >= 5))


def loaded_years(session: Session) -> list[CalendarYear]:
    return list(session.scalars(select(CalendarYear).order_by(CalendarYear.year)))


def check_year(year: int) -> int:
    if not 1990 <= year <= 2200:
        raise InvalidInput("年份超出范围", field="year", message_en="year out of range")
    return year
