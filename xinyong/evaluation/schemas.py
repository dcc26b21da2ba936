"""Request and response models of the evaluation API (separate from the ORM models)."""
from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field
from xinyong.kit.text import Code


class ContributionOut(BaseModel):
    dimension: str
    dimension_name: str
    indicator: str
    indicator_name: str
    matched: int
    under_objection: int
    points: int
    records_url: str


class SectorEvaluationOut(BaseModel):
    sector: str
    grade: str
    tier: str
    tier_name: str
    inspections_per_year: float | None
    sampling_ratio: float | None
    evaluated_on: dt.date
    agency: str
    filed_at: dt.datetime
    citation: str


class EvaluationOut(BaseModel):
    subject_id: int
    subject_name: str
    subject_kind: str
    model_version: str
    model_title: str
    citation: str
    evaluated: bool
    grade: str | None = None
    grade_name: str | None = None
    score: int | None = None        # None for the public: the grade is explained from public contributions only
    public_view: bool = False       # True: contributions counted over records in public view today
    base_score: int
    grade_reason: str | None = None
    under_objection: int = 0
    as_of: dt.date | None = None
    computed_at: dt.datetime | None = None
    contributions: list[ContributionOut] = []
    sector_evaluations: list[SectorEvaluationOut] = []


class RecordBehindOut(BaseModel):
    kind: str                      # record | list_entry | commitment
    id: int
    label: str
    date: dt.date | None
    item_code: str | None = None
    severity: str | None = None
    detail: str = ""
    under_objection: bool = False
    url: str | None = None


class RecordsBehindOut(BaseModel):
    subject_id: int
    indicator: str
    indicator_name: str
    model_version: str
    as_of: dt.date
    matched: int
    shown: list[RecordBehindOut]
    hidden_not_public: int = 0


class RunOut(BaseModel):
    id: int
    model_version: str
    kind: str
    trigger: str
    as_of: dt.date
    subjects: int
    contributions: int
    seconds: float | None


class OverviewOut(BaseModel):
    model_version: str
    citation: str
    versions_available: list[str]
    distribution: dict[str, int]
    versions_stored: list[dict]
    runs: list[RunOut]


class SectorRowIn(BaseModel):
    uscc: Code = Field(min_length=1, max_length=18)
    sector: Code = Field(min_length=1, max_length=64)
    grade: Code = Field(min_length=1, max_length=16)
    tier: Code | None = Field(None, max_length=16)
    evaluated_on: Code = Field(min_length=1, max_length=10)
    agency_uscc: Code = Field(min_length=1, max_length=18)


class SectorImportIn(BaseModel):
    rows: list[SectorRowIn] = Field(min_length=1, max_length=50_000)


class SectorImportOut(BaseModel):
    import_id: int
    rows: int
