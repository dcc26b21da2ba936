"""Tamper-evident audit log: entries hash-chained per chain, heads signed in checkpoints
(Ed25519). Several chains (e.g. one per shard) avoid one global lock; a checkpoint signs
every chain head at once."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.models.base import Base, BigId, Json, TimestampTZ


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (UniqueConstraint("chain", "seq", name="uq_audit_log_chain_seq"),
                      Index("ix_audit_log_at", "at"),
                      # a report's, a document's or a batch's entry, found for its proof (issue 12)
                      Index("ix_audit_log_target", "target_type", "target_id"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    chain: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False)
    at: Mapped[dt.datetime] = mapped_column(TimestampTZ, nullable=False)
    actor_user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor_org_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    action: Mapped[str] = mapped_column(String(64), nullable=False)
    target_type: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    target_id: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    subject_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    details: Mapped[dict] = mapped_column(Json, nullable=False, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)


class AuditHead(Base):
    """The last entry of each chain; appending locks only its chain's head row."""

    __tablename__ = "audit_heads"

    chain: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)


class AuditCheckpoint(Base):
    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(TimestampTZ, nullable=False)
    heads: Mapped[dict] = mapped_column(Json, nullable=False)   # {"chain": [seq, hash], ...}
    key_id: Mapped[str] = mapped_column(String(64), nullable=False)
    signature: Mapped[str] = mapped_column(Text, nullable=False)  # base64 Ed25519 over the canonical heads
