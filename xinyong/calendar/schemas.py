from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class CalendarDayOut(BaseModel):
    day: dt.date
    working: bool
    source: str = Field(description="table | chinese_calendar | weekend_rule")
    provisional: bool = Field(description="no official schedule known: weekends-only fallback")
    name: str


class CalendarYearOut(BaseModel):
    year: int
    source: str = Field(description="where this year's schedule comes from: table | chinese_calendar | weekend_rule")
    provisional: bool
    loaded_from: str | None = Field(description="the notice a loaded table was copied from")
    working_days: int
    deadlines_moved: int | None = Field(None, description="on loading a table: open deadlines counted over the "
                                                          "year whose due date moved on the recount")
    days: list[CalendarDayOut]
