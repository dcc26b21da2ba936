"""Request and response models of the commitments API."""
from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field
from xinyong.kit.text import Code, Text

MAX_ID = 2**63 - 1


class CommitmentIn(BaseModel):
    subject_id: int = Field(ge=1, le=MAX_ID)
    type: Code = Field(min_length=1, max_length=32)
    matter: Text = Field(min_length=1, max_length=500)
    text: Text = Field(min_length=1, max_length=4000)
    commitment_no: Code = Field(min_length=1, max_length=128)
    signed_on: dt.date | None = None
    deadline: dt.date | None = None


class FulfilIn(BaseModel):
    note: Text = Field("", max_length=4000)
    on: dt.date | None = None


class BreachIn(BaseModel):
    facts: Text = Field(min_length=1, max_length=4000)
    on: dt.date | None = None
    severity: Code | None = Field(None, pattern="^(轻微|一般|严重)$")


class AcceptFirstIn(BaseModel):
    subject_id: int = Field(ge=1, le=MAX_ID)


class CommitmentTypeOut(BaseModel):
    code: str
    name_zh: str
    name_en: str
    publication_required: bool


class CommitmentOut(BaseModel):
    id: int
    subject_id: int
    subject_name: str
    subject_uscc: str | None
    agency_name: str
    commitment_no: str
    type: str
    matter: str
    text: str
    signed_on: dt.date
    deadline: dt.date | None
    published: bool
    status: str
    fulfilled_on: dt.date | None
    breached_on: dt.date | None
    breach_record_id: int | None
    breach_batch_id: int | None
    overdue_flagged_on: dt.date | None
    citation: str


class ReasonOut(BaseModel):
    ok: bool
    text_zh: str
    text_en: str


class AcceptFirstOut(BaseModel):
    subject_id: int
    allowed: bool
    reasons: list[ReasonOut]
    citation: str
