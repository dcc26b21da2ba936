"""Peer platforms that recognise each other (QZ art. 6, FZ art. 7): the certificate of each
configured peer, fetched from its published address and kept only when its SHA-256 equals the
fingerprint the administrator pinned; and the punitive list entries a peer publishes, copied
here by `xinyong peers sync` with the origin's decision, citation and removal; a natural person's
entries by the region's pseudonym, and each local person's pseudonym, derived once (its opening
of the resident ID audited) and kept under the key it was derived with."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.models.base import Base, BigId, TimestampTZ


class PeerCertificate(Base):
    __tablename__ = "peer_certificates"

    peer: Mapped[str] = mapped_column(String(64), primary_key=True)          # the configured peer's key
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)     # SHA-256 (hex) = the pin
    pem: Mapped[str] = mapped_column(Text, nullable=False)
    source_url: Mapped[str] = mapped_column(Text, nullable=False)
    fetched_at: Mapped[dt.datetime] = mapped_column(TimestampTZ, nullable=False)


class ForeignListEntry(Base):
    """One entry of a peer's punitive list, as the peer published it: an organisation by its USCC,
    a natural person by the region's pseudonym (never the number) and masked name."""
    __tablename__ = "foreign_list_entries"
    __table_args__ = (
        UniqueConstraint("peer", "origin_entry_id", name="uq_foreign_list_entries_origin"),
        Index("ix_foreign_list_entries_uscc", "uscc", "status"),
        Index("ix_foreign_list_entries_person", "person_token", "status"),
        CheckConstraint("(uscc IS NULL) <> (person_token IS NULL)", name="one_subject"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    peer: Mapped[str] = mapped_column(String(64), nullable=False)
    origin_entry_id: Mapped[int] = mapped_column(BigId, nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)            # black | serious_dishonesty
    uscc: Mapped[str | None] = mapped_column(String(18), nullable=True)
    person_token: Mapped[str | None] = mapped_column(String(64), nullable=True)   # HMAC-SM3 under the region key
    name: Mapped[str] = mapped_column(Text, nullable=False)
    decided_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    listed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    period_end: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    decision_ref: Mapped[str] = mapped_column(String(128), nullable=False)   # the origin's decision reference
    decision_url: Mapped[str] = mapped_column(Text, nullable=False, default="")
    legal_basis: Mapped[str] = mapped_column(Text, nullable=False, default="")
    citation: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="active")   # active | removed
    removed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    removal_reason: Mapped[str | None] = mapped_column(String(64), nullable=True)
    synced_at: Mapped[dt.datetime] = mapped_column(TimestampTZ, nullable=False)


class PeerToken(Base):
    """A local natural person's pseudonym in the region (HMAC-SM3 of the region key over the
    resident ID), derived at the first exchange or joint check that needs it; ``key_id`` names
    the key, so that a new region key derives it again."""
    __tablename__ = "peer_tokens"

    subject_id: Mapped[int] = mapped_column(BigId, ForeignKey("subjects.id", ondelete="CASCADE"), primary_key=True)
    key_id: Mapped[str] = mapped_column(String(16), nullable=False)
    token: Mapped[str] = mapped_column(String(64), nullable=False)
    derived_at: Mapped[dt.datetime] = mapped_column(TimestampTZ, nullable=False)


class PeerRequest(Base):
    """The nonce of each signed peer request accepted, kept while its time is fresh: a request is
    accepted once (xinyong.peers.auth)."""
    __tablename__ = "peer_requests"
    __table_args__ = (Index("ix_peer_requests_at", "at"),)

    peer: Mapped[str] = mapped_column(String(64), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(32), primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(TimestampTZ, nullable=False)
