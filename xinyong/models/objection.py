"""Objections (异议) to a credit record and their evidence files (FZ art. 25, QZ art. 34).

An objection runs from filing to the source agency's decision (corrected or upheld). While
it is open, ``open_record_id`` holds its record's id: a unique column that is NULL once the
objection is decided, so the database itself keeps one open objection per record (both
PostgreSQL and SQLite allow many NULLs in a unique column)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.models.base import Base, BigId, Json, TimestampTZ, created_at_column

STATUSES = ("open", "corrected", "upheld")
CHANNELS = ("self", "agent")


class Objection(Base):
    __tablename__ = "objections"
    __table_args__ = (
        Index("ix_objections_subject_filed", "subject_id", "filed_at"),
        Index("ix_objections_agency_status", "source_agency_id", "status"),
        Index("ix_objections_record", "record_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subject_id: Mapped[int] = mapped_column(BigId, nullable=False)
    record_id: Mapped[int] = mapped_column(BigId, nullable=False)
    # the record's id while the objection is open, NULL once decided (one open per record)
    open_record_id: Mapped[int | None] = mapped_column(BigId, nullable=True, unique=True)
    source_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), nullable=False)
    grounds: Mapped[list] = mapped_column(Json, nullable=False)           # codes of rule objection.grounds
    reasons: Mapped[str] = mapped_column(Text, nullable=False)
    # what the subject asks to be changed, as it wrote it (free text, optional)
    requested_change: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="open")
    channel: Mapped[str] = mapped_column(String(8), nullable=False, default="self")   # self | agent
    agent_authorisation_ref: Mapped[str | None] = mapped_column(String(200), nullable=True)
    filed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    filed_at: Mapped[dt.datetime] = created_at_column()
    filed_on: Mapped[dt.date] = mapped_column(nullable=False)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(TimestampTZ, nullable=True)
    decision_reasons: Mapped[str | None] = mapped_column(Text, nullable=True)
    # field-level changes applied on correction: [{"field", "label", "old", "new"}]
    changes: Mapped[list] = mapped_column(Json, nullable=False, default=list)
    record_version_before: Mapped[int | None] = mapped_column(Integer, nullable=True)
    document_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("documents.id"), nullable=True)


class ObjectionEvidence(Base):
    """An evidence file: kept here as bytes with its SHA-256, nowhere else."""

    __tablename__ = "objection_evidence"
    __table_args__ = (Index("ix_objection_evidence_objection", "objection_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    objection_id: Mapped[int] = mapped_column(BigId, ForeignKey("objections.id", ondelete="CASCADE"), nullable=False)
    subject_id: Mapped[int] = mapped_column(BigId, nullable=False)
    filename: Mapped[str] = mapped_column(String(200), nullable=False)
    content_type: Mapped[str] = mapped_column(String(32), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    uploaded_at: Mapped[dt.datetime] = created_at_column()
