from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field
from xinyong.kit.text import Text


class DeadlineOut(BaseModel):
    id: int
    procedure: str
    procedure_id: int
    step: str
    link: str
    subject_id: int | None
    responsible_org_id: int | None
    responsible_org: str | None
    responsible_role: str | None
    started_on: dt.date
    due_on: dt.date
    working_days: int
    working_days_left: int = Field(description="negative: working days overdue")
    state: str = Field(description="on_time | due_soon | overdue | done | done_late")
    provisional: bool = Field(description="counted over a day no official holiday schedule covers")
    citation: str
    extensions: int
    extension_reason: str | None
    overdue_marked_on: dt.date | None
    completed_on: dt.date | None


class DeadlinePage(BaseModel):
    items: list[DeadlineOut]
    page: int
    has_next: bool


class ExtendIn(BaseModel):
    reason: Text = Field(min_length=1, max_length=1000, description="why more time is needed (QZ art. 36)")
