"""Request and response models of complaints. No response model but HandlerView carries the
complainant's identity (tests scan every other answer for it)."""
from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from xinyong.complaints.rules import CONTACT_MAX, ID_MAX, NAME_MAX, SUMMARY_MAX, TEXT_MAX
from xinyong.kit.text import Code, PrivateText

MAX_ID = 2**63 - 1


class ComplaintIn(BaseModel):
    kind: Code = Field("complaint", max_length=16, description="complaint (投诉) | report (举报)")
    stage: Code = Field("", max_length=16, description="collection | aggregation | sharing | publication | query | use "
                        "(may be left empty with a category: the category's stage)")
    category: Code = Field("", max_length=32, description="a category of the profile's complaint.categories, "
                           "e.g. promised_rating (QZ art. 42) or bundled_collection (FZ art. 27 para. 2)")
    credit_service_id: int | None = Field(None, ge=1, le=MAX_ID,
                                          description="the credit service agency complained about (register entry)")
    summary: PrivateText = Field(..., max_length=SUMMARY_MAX)
    subject_id: int | None = Field(None, ge=1, le=MAX_ID, description="the credit subject concerned, if any")
    record_id: int | None = Field(None, ge=1, le=MAX_ID, description="the record concerned, if any")
    anonymous: bool = False
    name: PrivateText = Field("", max_length=NAME_MAX)
    contact: PrivateText = Field("", max_length=CONTACT_MAX)
    id_number: Code = Field("", max_length=ID_MAX)


class FiledOut(BaseModel):
    id: int
    tracking_code: str
    secret: str = Field(description="shown once: with the tracking code it reads the result")
    status: str
    handle_due_on: dt.date | None


class TrackIn(BaseModel):
    tracking_code: Code = Field(..., min_length=1, max_length=32)
    secret: Code = Field(..., min_length=1, max_length=64)


class ComplaintResultOut(BaseModel):
    """What the complainant reads."""
    tracking_code: str
    kind: str
    stage: str
    summary: str
    status: str
    filed_on: dt.date
    outcome: str | None
    result: str | None
    handled_on: dt.date | None
    result_document_id: int | None = None
    citation: str


class ComplaintOut(BaseModel):
    """What credit-department staff see: never the complainant."""
    id: int
    kind: str
    stage: str
    summary: str
    subject_id: int | None
    record_id: int | None
    category: str | None = None
    credit_service_id: int | None = None
    anonymous: bool
    status: str
    filed_on: dt.date
    handler_user_id: int | None
    handler: str | None
    handle_due_on: dt.date | None
    deadline_state: str | None
    outcome: str | None
    handling: str | None
    result: str | None
    handled_on: dt.date | None
    result_document_id: int | None
    citation: str


class Identity(BaseModel):
    anonymous: bool
    signed_in: bool
    name: str
    contact: str
    id_number: str


class HandlerView(ComplaintOut):
    complainant: Identity


class AssignIn(BaseModel):
    handler_user_id: int = Field(..., ge=1, le=2**31 - 1)


class HandleIn(BaseModel):
    outcome: Code = Field(..., max_length=24)
    handling: PrivateText = Field(..., max_length=TEXT_MAX)
    result: PrivateText = Field(..., max_length=TEXT_MAX)


class ReassignIn(BaseModel):
    to_user_id: int = Field(..., ge=1, le=2**31 - 1, description="the new handler (not yourself)")
    reason: PrivateText = Field(..., max_length=2000, description="why the complaint must change hands (recorded)")


class DecisionIn(BaseModel):
    note: PrivateText = Field("", max_length=TEXT_MAX)


class ReassignmentOut(BaseModel):
    """A request to change a complaint's handler (four eyes); never the complainant."""
    id: int
    complaint_id: int
    from_user_id: int
    from_handler: str
    to_user_id: int
    to_handler: str
    reason: str
    requested_by: int
    requester: str
    requested_at: dt.datetime
    status: str
    decided_by: int | None
    decider: str | None
    decided_at: dt.datetime | None
    decision_note: str | None
    citation: str


class IdentityViewOut(BaseModel):
    """One audited opening of a complainant's identity: who, when, why (never what was seen)."""
    audit_entry_id: int
    at: dt.datetime
    actor: str
    actor_user_id: int | None
    purpose: str
