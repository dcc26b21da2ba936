"""Appends from several connections at once, on PostgreSQL: one chain is serialised by its
head row (no duplicate seq, no gap, a valid chain); different chains never wait for each
other (no global lock)."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from tests.audit.helpers import ALICE, LOG
from xinyong.audit import record_event, verify
from xinyong.db import session_factory

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])
PER_THREAD = 25


def _append_many(engine, barrier: threading.Barrier, errors: list, subject_id: int | None, per_tx: int) -> None:
    make = session_factory(engine)
    try:
        barrier.wait(timeout=30)
        for start in range(0, PER_THREAD, per_tx):
            with make() as session:
                for n in range(start, min(start + per_tx, PER_THREAD)):
                    record_event(session, ALICE, "test.concurrent", subject_id=subject_id,
                                 details={"thread": threading.current_thread().name, "n": n})
                session.commit()
    except Exception as exc:  # reported by the test, not lost in the thread
        errors.append(exc)


def _run(engine, subjects: list[int | None], per_tx: int) -> None:
    barrier, errors = threading.Barrier(len(subjects)), []
    threads = [threading.Thread(target=_append_many, args=(engine, barrier, errors, s, per_tx), name=f"t{i}")
               for i, s in enumerate(subjects)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []


@pytest.mark.parametrize("per_tx", [1, 5])
def test_two_writers_on_one_chain_make_one_valid_chain(db, session, per_tx):
    """Both threads start on an empty log, so they also race to create the chain's head row."""
    _run(db, [None, None], per_tx)
    with db.connect() as conn:
        rows = conn.execute(select(LOG.c.id, LOG.c.seq).where(LOG.c.chain == 0).order_by(LOG.c.seq)).all()
    assert [r.seq for r in rows] == list(range(1, 2 * PER_THREAD + 1))      # no duplicate, no gap
    assert [r.id for r in rows] == sorted(r.id for r in rows)                # ids grow with seq
    report = verify(session)
    assert report.ok, report.summary()
    assert report.entries == 2 * PER_THREAD


def test_writers_on_different_chains_do_not_wait_for_each_other(db, session):
    make = session_factory(db)
    holder = make()
    try:
        record_event(holder, ALICE, "test.holds", subject_id=1)       # chain 1 locked, not committed
        with make() as other:
            other.execute(text("SET LOCAL lock_timeout = '2s'"))
            record_event(other, ALICE, "test.free", subject_id=2)       # chain 2: no wait
            other.commit()
        with make() as blocked:
            blocked.execute(text("SET LOCAL lock_timeout = '300ms'"))
            with pytest.raises(OperationalError, match="lock timeout"):
                record_event(blocked, ALICE, "test.waits", subject_id=5)  # chain 1 again: waits
            blocked.rollback()
        holder.commit()
    finally:
        holder.close()
    assert verify(session).ok


def test_four_writers_on_four_chains(db, session):
    _run(db, [4, 1, 2, 3], per_tx=5)
    report = verify(session)
    assert report.ok and [c.entries for c in report.chains] == [PER_THREAD] * 4
