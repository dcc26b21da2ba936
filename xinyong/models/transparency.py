"""The public transparency log over the audit log (RFC 9162 Merkle tree): which entry is
which leaf, the complete subtree hashes that make proofs O(log n) reads, the signed tree
heads, and the sequencer's one state row."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.models.base import Base, TimestampTZ


class TransparencyLeaf(Base):
    """Leaf `leaf_index` of the tree is audit entry `entry_id`; set once by the sequencer."""

    __tablename__ = "transparency_leaves"

    leaf_index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    entry_id: Mapped[int] = mapped_column(BigInteger, nullable=False, unique=True)
    # the entry's time (its partition key): a lookup by leaf reads one month of the audit log
    entry_at: Mapped[dt.datetime | None] = mapped_column(TimestampTZ, nullable=True)


class TransparencyNode(Base):
    """The hash of the complete subtree covering leaves [index * 2**level, (index+1) * 2**level)."""

    __tablename__ = "transparency_nodes"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)


class TransparencyHead(Base):
    """A signed tree head: Ed25519 over the canonical {tree_size, root_hash, timestamp, key_id}."""

    __tablename__ = "transparency_heads"

    tree_size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    at: Mapped[dt.datetime] = mapped_column(TimestampTZ, nullable=False)
    key_id: Mapped[str] = mapped_column(String(64), nullable=False)
    signature: Mapped[str] = mapped_column(Text, nullable=False)


class TransparencyState(Base):
    """One row (id 1), locked by the sequencer only (appends never touch it): the tree's size."""

    __tablename__ = "transparency_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    tree_size: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)


class TransparencyPending(Base):
    """The outbox of appends: every audit entry's id, written in the entry's own transaction
    (one more insert, no shared row), drained in id order by the sequencer."""

    __tablename__ = "transparency_pending"

    entry_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # the entry's time (its partition key), so the sequencer reads only the months of what waits
    entry_at: Mapped[dt.datetime | None] = mapped_column(TimestampTZ, nullable=True)


class TransparencyPublication(Base):
    """One record's publication by a batch: leaf `position` of the batch's sub-tree, whose
    RFC 9162 root the batch's audit entry (batch.ingest) carries as `records_root`. `leaf` is
    the exact hashed text (canonical JSON: record, version, key, content hash, publicity
    window), written once in bulk with the batch."""

    __tablename__ = "transparency_publications"
    __table_args__ = (Index("ix_transparency_publications_record", "record_id", "batch_id"),)

    batch_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    record_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    leaf: Mapped[str] = mapped_column(Text, nullable=False)
    leaf_hash: Mapped[str] = mapped_column(String(64), nullable=False)


class TransparencyPublicationNode(Base):
    """A complete subtree of a batch's publication sub-tree, of level >= 10 only (2 rows per
    1024 records): a record's path is then these plus the leaves of at most two 1024-blocks."""

    __tablename__ = "transparency_publication_nodes"

    batch_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)
