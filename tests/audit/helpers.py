"""Shared helpers of the audit tests: seed a log, tamper with it the way someone with
database access would (plain SQL, outside the platform)."""
from __future__ import annotations

from sqlalchemy import delete, select, update

from xinyong.audit import create_checkpoint, record_event
from xinyong.kit.access import Principal
from xinyong.models import AuditCheckpoint, AuditEntry, AuditHead

ALICE = Principal(user_id=None, username="alice", role="staff")
LOG = AuditEntry.__table__
HEADS = AuditHead.__table__


def seed(session, n: int = 12, checkpoint: bool = False) -> list[AuditEntry]:
    """n events over chains 0-3 (subjects 1..n-1 and one event without subject), committed."""
    made = [record_event(session, ALICE, "test.event", target_type="thing", target_id=i,
                         subject_id=i or None, details={"n": i, "note": f"event {i}"}) for i in range(n)]
    if checkpoint:
        create_checkpoint(session)
    session.commit()
    return made


def chain_rows(engine, chain: int) -> list:
    with engine.connect() as conn:
        return conn.execute(select(LOG.c.id, LOG.c.seq, LOG.c.hash).where(LOG.c.chain == chain)
                            .order_by(LOG.c.seq)).all()


def sql(engine, statement) -> None:
    with engine.begin() as conn:
        conn.execute(statement)


def set_details(engine, entry_id: int, details: dict) -> None:
    sql(engine, update(LOG).where(LOG.c.id == entry_id).values(details=details))


def delete_entry(engine, entry_id: int) -> None:
    sql(engine, delete(LOG).where(LOG.c.id == entry_id))


def move_head(engine, chain: int, seq: int, digest: str) -> None:
    sql(engine, update(HEADS).where(HEADS.c.chain == chain).values(seq=seq, hash=digest))


def checkpoint_ids(engine) -> list[int]:
    with engine.connect() as conn:
        return list(conn.scalars(select(AuditCheckpoint.__table__.c.id).order_by(AuditCheckpoint.__table__.c.id)))
