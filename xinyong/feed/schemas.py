"""Request and response models of the change feed."""
from __future__ import annotations

import datetime as dt

from typing import Annotated

from pydantic import BaseModel, Field
from xinyong.kit.text import Text

MAX_ID = 2**63 - 1


class FeedEventOut(BaseModel):
    id: int
    kind: str
    subject_id: int
    record_id: int | None
    occurred_on: dt.date
    details: dict
    citation: str
    acknowledged: bool
    ack_due_on: dt.date | None = Field(description="last day to acknowledge (deadline.feed.ack)")
    overdue: bool


class FeedPage(BaseModel):
    receiver_id: int
    acknowledged_through: int
    events: list[FeedEventOut]
    next_after: int | None = Field(description="pass as `after` for the next page; null when none")
    citation: str


class AckIn(BaseModel):
    up_to: int | None = Field(None, ge=1, le=MAX_ID, description="acknowledge every change up to this id")
    ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(default_factory=list, max_length=1000, description="acknowledge these changes")


class ReceiverStatusOut(BaseModel):
    receiver_id: int
    org_id: int
    org_name: str
    org_kind: str
    active: bool
    acknowledged_through: int
    unacknowledged: int
    overdue: int
    oldest_unacknowledged_on: dt.date | None
    oldest_unacknowledged_id: int | None
    oldest_due_on: dt.date | None
    registered_at: dt.datetime


class ReceiverIn(BaseModel):
    org_id: int = Field(ge=1, le=2**31 - 1)
    note: Text = Field("", max_length=500)
    backlog: int = Field(0, ge=0, le=1_000_000, description="also follow this many of the newest existing changes")


def status_out(s) -> ReceiverStatusOut:
    return ReceiverStatusOut(receiver_id=s.receiver.id, org_id=s.org.id, org_name=s.org.name, org_kind=s.org.kind,
                             active=s.receiver.active, acknowledged_through=s.receiver.acked_through_id,
                             unacknowledged=s.unacknowledged, overdue=s.overdue,
                             oldest_unacknowledged_on=s.oldest_unacknowledged_on,
                             oldest_unacknowledged_id=s.oldest_unacknowledged_id, oldest_due_on=s.oldest_due_on,
                             registered_at=s.receiver.registered_at)
