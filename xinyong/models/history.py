"""One history for every versioned entity (records, authorisations, catalogue entries,
accounts, query items): the superseded version's snapshot, who changed it and why.
Written by xinyong.history — by an ORM hook for single changes and set-based SQL for bulk."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.models.base import Base, BigId, Json, TimestampTZ


class History(Base):
    __tablename__ = "history"
    __table_args__ = (Index("ix_history_entity", "entity", "entity_id", "version"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    entity: Mapped[str] = mapped_column(String(32), nullable=False)
    entity_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    subject_id: Mapped[int | None] = mapped_column(BigId, nullable=True, index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    snapshot: Mapped[dict] = mapped_column(Json, nullable=False)
    change_reason: Mapped[str] = mapped_column(Text, nullable=False)
    changed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    changed_in_batch: Mapped[int | None] = mapped_column(BigId, ForeignKey("batches.id"), nullable=True)
    changed_at: Mapped[dt.datetime] = mapped_column(TimestampTZ, nullable=False)


class HistoryMonth(Base):
    """The UTC months in which an entity has history rows (PostgreSQL, issue 16 point 6): written
    by a statement trigger on ``history`` (INSERT ... ON CONFLICT DO NOTHING, never an update;
    migration 0025_prune), so a record's history reads only the months from its first to its last
    change, whatever the settable clock did. SQLite (not partitioned) keeps none."""

    __tablename__ = "history_months"

    entity: Mapped[str] = mapped_column(String(32), primary_key=True)
    entity_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    month: Mapped[dt.date] = mapped_column(Date, primary_key=True)   # first day of the UTC month
