"""Request and response models of objections (separate from the ORM models)."""
from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field
from xinyong.kit.text import Code, Text


class DecisionIn(BaseModel):
    """The source agency's decision: corrected (with new values of named fields) or upheld."""
    outcome: Code = Field(pattern="^(corrected|upheld)$")
    reasons: Text = Field(min_length=1, max_length=4000)
    corrections: dict[Code, Text] = Field(default_factory=dict, description="field code -> new value ('' clears)")


class ChangeOut(BaseModel):
    field: str
    label: str
    old: str | None
    new: str | None


class EvidenceOut(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    url: str


class DeadlineOut(BaseModel):
    step: str
    due_on: dt.date
    state: str
    provisional: bool
    citation: str
    completed_on: dt.date | None = None


class ObjectionOut(BaseModel):
    id: int
    record_id: int
    subject_id: int
    subject_name: str
    item_code: str
    decision_no: str
    source_agency_id: int
    source_agency: str
    grounds: list[str]
    grounds_text: list[str]
    reasons: str
    requested_change: str
    status: str
    channel: str
    agent_authorisation_ref: str | None = None
    filed_on: dt.date
    filed_at: dt.datetime
    decided_at: dt.datetime | None = None
    decision_reasons: str | None = None
    changes: list[ChangeOut] = []
    evidence: list[EvidenceOut] = []
    deadline: DeadlineOut | None = None
    document_id: int | None = None
    document_url: str | None = None
    citation: str


class ObjectionPage(BaseModel):
    items: list[ObjectionOut]
    total: int
    limit: int
    offset: int


class CorrectableFieldOut(BaseModel):
    code: str
    label: str
    type: str
    required: bool
    current: str | None
