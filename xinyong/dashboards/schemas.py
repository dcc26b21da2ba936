"""The dashboard summary (API /api/v1/dashboards/summary and the page)."""
from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class Volume(BaseModel):
    agency_id: int | None
    agency: str
    item_code: str
    records: int


class AgencyQuality(BaseModel):
    agency_id: int | None
    agency: str
    records: int = 0
    avg_days_to_receive: float | None = Field(None, description="decision date to first arrival, days")
    max_days_to_receive: int | None = None
    batches: int = 0
    refused_batches: int = 0
    rows: int = 0
    rejected_rows: int = 0
    rejection_rate: float | None = Field(None, description="rejected rows / rows sent")
    batches_with_rejections: int = 0
    resent: int = 0
    avg_days_to_correct: float | None = Field(None, description="to the next batch of the same item")
    not_yet_resent: int = 0


class ProcedureCount(BaseModel):
    table: str
    available: bool
    total: int
    groups: list[dict]


class DeadlineCompliance(BaseModel):
    procedure: str
    done_on_time: int
    done_late: int
    overdue: int
    open_on_time: int


class FeedOverdue(BaseModel):
    receivers: int
    receivers_overdue: int
    overdue_changes: int


class UpstreamTimeliness(BaseModel):
    """One agency's 双公示 reporting in one month of decisions (issue 15 point 4)."""
    agency_id: int | None
    agency: str
    month: str = Field(description="YYYY-MM of the decision date")
    records: int
    acknowledged: int
    avg_workdays_to_receipt: float | None = Field(None, description="decision date to platform receipt")
    avg_workdays_to_ack: float | None = Field(None, description="platform receipt to upstream acknowledgement")
    avg_hours_to_ack: float | None = None
    share_within: float | None = Field(None, description="acknowledged within the rule's working days / records")


class UpstreamReporting(BaseModel):
    working_days: int | None = Field(None, description="the rule's working days; None: no rule in force")
    citation: str = ""
    rows: list[UpstreamTimeliness] = []


class Summary(BaseModel):
    today: dt.date
    total_records: int
    volumes: list[Volume]
    quality: list[AgencyQuality]
    procedures: list[ProcedureCount]
    deadlines: list[DeadlineCompliance]
    feed: FeedOverdue
    upstream: UpstreamReporting
    definitions: dict[str, str]
