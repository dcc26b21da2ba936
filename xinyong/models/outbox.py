"""The ingest outbox (issue 14 point 1): what a committed batch still owes to the hooks applied
after its commit (xinyong.registry.AFTER_COMMIT_HOOKS). One row per (batch, hook), written in the
batch's own transaction; ``applied_at`` is set in the transaction that writes the hook's effects,
so a row is applied exactly once whatever crashes in between (xinyong/ingest/outbox.py)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.models.base import Base, BigId, TimestampTZ, created_at_column


class IngestOutbox(Base):
    __tablename__ = "ingest_outbox"
    __table_args__ = (UniqueConstraint("batch_id", "hook"),
                      Index("ix_ingest_outbox_pending", "applied_at", "id"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    batch_id: Mapped[int] = mapped_column(BigId, ForeignKey("batches.id"), nullable=False)
    hook: Mapped[str] = mapped_column(String(80), nullable=False)     # the hook module, e.g. xinyong.feed.hooks
    day: Mapped[dt.date] = mapped_column(Date, nullable=False)        # the platform's "today" at the batch's commit
    created_at: Mapped[dt.datetime] = created_at_column()
    applied_at: Mapped[dt.datetime | None] = mapped_column(TimestampTZ, nullable=True)
