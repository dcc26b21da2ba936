"""Tampering with the audit log the way someone with write access to the database and
knowledge of the algorithm would: plain SQL, hashes recomputed, checkpoints deleted."""
from __future__ import annotations

from sqlalchemy import delete, insert, select, update

from xinyong.audit.repository import _stored
from xinyong.models import AuditCheckpoint, AuditEntry, AuditHead
from xinyong.models.transparency import TransparencyLeaf, TransparencyNode

LOG, HEADS = AuditEntry.__table__, AuditHead.__table__
LEAVES, NODES = TransparencyLeaf.__table__, TransparencyNode.__table__


def entries(conn, chain: int) -> list:
    return [_stored(r) for r in conn.execute(select(LOG).where(LOG.c.chain == chain).order_by(LOG.c.seq))]


def rechain(conn, chain: int) -> None:
    """Recompute seq, prev_hash and hash of a whole chain in id order, move its head, and
    delete every checkpoint: the chain verifies again on its own."""
    rows = conn.execute(select(LOG.c.id).where(LOG.c.chain == chain).order_by(LOG.c.seq, LOG.c.id)).scalars().all()
    prev, seq = "0" * 64, 0
    for entry_id in rows:
        seq += 1
        row = _stored(conn.execute(select(LOG).where(LOG.c.id == entry_id)).one())
        fields = row.fields.__class__(**{**row.fields.__dict__, "seq": seq, "prev_hash": prev})
        digest = fields.hash()
        conn.execute(update(LOG).where(LOG.c.id == entry_id).values(seq=seq, prev_hash=prev, hash=digest))
        prev = digest
    conn.execute(update(HEADS).where(HEADS.c.chain == chain).values(seq=seq, hash=prev))
    conn.execute(delete(AuditCheckpoint.__table__))


def change_actor(engine, entry_id: int, actor: str = "mallory") -> None:
    with engine.begin() as conn:
        chain = conn.execute(select(LOG.c.chain).where(LOG.c.id == entry_id)).scalar_one()
        conn.execute(update(LOG).where(LOG.c.id == entry_id).values(actor=actor))
        rechain(conn, chain)


def delete_and_renumber(engine, entry_id: int) -> None:
    """Delete an entry, renumber the rest of its chain, and close the gap in the tree's
    leaves too (later leaves move down one place)."""
    with engine.begin() as conn:
        chain = conn.execute(select(LOG.c.chain).where(LOG.c.id == entry_id)).scalar_one()
        conn.execute(delete(LOG).where(LOG.c.id == entry_id))
        rechain(conn, chain)
        index = conn.execute(select(LEAVES.c.leaf_index).where(LEAVES.c.entry_id == entry_id)).scalar_one()
        conn.execute(delete(LEAVES).where(LEAVES.c.entry_id == entry_id))
        for (i,) in conn.execute(select(LEAVES.c.leaf_index).where(LEAVES.c.leaf_index > index)
                                 .order_by(LEAVES.c.leaf_index)).all():
            conn.execute(update(LEAVES).where(LEAVES.c.leaf_index == i).values(leaf_index=i - 1))


def insert_forged(engine, after_entry_id: int) -> int:
    """A forged entry slipped into the chain right after `after_entry_id`, later ones renumbered."""
    with engine.begin() as conn:
        after = _stored(conn.execute(select(LOG).where(LOG.c.id == after_entry_id)).one())
        later = conn.execute(select(LOG.c.id, LOG.c.seq).where(LOG.c.chain == after.fields.chain,
                                                               LOG.c.seq > after.seq)
                             .order_by(LOG.c.seq.desc())).all()
        for entry_id, seq in later:
            conn.execute(update(LOG).where(LOG.c.id == entry_id).values(seq=seq + 1))
        values = {**after.fields.__dict__, "seq": after.seq + 1, "actor": "forger", "action": "test.forged",
                  "hash": "0" * 64}
        forged = conn.execute(insert(LOG).values(**values).returning(LOG.c.id)).scalar_one()
        # put it in the chain's order by seq, then make the chain consistent again
        rows = conn.execute(select(LOG.c.id).where(LOG.c.chain == after.fields.chain).order_by(LOG.c.seq)).scalars()
        prev = "0" * 64
        for seq, entry_id in enumerate(list(rows), start=1):
            row = _stored(conn.execute(select(LOG).where(LOG.c.id == entry_id)).one())
            fields = row.fields.__class__(**{**row.fields.__dict__, "seq": seq, "prev_hash": prev})
            conn.execute(update(LOG).where(LOG.c.id == entry_id).values(seq=seq, prev_hash=prev, hash=fields.hash()))
            prev = fields.hash()
        conn.execute(update(HEADS).where(HEADS.c.chain == after.fields.chain).values(seq=seq, hash=prev))
        conn.execute(delete(AuditCheckpoint.__table__))
        return forged
