"""Public credit evaluation (公共信用综合评价, QZ art. 16) and sector evaluations with tiered
supervision (行业信用评价、分级分类监管, QZ art. 17).

Results are kept per model version: a recompute under the version in force replaces that
version's rows only, so a new model version never rewrites the results of an older one.
Contributions are one row per subject, model version and indicator (never one per record):
the records behind a contribution are found again by the indicator's filter as of the
result's `as_of` date (xinyong.evaluation.repository.records_behind). Both large tables
carry subject_id first in their primary key and a time column (ARCHITECTURE.md)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.models.base import Base, BigId, TimestampTZ, created_at_column

# The recompute reads, per subject, only columns that ix_records_subject_date holds (its key and,
# on PostgreSQL, its INCLUDEd columns: xinyong/models/record.py): the full recompute is an
# index-only scan and an incremental one an index range per subject. Until migration 0026 a
# second index, ix_records_evaluation, served it alone.


class EvaluationRun(Base):
    """One recompute: full (every subject, by subject range) or incremental (named subjects)."""
    __tablename__ = "evaluation_runs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    model_version: Mapped[str] = mapped_column(String(40), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)          # full | incremental
    trigger: Mapped[str] = mapped_column(String(40), nullable=False)       # cli | staff | batch:<id> | repair ...
    as_of: Mapped[dt.date] = mapped_column(Date, nullable=False)
    subjects: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    contributions: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    started_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    started_at: Mapped[dt.datetime] = mapped_column(TimestampTZ, nullable=False)
    finished_at: Mapped[dt.datetime | None] = mapped_column(TimestampTZ, nullable=True)


class EvaluationResult(Base):
    __tablename__ = "evaluation_results"
    __table_args__ = (Index("ix_evaluation_results_version_grade", "model_version", "grade"),)

    subject_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    model_version: Mapped[str] = mapped_column(String(40), primary_key=True)
    score: Mapped[int] = mapped_column(Integer, nullable=False)
    grade: Mapped[str] = mapped_column(String(8), nullable=False)
    flagged: Mapped[int] = mapped_column(Integer, nullable=False, default=0)   # contributions under objection
    as_of: Mapped[dt.date] = mapped_column(Date, nullable=False)
    # in the key so that a recompute's new rows never meet the deleted rows of the previous run
    # in the unique index (a unique check on a key with dead duplicates visits each dead heap
    # tuple: that doubled the repeated full recompute); one row per subject and version is kept
    # by the recompute, which deletes a scope's rows before inserting them
    run_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    computed_at: Mapped[dt.datetime] = mapped_column(TimestampTZ, nullable=False)


class EvaluationContribution(Base):
    __tablename__ = "evaluation_contributions"

    subject_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    model_version: Mapped[str] = mapped_column(String(40), primary_key=True)
    run_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    indicator: Mapped[str] = mapped_column(String(64), primary_key=True)
    dimension: Mapped[str] = mapped_column(String(64), nullable=False)
    matched: Mapped[int] = mapped_column(Integer, nullable=False)     # records / entries / commitments counted
    flagged: Mapped[int] = mapped_column(Integer, nullable=False)     # of which under objection
    points: Mapped[int] = mapped_column(Integer, nullable=False)      # after the indicator's cap
    as_of: Mapped[dt.date] = mapped_column(Date, nullable=False)
    computed_at: Mapped[dt.datetime] = mapped_column(TimestampTZ, nullable=False)


class SectorImport(Base):
    """One file (or API call) of sector evaluations from an agency, filed (备案) on receipt."""
    __tablename__ = "sector_imports"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), nullable=False)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    rows: Mapped[int] = mapped_column(Integer, nullable=False)
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    filed_at: Mapped[dt.datetime] = created_at_column()


class SectorEvaluation(Base):
    __tablename__ = "sector_evaluations"
    __table_args__ = (
        UniqueConstraint("subject_id", "agency_id", "sector", "evaluated_on", name="uq_sector_evaluations_key"),
        Index("ix_sector_evaluations_subject_time", "subject_id", "evaluated_on"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subject_id: Mapped[int] = mapped_column(BigId, ForeignKey("subjects.id"), nullable=False)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), nullable=False)
    import_id: Mapped[int] = mapped_column(BigId, ForeignKey("sector_imports.id"), nullable=False)
    sector: Mapped[str] = mapped_column(String(64), nullable=False)
    grade: Mapped[str] = mapped_column(String(16), nullable=False)
    tier: Mapped[str] = mapped_column(String(16), nullable=False)
    evaluated_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    published: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True, server_default=true())
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[dt.datetime] = created_at_column()
