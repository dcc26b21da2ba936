"""Receiving systems that follow the change feed (QZ art. 36 para. 2, NDRC Order 36) and what
they acknowledged. The events themselves are FeedEvent (models/procedure.py).

A receiver's acknowledgements are a watermark (every event id <= ``acked_through_id`` is
acknowledged) plus the single ids acknowledged above it (FeedAck), compacted into the
watermark as soon as they are contiguous; so overdue changes are counted per receiver with
one grouped query, never with a deadline row per event per receiver."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Text, true
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.models.base import Base, BigId, TimestampTZ, created_at_column
from xinyong.models.procedure import FeedEvent

# sweeps look up "has this record's publication_ended event been emitted yet"
Index("ix_feed_events_record_kind", FeedEvent.record_id, FeedEvent.kind)


class FeedReceiver(Base):
    __tablename__ = "feed_receivers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), nullable=False, unique=True)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True, server_default=true())
    # the receiver follows events after this id (those before its registration are not its own)
    start_after_event_id: Mapped[int] = mapped_column(BigId, nullable=False, default=0)
    acked_through_id: Mapped[int] = mapped_column(BigId, nullable=False, default=0)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    registered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    registered_at: Mapped[dt.datetime] = created_at_column()
    last_ack_at: Mapped[dt.datetime | None] = mapped_column(TimestampTZ, nullable=True)


class FeedAck(Base):
    __tablename__ = "feed_acks"

    receiver_id: Mapped[int] = mapped_column(BigId, ForeignKey("feed_receivers.id", ondelete="CASCADE"),
                                             primary_key=True)
    event_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    acked_at: Mapped[dt.datetime] = created_at_column()


class FeedEventSpan(Base):
    """Where events after an id can be (PostgreSQL, issue 16 point 6): every statement that inserts
    feed events adds (the earliest created_at among its rows, its highest id), written by a
    statement trigger in the same transaction (migration 0025_prune). Every event with an id above
    x therefore lies at or after min(first_at) of the spans with last_id > x, whatever the settable
    clock did: a read after a cursor prunes the months before. The partitions job merges a month's
    spans into one. SQLite (not partitioned) keeps none."""

    __tablename__ = "feed_event_spans"

    last_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    first_at: Mapped[dt.datetime] = mapped_column(TimestampTZ, primary_key=True)
