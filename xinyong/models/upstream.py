"""Sharing upward (FZ art. 7; QZ art. 10): what the platform owes the provincial platform /
信用中国. One row per change of the feed (feed_events) that the upstream must hear of, written
set-based from the feed (xinyong/upstream/repository.py); a row is pending until the upstream's
receipt is stored on it (``upstream_id``, ``acknowledged_at``). The idempotency key is
(item_key, version, action): a retry after a lost answer sends the same key and the upstream
keeps one copy."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.models.base import Base, BigId, TimestampTZ, created_at_column


class UpstreamSubmission(Base):
    __tablename__ = "upstream_submissions"
    __table_args__ = (Index("ix_upstream_submissions_due", "acknowledged_at", "next_attempt_at"),
                      Index("ix_upstream_submissions_item", "item_key", "acknowledged_at"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    # the feed event it reports (None: a resend the reconciliation asked for)
    event_id: Mapped[int | None] = mapped_column(BigId, nullable=True, unique=True)
    item_key: Mapped[str] = mapped_column(String(80), nullable=False)          # "record:<id>" / "list:<entry id>"
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    action: Mapped[str] = mapped_column(String(16), nullable=False)            # rules.ACTIONS
    record_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    agency_id: Mapped[int | None] = mapped_column(Integer, nullable=True)       # the record's source agency
    decision_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    received_at: Mapped[dt.datetime | None] = mapped_column(TimestampTZ, nullable=True)   # platform receipt
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(TimestampTZ, nullable=False)
    last_error: Mapped[str] = mapped_column(Text, nullable=False, default="")
    upstream_id: Mapped[str | None] = mapped_column(String(120), nullable=True)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(TimestampTZ, nullable=True)
    created_at: Mapped[dt.datetime] = created_at_column()
