"""Request and response shapes of credit repair (separate from the ORM models)."""
from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field
from xinyong.kit.text import Code, Text


class ReasonOut(BaseModel):
    code: str
    text_zh: str
    text_en: str
    citation: str
    blocking: bool = True


class EligibilityOut(BaseModel):
    record_id: int
    item_code: str
    decision_no: str
    decision_date: dt.date
    severity: str | None
    source_agency: str
    record_status: str
    eligible: bool
    from_date: dt.date | None
    regime: str
    citation: str
    materials_required: list[str]
    reasons: list[ReasonOut]


class DeadlineOut(BaseModel):
    step: str
    started_on: dt.date
    due_on: dt.date
    state: str
    citation: str
    provisional: bool
    extensions: int
    extension_reason: str | None
    completed_on: dt.date | None
    outcome: str | None


class MaterialOut(BaseModel):
    id: int
    kind: str
    filename: str
    content_type: str
    size: int
    sha256: str


class DocumentOut(BaseModel):
    id: int
    kind: str
    number: str
    title: str
    link: str


class ConditionOut(BaseModel):
    """A repair condition (FZ art. 21 para. 2); evidenced_by: the material on file that evidences it."""
    code: str
    text_zh: str
    text_en: str
    evidenced_by: str | None = None
    confirmed: bool = False


class ConfirmationsOut(BaseModel):
    """Recorded at approval: who confirmed the conditions, when, under which article."""
    by: int | None
    by_name: str = ""
    at: str
    citation: str
    conditions: list[ConditionOut]


class ApplicationOut(BaseModel):
    id: int
    subject_id: int
    subject_name: str
    record_id: int
    decision_no: str
    source_agency: str
    status: str
    channel: str
    filed_by: int | None
    statement: str
    regime: str
    eligibility_citation: str
    required_materials: list[str]
    missing_materials: list[str]
    reasons: list[ReasonOut]
    received_on: dt.date
    accepted_on: dt.date | None
    decided_on: dt.date | None
    decision_reason: str | None
    repaired_on: dt.date | None
    repair_citation: str | None
    revoked_on: dt.date | None
    revoked_kind: str | None
    revoked_reason: str | None
    revocation_citation: str | None
    deadlines: list[DeadlineOut] = []
    materials: list[MaterialOut] = []
    documents: list[DocumentOut] = []
    conditions_citation: str = ""
    conditions: list[ConditionOut] = []          # named by the rule in force today (to confirm at approval)
    condition_confirmations: ConfirmationsOut | None = None


class ReasonIn(BaseModel):
    reason: Text = Field("", max_length=2000)


class RevokeIn(BaseModel):
    kind: Literal["fraud", "concealment", "broken_commitment"]
    reason: Text = Field(..., min_length=1, max_length=2000)


class ApproveIn(BaseModel):
    reason: Text = Field("", max_length=2000)
    # codes of the conditions (FZ art. 21 para. 2) the approver confirms
    conditions: list[Code] = Field(default_factory=list, max_length=20)
