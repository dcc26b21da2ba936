"""Request and response models of lists."""
from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field
from xinyong.kit.text import Code, Text

MAX_ID = 2**63 - 1


class ResponsiblePersonIn(BaseModel):
    role: Code = Field(max_length=32)
    name: Text = Field(min_length=1, max_length=100)
    subject_id: int | None = Field(None, ge=1, le=MAX_ID)


class ProposalIn(BaseModel):
    kind: Code = Field(max_length=32)
    subject_id: int = Field(ge=1, le=MAX_ID)
    category: Code | None = Field(None, max_length=48)
    criteria: list[Code] = Field(default_factory=list, max_length=10)
    lenient_flags: list[Code] = Field(default_factory=list, max_length=10)
    # QZ art. 21: why the listing proceeds without the leniency the platform flagged
    lenient_waiver_reason: Text = Field("", max_length=2000)
    basis_record_ids: list[int] = Field(default_factory=list, max_length=100)
    reasons: Text = Field(min_length=1, max_length=4000)
    legal_basis: Text = Field(min_length=1, max_length=2000)
    measures: Text = Field("", max_length=4000)
    removal_conditions: Text = Field("", max_length=2000)
    period_months: int | None = Field(None, ge=1, le=120)
    responsible_persons: list[ResponsiblePersonIn] = Field(default_factory=list, max_length=20)
    proposing_org_id: int | None = Field(None, ge=1, le=2**31 - 1)   # staff proposing for an agency


class ObjectionIn(BaseModel):
    text: Text = Field(min_length=1, max_length=4000)


class ObjectionReplyIn(BaseModel):
    outcome: Code = Field(max_length=16)        # upheld | withdrawn
    reply: Text = Field(min_length=1, max_length=4000)


class RemovalIn(BaseModel):
    note: Text = Field(min_length=1, max_length=2000)


class StepOut(BaseModel):
    step: str
    started_on: dt.date
    due_on: dt.date
    provisional: bool
    state: str
    citation: str
    completed_on: dt.date | None = None
    outcome: str | None = None


class DocumentRef(BaseModel):
    id: int
    kind: str
    number: str
    title: str
    link: str


class PersonOut(BaseModel):
    role: str
    role_name: str
    name: str
    subject_id: int | None = None


class EntryOut(BaseModel):
    id: int
    proposal_id: int
    kind: str
    kind_name: str
    category: str | None = None
    category_name: str | None = None
    status: str
    decided_on: dt.date
    listed_on: dt.date | None = None
    period_end: dt.date | None = None
    removed_on: dt.date | None = None
    removal_reason: str | None = None
    removal_note: str | None = None
    citation: str


class ProposalOut(BaseModel):
    id: int
    kind: str
    kind_name: str
    subject_id: int
    subject_name: str
    subject_kind: str
    proposing_org: str
    proposing_org_id: int
    category: str | None = None
    category_name: str | None = None
    criteria: list[str]
    lenient_flags: list[str]
    platform_lenient_flags: list[str] = []
    lenient_waiver_reason: str | None = None
    basis_record_ids: list[int]
    basis_records: list[str] = Field(default_factory=list, description="the basis records by agency and 决定文书号")
    reasons: str
    legal_basis: str
    measures: str
    removal_conditions: str
    period_months: int
    responsible_persons: list[PersonOut]
    status: str
    citation: str
    notice_sent_on: dt.date | None = None
    objection_text: str | None = None
    objection_on: dt.date | None = None
    objection_outcome: str | None = None
    objection_reply: str | None = None
    decided_on: dt.date | None = None
    steps: list[StepOut] = Field(default_factory=list)
    documents: list[DocumentRef] = Field(default_factory=list)
    entry: EntryOut | None = None


class PublicEntryOut(BaseModel):
    """One entry of a public list. Natural persons' names are masked."""
    id: int
    kind: str
    kind_name: str
    subject_id: int
    subject_name: str
    subject_kind: str
    uscc: str | None = None
    masked: bool = False
    category: str | None = None
    category_name: str | None = None
    proposing_org: str
    reasons: str
    legal_basis: str
    measures: str
    removal_conditions: str
    listed_on: dt.date | None = None
    period_end: dt.date | None = None
    responsible_persons: list[PersonOut] = Field(default_factory=list)
    citation: str
    decision_url: str | None = None   # the public decision document (organisations only)


class KindOut(BaseModel):
    kind: str
    name_zh: str
    name_en: str
    polarity: str
    prior_notice: bool
    categories: dict[str, str]
    criteria: dict[str, str]
    period_months: dict[str, int]
    citation: str


class PolicyOut(BaseModel):
    mode: str | None
    kinds: list[KindOut]
    lenient_flags: dict[str, str]
    lenient_citation: str
    responsible_roles: dict[str, str]
    responsible_citation: str
