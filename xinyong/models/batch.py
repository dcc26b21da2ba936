"""Aggregation batches (归集批次) and their return-for-review rows (退回复核)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.models.base import Base, BigId, Json, TimestampTZ, created_at_column

BATCH_STATUSES = ("completed", "refused")


class Batch(Base):
    __tablename__ = "batches"
    # the same Idempotency-Key from the same agency is one batch (issue 16 point 5); NULLs are distinct
    __table_args__ = (UniqueConstraint("agency_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), nullable=True, index=True)
    source_uscc: Mapped[str] = mapped_column(String(18), nullable=False)
    item_code: Mapped[str] = mapped_column(String(64), nullable=False)
    filename: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    file_format: Mapped[str] = mapped_column(String(16), nullable=False, default="csv")
    channel: Mapped[str] = mapped_column(String(16), nullable=False, default="web")
    content_sha256: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    error_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    change_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    total_rows: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    accepted_rows: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rejected_rows: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_records: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    updated_records: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    unchanged_records: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # the ids of the subjects the batch created, first and last (None: none): their names wait
    # for the name-search table until the outbox applies xinyong.subjects.hooks
    subjects_from: Mapped[int | None] = mapped_column(BigId, nullable=True)
    subjects_to: Mapped[int | None] = mapped_column(BigId, nullable=True)
    notes: Mapped[dict] = mapped_column(Json, nullable=False, default=dict)
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    received_at: Mapped[dt.datetime] = created_at_column()
    completed_at: Mapped[dt.datetime | None] = mapped_column(TimestampTZ, nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    request_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # the local catalogue item's version the batch came in under (None: a national/file item)
    item_version: Mapped[int | None] = mapped_column(Integer, nullable=True)


class BatchRejection(Base):
    __tablename__ = "batch_rejections"

    batch_id: Mapped[int] = mapped_column(BigId, ForeignKey("batches.id", ondelete="CASCADE"), primary_key=True)
    row_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    field: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False, default="")
    reason_code: Mapped[str] = mapped_column(String(64), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    reason_en: Mapped[str] = mapped_column(Text, nullable=False, default="")
