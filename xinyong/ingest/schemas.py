"""Request and response models of aggregation."""
from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field
from xinyong.kit.text import BulkCell, Code, Text


class JsonBatchIn(BaseModel):
    item: Code = Field(description="catalogue item code, e.g. penalty or licence")
    rows: list[dict[BulkCell, BulkCell | int | float | None]] = Field(
        description="rows keyed by the catalogue's Chinese headers or field codes", max_length=100_000)
    source: Code | None = Field(default=None, description="source agency USCC (staff only; agencies send their own)")
    change_reason: Text | None = Field(default=None, max_length=500)


class BatchOut(BaseModel):
    batch: int
    status: str
    item: str
    source: str
    agency_name: str | None = None
    filename: str
    channel: str
    received_at: dt.datetime
    completed_at: dt.datetime | None
    total_rows: int
    accepted: int
    rejected: int
    created: int
    updated: int
    unchanged: int
    error_code: str | None = None
    error_message: str | None = None
    notes: dict = {}


class RejectionOut(BaseModel):
    row_no: int
    field: str
    value: str
    reason_code: str
    reason: str
    reason_en: str
