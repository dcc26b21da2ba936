"""Public-view response models (what the portal and /api/v1 show to anyone)."""
from __future__ import annotations

import datetime as dt

from pydantic import BaseModel


class PublicSubjectSummary(BaseModel):
    id: int
    kind: str
    name: str
    uscc: str | None = None
    masked: bool = False
    # masked persons: the record in public view that tells them apart (never more identity)
    record_decision_no: str | None = None
    record_agency: str | None = None


class PublicRecord(BaseModel):
    id: int
    item_code: str
    item_name: str
    item_name_en: str
    decision_no: str
    decision_date: dt.date
    severity: str | None
    source_agency: str
    publicity_end: dt.date | None
    publicity_citation: str
    fields: dict[str, str | None]
    field_labels: dict[str, str]
    # an objection (异议) to this record is being handled (FZ art. 25, QZ art. 34)
    under_objection: bool = False


class PublicSubject(BaseModel):
    id: int
    kind: str
    name: str
    uscc: str | None = None
    resident_id: str | None = None
    legal_rep_name: str | None = None
    masked: bool = False
    as_of: dt.date
    records: list[PublicRecord]


class SearchResult(BaseModel):
    query: str
    items: list[PublicSubjectSummary]
    limit: int
    offset: int


class PublicityRow(BaseModel):
    """One 双公示 record as the public list shows it (a natural person's name masked)."""
    id: int
    item_code: str
    item_name: str
    item_name_en: str
    subject_id: int
    subject_name: str
    subject_kind: str
    masked: bool = False
    uscc: str | None = None
    decision_no: str
    decision_date: dt.date
    source_agency: str
    severity: str | None = None       # penalties only; a licence carries none
    publicity_end: dt.date | None = None
