"""Queries of the audit log. Appends lock one chain's head row, never the whole log; the
verifier reads a chain in keyset chunks (chain, seq), never the whole log at once."""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator

from sqlalchemy import Select, select, union, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from xinyong.audit.rules import GENESIS, EntryFields
from xinyong.audit.verification import StoredEntry
from xinyong.models import AuditCheckpoint, AuditEntry, AuditHead
from xinyong.models.transparency import TransparencyPending

_ENTRY = AuditEntry.__table__
_HEAD = AuditHead.__table__
_PENDING = TransparencyPending.__table__


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def lock_head(session: Session, chain: int) -> tuple[int, str]:
    """The chain's head (seq, hash), locked until the transaction ends; created on first use.

    PostgreSQL: SELECT … FOR UPDATE locks just this row; when the row is absent, INSERT …
    ON CONFLICT DO NOTHING (two first appends race on the primary key: the loser waits for
    the winner and inserts nothing) and lock again. SQLite: the insert comes first, so the
    transaction holds the database's write lock before it reads the head."""
    if _dialect(session) == "postgresql":
        head = _select_head(session, chain)
        if head is not None:
            return head
    _insert_head_if_absent(session, chain)
    head = _select_head(session, chain)
    assert head is not None, f"audit head row for chain {chain} vanished"
    return head


def _select_head(session: Session, chain: int) -> tuple[int, str] | None:
    row = session.execute(select(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.chain == chain)
                          .with_for_update()).first()
    return (int(row.seq), row.hash) if row else None


def _insert_head_if_absent(session: Session, chain: int) -> None:
    values = {"chain": chain, "seq": 0, "hash": GENESIS}
    dialect = _dialect(session)
    if dialect in ("postgresql", "sqlite"):
        module = __import__(f"sqlalchemy.dialects.{dialect}", fromlist=["insert"])
        session.execute(module.insert(_HEAD).values(**values).on_conflict_do_nothing(index_elements=["chain"]))
        return
    try:  # any other database: a savepoint absorbs the lost race
        with session.begin_nested():
            session.execute(_HEAD.insert().values(**values))
    except IntegrityError:
        pass


def append(session: Session, fields: EntryFields, digest: str) -> AuditEntry:
    entry = AuditEntry(hash=digest, **dataclasses.asdict(fields))
    session.add(entry)
    session.execute(update(_HEAD).where(_HEAD.c.chain == fields.chain).values(seq=fields.seq, hash=digest))
    session.flush()
    add_to_outbox(session, entry)
    return entry


def add_to_outbox(session: Session, entry: AuditEntry) -> None:
    """The transparency log's outbox: the sequencer makes the entry a leaf after commit. The
    entry's time goes with its id, so the sequencer reads only the months of what waits."""
    session.execute(_PENDING.insert().values(entry_id=entry.id, entry_at=entry.at))


def heads(session: Session) -> dict[int, tuple[int, str]]:
    return {int(r.chain): (int(r.seq), r.hash) for r in session.execute(select(_HEAD.c.chain, _HEAD.c.seq,
                                                                              _HEAD.c.hash))}


def chains_present(session: Session) -> set[int]:
    """Every chain that has entries or a head (one pass over the (chain, seq) index)."""
    both = union(select(_ENTRY.c.chain).distinct(), select(_HEAD.c.chain))
    return {int(c) for c in session.scalars(select(both.subquery().c.chain))}


def iter_chain(session: Session, chain: int, chunk: int) -> Iterator[StoredEntry]:
    """One chain's entries in seq order, `chunk` rows per query (keyset on the unique (chain, seq))."""
    after: int | None = None
    while True:
        query = select(_ENTRY).where(_ENTRY.c.chain == chain).order_by(_ENTRY.c.seq).limit(chunk)
        if after is not None:
            query = query.where(_ENTRY.c.seq > after)
        rows = session.execute(query).all()
        for row in rows:
            yield _stored(row)
        if len(rows) < chunk:
            return
        after = rows[-1].seq


def _stored(row) -> StoredEntry:
    fields = EntryFields(chain=int(row.chain), seq=int(row.seq), at=row.at, actor_user_id=row.actor_user_id,
                         actor_org_id=row.actor_org_id, actor=row.actor, action=row.action,
                         target_type=row.target_type, target_id=row.target_id, subject_id=row.subject_id,
                         details=row.details if row.details is not None else {}, prev_hash=row.prev_hash)
    return StoredEntry(id=int(row.id), fields=fields, hash=row.hash)


def iter_checkpoints(session: Session, chunk: int) -> Iterator[AuditCheckpoint]:
    after = 0
    while True:
        rows = list(session.scalars(select(AuditCheckpoint).where(AuditCheckpoint.id > after)
                                    .order_by(AuditCheckpoint.id).limit(chunk)))
        yield from rows
        if len(rows) < chunk:
            return
        after = rows[-1].id


def latest_checkpoint(session: Session) -> AuditCheckpoint | None:
    return session.scalar(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(1))


@dataclasses.dataclass(frozen=True)
class EntryFilter:
    action: str | None = None
    actor: str | None = None
    target_type: str | None = None
    target_id: str | None = None
    subject_id: int | None = None
    at_from: dt.datetime | None = None   # inclusive
    at_to: dt.datetime | None = None     # exclusive

    def as_details(self) -> dict:
        """The filter as recorded in the audit.read event (instants as ISO text)."""
        return {k: (v.isoformat() if isinstance(v, dt.datetime) else v)
                for k, v in dataclasses.asdict(self).items() if v not in (None, "")}


def search(session: Session, flt: EntryFilter, limit: int, offset: int) -> list[AuditEntry]:
    """Newest first; each filter an equality on one column or a range on `at`."""
    return list(session.scalars(_filtered(select(AuditEntry), flt)
                                .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
                                .limit(limit).offset(offset)))


def _filtered(query: Select, flt: EntryFilter) -> Select:
    for column, value in ((AuditEntry.action, flt.action), (AuditEntry.actor, flt.actor),
                          (AuditEntry.target_type, flt.target_type), (AuditEntry.target_id, flt.target_id),
                          (AuditEntry.subject_id, flt.subject_id)):
        if value not in (None, ""):
            query = query.where(column == value)
    if flt.at_from is not None:
        query = query.where(AuditEntry.at >= flt.at_from)
    if flt.at_to is not None:
        query = query.where(AuditEntry.at < flt.at_to)
    return query
