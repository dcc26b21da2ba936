"""Storage of the transparency log. The sequencer alone locks the one state row; appends
only insert into the pending outbox. Proofs read O(log n) nodes by primary key in one query."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from xinyong.audit.repository import _stored
from xinyong.audit.verification import StoredEntry
from xinyong.models import AuditEntry, Batch
from xinyong.models.transparency import (TransparencyHead, TransparencyLeaf, TransparencyNode, TransparencyPending,
                                         TransparencyState)
from xinyong.transparency.merkle import Key

_STATE = TransparencyState.__table__
_PENDING = TransparencyPending.__table__
_LEAF = TransparencyLeaf.__table__
_NODE = TransparencyNode.__table__
_ENTRY = AuditEntry.__table__
# an entry written in the same transaction as the row it is about lies within this of that row's time
_ENTRY_MARGIN = dt.timedelta(days=1)


def lock_state(session: Session) -> int:
    """The tree size, with the state row locked until the transaction ends (one sequencer at a
    time; on SQLite the insert takes the database's write lock first)."""
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        module = __import__(f"sqlalchemy.dialects.{dialect}", fromlist=["insert"])
        session.execute(module.insert(_STATE).values(id=1, tree_size=0).on_conflict_do_nothing(index_elements=["id"]))
    elif session.get(TransparencyState, 1) is None:
        session.execute(_STATE.insert().values(id=1, tree_size=0))
    return int(session.execute(select(_STATE.c.tree_size).where(_STATE.c.id == 1).with_for_update()).scalar_one())


def set_size(session: Session, size: int) -> None:
    session.execute(update(_STATE).where(_STATE.c.id == 1).values(tree_size=size))


def pending(session: Session, limit: int) -> list[tuple[int, dt.datetime | None]]:
    """The oldest `limit` (entry id, entry time) waiting in the outbox, in id order."""
    return [(int(i), at) for i, at in session.execute(select(_PENDING.c.entry_id, _PENDING.c.entry_at)
                                                       .order_by(_PENDING.c.entry_id).limit(limit))]


def pending_ids(session: Session, limit: int) -> list[int]:
    return [i for i, _at in pending(session, limit)]


def entries_by_key(session: Session, keys: list[tuple[int, dt.datetime | None]]) -> list[StoredEntry]:
    """The entries of (id, time) pairs, in id order, reading only the months of those times (the
    times are the audit log's partition key, given as values: PostgreSQL prunes when planning).
    A pair without a time (its entry was gone when 0025_prune filled them) finds nothing."""
    timed = [(i, at) for i, at in keys if at is not None]
    if not timed:
        return []
    rows = session.execute(select(_ENTRY).where(_ENTRY.c.id.in_([i for i, _ in timed]),
                                                _ENTRY.c.at.in_(sorted({at for _, at in timed})))
                           .order_by(_ENTRY.c.id)).all()
    return [_stored(r) for r in rows]


def pending_entries(session: Session, limit: int) -> list[StoredEntry]:
    """The oldest `limit` committed entries not yet in the tree, in id order."""
    return entries_by_key(session, pending(session, limit))


def drop_pending(session: Session, ids: list[int]) -> None:
    session.execute(delete(_PENDING).where(_PENDING.c.entry_id.in_(ids)))


def add_leaves(session: Session, first_index: int, entries: list[StoredEntry]) -> None:
    """Each leaf keeps its entry's time beside its id: a proof reads one month of the audit log."""
    session.execute(insert(_LEAF), [{"leaf_index": first_index + i, "entry_id": e.id, "entry_at": e.fields.at}
                                    for i, e in enumerate(entries)])


def add_nodes(session: Session, nodes: dict[Key, bytes]) -> None:
    if nodes:
        session.execute(insert(_NODE), [{"level": lv, "idx": ix, "hash": h.hex()} for (lv, ix), h in nodes.items()])


def nodes(session: Session, keys: Iterable[Key]) -> dict[Key, bytes]:
    """Stored nodes by key, in one statement of primary-key probes (a proof needs ~2 log2 n).
    Sent to the driver as it is: SQLAlchemy's parsing of a text() with 80 parameters cost
    more than the lookups (bench/transparency_bench.py, docs/PERFORMANCE.md section 7)."""
    keys = sorted(set(keys))
    found: dict[Key, bytes] = {}
    conn = session.connection()
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    for start in range(0, len(keys), 200):
        part = keys[start:start + 200]
        where = " OR ".join([f"(level = {mark} AND idx = {mark})"] * len(part))
        flat = tuple(v for key in part for v in key)
        for level, idx, digest in conn.exec_driver_sql(f"SELECT level, idx, hash FROM transparency_nodes WHERE {where}",
                                                       flat):
            found[(int(level), int(idx))] = bytes.fromhex(digest)
    return found


def leaf_hashes(session: Session, start: int, end: int) -> list[str]:
    return list(session.scalars(select(_NODE.c.hash).where(_NODE.c.level == 0, _NODE.c.idx >= start,
                                                           _NODE.c.idx < end).order_by(_NODE.c.idx)))


def add_head(session: Session, head: TransparencyHead) -> None:
    session.add(head)
    session.flush()


def nodes_and_published_size(session: Session, keys: Iterable[Key]) -> tuple[dict[Key, bytes], int]:
    """A proof's nodes and the largest signed head's size in ONE round trip (on PostgreSQL the
    round trip, not the lookups, was most of a proof's time)."""
    keys = sorted(set(keys))
    if len(keys) > 200:
        return nodes(session, keys), published_size(session)
    conn = session.connection()
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    where = " OR ".join([f"(level = {mark} AND idx = {mark})"] * len(keys)) or "1 = 0"
    rows = conn.exec_driver_sql(f"SELECT level, idx, hash FROM transparency_nodes WHERE {where} UNION ALL "
                                "SELECT -1, COALESCE(MAX(tree_size), 0), '' FROM transparency_heads",
                                tuple(v for key in keys for v in key))
    found, size = {}, 0
    for level, idx, digest in rows:
        if int(level) < 0:
            size = int(idx)
        else:
            found[(int(level), int(idx))] = bytes.fromhex(digest)
    return found, size


def published_size(session: Session) -> int:
    """The size of the largest signed head (0 before the first): one index probe."""
    return int(session.connection().exec_driver_sql("SELECT max(tree_size) FROM transparency_heads").scalar() or 0)


def latest_head(session: Session) -> TransparencyHead | None:
    return session.scalar(select(TransparencyHead).order_by(TransparencyHead.tree_size.desc()).limit(1))


def head_of_size(session: Session, size: int) -> TransparencyHead | None:
    return session.get(TransparencyHead, size)


def leaf_of_entry(session: Session, entry_id: int) -> int | None:
    return session.scalar(select(_LEAF.c.leaf_index).where(_LEAF.c.entry_id == entry_id))


def entry_of_leaf(session: Session, leaf_index: int) -> StoredEntry | None:
    """The leaf's entry, by the (id, time) the leaf keeps (one month of the audit log)."""
    leaf = session.execute(select(_LEAF.c.entry_id, _LEAF.c.entry_at).where(_LEAF.c.leaf_index == leaf_index)).first()
    found = entries_by_key(session, [(int(leaf.entry_id), leaf.entry_at)]) if leaf else []
    return found[0] if found else None


def iter_leaves(session: Session, chunk: int) -> Iterator[tuple[int, int, StoredEntry | None]]:
    """(leaf index, entry id, the entry or None when its row is gone), in leaf order."""
    after = -1
    while True:
        rows = session.execute(select(_LEAF.c.leaf_index, _LEAF.c.entry_id, _ENTRY)
                               .outerjoin(_ENTRY, _ENTRY.c.id == _LEAF.c.entry_id)
                               .where(_LEAF.c.leaf_index > after).order_by(_LEAF.c.leaf_index).limit(chunk)).all()
        for row in rows:
            yield int(row.leaf_index), int(row.entry_id), (_stored(row) if row.id is not None else None)
        if len(rows) < chunk:
            return
        after = int(rows[-1].leaf_index)


def unsequenced_entries(session: Session, limit: int) -> list[StoredEntry]:
    """Entries neither in the tree nor waiting in the outbox: written around the platform."""
    rows = session.execute(select(_ENTRY).where(~select(_LEAF.c.entry_id).where(_LEAF.c.entry_id == _ENTRY.c.id)
                                                .exists(),
                                                ~select(_PENDING.c.entry_id).where(_PENDING.c.entry_id == _ENTRY.c.id)
                                                .exists()).order_by(_ENTRY.c.id).limit(limit)).all()
    return [_stored(r) for r in rows]


def first_pending_entry(session: Session) -> StoredEntry | None:
    found = pending_entries(session, 1)
    return found[0] if found else None


# ---- publications of records (per batch) ---------------------------------------------------

def batch_record_ids(session: Session, batch_id: int):
    """(row_no, id, version) of the records a batch wrote (new or changed: unchanged re-sends
    keep their earlier batch), as a polars frame: COPY out on PostgreSQL, one query on SQLite."""
    import polars as pl

    from xinyong.kit import bulk
    schema = {"row_no": pl.Int64, "id": pl.Int64, "version": pl.Int64}
    sql = f"SELECT row_no, id, version FROM records WHERE batch_id = {int(batch_id)}"
    return bulk.query_frame(session, sql, schema)


def latest_publication(session: Session, record_id: int) -> tuple[int, int, str] | None:
    from xinyong.models.transparency import TransparencyPublication as P
    row = session.execute(select(P.batch_id, P.position, P.leaf).where(P.record_id == record_id)
                          .order_by(P.batch_id.desc()).limit(1)).first()
    return (int(row.batch_id), int(row.position), row.leaf) if row else None


def publication_hashes(session: Session, batch_id: int, start: int, end: int) -> list[str]:
    """Leaf hashes of positions [start, end) of a batch's publications (a primary-key range)."""
    from xinyong.models.transparency import TransparencyPublication as P
    return list(session.scalars(select(P.leaf_hash).where(P.batch_id == batch_id, P.position >= start,
                                                          P.position < end).order_by(P.position)))


def publication_count(session: Session, batch_id: int) -> int:
    from sqlalchemy import func

    from xinyong.models.transparency import TransparencyPublication as P
    last = session.scalar(select(func.max(P.position)).where(P.batch_id == batch_id))
    return 0 if last is None else int(last) + 1


def publication_nodes(session: Session, batch_id: int, keys: list[Key]) -> dict[Key, bytes]:
    """Stored subtrees of a batch's publication sub-tree, by key, in one statement."""
    if not keys:
        return {}
    conn = session.connection()
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    where = " OR ".join([f"(level = {mark} AND idx = {mark})"] * len(keys))
    rows = conn.exec_driver_sql(f"SELECT level, idx, hash FROM transparency_publication_nodes WHERE batch_id = {mark} "
                                f"AND ({where})", (batch_id, *(v for k in keys for v in k)))
    return {(int(level), int(idx)): bytes.fromhex(digest) for level, idx, digest in rows}


def batch_entry_id(session: Session, batch_id: int) -> int | None:
    """The batch's ingest entry, written in the transaction that completed the batch: a day either
    side of its completion bounds it to one or two months of the partitioned audit log."""
    query = select(_ENTRY.c.id).where(_ENTRY.c.action == "batch.ingest", _ENTRY.c.target_type == "batch",
                                      _ENTRY.c.target_id == str(batch_id))
    completed_at = session.scalar(select(Batch.completed_at).where(Batch.id == batch_id))
    if completed_at is not None:
        query = query.where(_ENTRY.c.at >= completed_at - _ENTRY_MARGIN, _ENTRY.c.at <= completed_at + _ENTRY_MARGIN)
    return session.scalar(query.limit(1))
