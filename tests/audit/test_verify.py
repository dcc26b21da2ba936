"""Verification of the hash chains and signed checkpoints, on SQLite and PostgreSQL: an
untouched log passes; a row changed, deleted, inserted or reordered by hand in the
database, or a checkpoint forged, is found and the first bad entry is named."""
from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import insert, select, update

from tests.audit.helpers import (ALICE, HEADS, LOG, chain_rows, checkpoint_ids, delete_entry, move_head, seed,
                                 set_details, sql)
from xinyong.audit import record_event, verify
from xinyong.audit.repository import iter_chain
from xinyong.config import reset_settings
from xinyong.models import AuditCheckpoint


def test_an_untouched_log_verifies(session):
    seed(session, 30, checkpoint=True)
    seed(session, 5, checkpoint=True)
    report = verify(session, chunk=4)  # small chunks: the walk crosses chunk boundaries
    assert report.ok, report.summary()
    assert report.entries == 35 and report.checkpoints == 2
    assert sorted(c.chain for c in report.chains) == [0, 1, 2, 3]
    assert all(c.ok and c.entries == c.head_seq for c in report.chains)
    assert "intact" in report.summary()


def test_an_empty_log_verifies(session):
    report = verify(session)
    assert report.ok and report.entries == 0 and report.chains == []


def test_entries_are_chained_per_subject_with_contiguous_seq(session, db):
    seed(session, 9)
    rows = chain_rows(db, 1)                      # subjects 1 and 5 (4 chains)
    assert [r.seq for r in rows] == [1, 2]
    second = next(iter_chain(session, 1, 10), None)
    assert second is not None and second.fields.prev_hash == "0" * 64


def test_a_changed_detail_is_named(session, db):
    seed(session, 12)
    victim = chain_rows(db, 2)[1]                 # chain 2, seq 2
    set_details(db, victim.id, {"n": 6, "note": "nothing happened"})
    problem = verify(session).first_problem
    assert (problem.kind, problem.chain, problem.seq, problem.entry_id) == ("changed", 2, 2, victim.id)


def test_a_changed_action_is_named(session, db):
    seed(session, 12)
    victim = chain_rows(db, 0)[2]
    sql(db, update(LOG).where(LOG.c.id == victim.id).values(action="test.innocent"))
    report = verify(session)
    assert not report.ok
    assert (report.first_problem.kind, report.first_problem.entry_id) == ("changed", victim.id)
    assert [c.ok for c in report.chains] == [False, True, True, True]


def test_a_deleted_middle_entry_is_named(session, db):
    seed(session, 16)
    rows = chain_rows(db, 3)
    delete_entry(db, rows[1].id)
    problem = verify(session).first_problem
    assert (problem.kind, problem.chain, problem.seq) == ("missing", 3, 2)
    assert f"entry id {rows[2].id}" in problem.message


def test_a_deleted_last_entry_is_found_by_the_head(session, db):
    seed(session, 12)
    rows = chain_rows(db, 1)
    delete_entry(db, rows[-1].id)
    problem = verify(session).first_problem
    assert (problem.kind, problem.chain, problem.seq) == ("missing", 1, len(rows))


def test_a_deleted_last_entry_with_its_head_moved_back_is_found_by_the_checkpoint(session, db):
    seed(session, 12, checkpoint=True)
    rows = chain_rows(db, 1)
    delete_entry(db, rows[-1].id)
    move_head(db, 1, rows[-2].seq, rows[-2].hash)
    problem = verify(session).first_problem
    assert (problem.kind, problem.chain, problem.seq) == ("missing", 1, rows[-1].seq)
    assert problem.checkpoint_id == checkpoint_ids(db)[0]


def _forged(chain: int, seq: int, prev_hash: str) -> dict:
    from xinyong import clock
    return dict(chain=chain, seq=seq, at=clock.now(), actor_user_id=None, actor_org_id=None, actor="mallory",
                action="agency.register", target_type="agency", target_id="99", subject_id=None, details={},
                prev_hash=prev_hash, hash="f" * 64)


def test_a_forged_row_beyond_the_head_is_named(session, db):
    seed(session, 12)
    last = chain_rows(db, 0)[-1]
    sql(db, insert(LOG).values(**_forged(0, last.seq + 1, last.hash)))
    forged = chain_rows(db, 0)[-1]
    problem = verify(session).first_problem
    assert (problem.kind, problem.chain, problem.seq, problem.entry_id) == ("inserted", 0, last.seq + 1, forged.id)


def test_a_forged_row_with_its_head_moved_is_named(session, db):
    seed(session, 12)
    last = chain_rows(db, 0)[-1]
    sql(db, insert(LOG).values(**_forged(0, last.seq + 1, last.hash)))
    move_head(db, 0, last.seq + 1, "f" * 64)
    forged = chain_rows(db, 0)[-1]
    problem = verify(session).first_problem
    assert (problem.chain, problem.seq, problem.entry_id) == (0, last.seq + 1, forged.id)


def test_a_forged_row_slipped_into_the_middle_is_named(session, db):
    seed(session, 16)
    rows = chain_rows(db, 0)                      # seq 1..4
    for row in reversed(rows[1:]):                # make room at seq 2, one row at a time
        sql(db, update(LOG).where(LOG.c.id == row.id).values(seq=row.seq + 1))
    sql(db, insert(LOG).values(**_forged(0, 2, rows[0].hash)))
    move_head(db, 0, len(rows) + 1, rows[-1].hash)
    forged = chain_rows(db, 0)[1]
    problem = verify(session).first_problem
    assert (problem.kind, problem.chain, problem.seq, problem.entry_id) == ("inserted", 0, 2, forged.id)


def test_two_swapped_rows_are_named(session, db):
    seed(session, 16)
    a, b = chain_rows(db, 2)[1:3]                 # seq 2 and 3
    sql(db, update(LOG).where(LOG.c.id == a.id).values(seq=-1))
    sql(db, update(LOG).where(LOG.c.id == b.id).values(seq=a.seq))
    sql(db, update(LOG).where(LOG.c.id == a.id).values(seq=b.seq))
    problem = verify(session).first_problem
    assert (problem.kind, problem.chain, problem.seq, problem.entry_id) == ("reordered", 2, 2, b.id)


def test_an_entry_rewritten_with_a_recomputed_hash_is_named(session, db):
    """Someone who knows the algorithm recomputes the changed entry's hash: the next entry's
    link, the head, or a signed checkpoint still gives it away."""
    seed(session, 16)
    rows = chain_rows(db, 0)
    for target, reason in ((rows[1], "next entry"), (rows[-1], "head row")):
        entry = next(e for e in iter_chain(session, 0, 100) if e.id == target.id)
        fields = dataclasses.replace(entry.fields, details={"n": 0, "note": "rewritten"})
        sql(db, update(LOG).where(LOG.c.id == target.id).values(details=fields.details, hash=fields.hash()))
        problem = verify(session).first_problem
        assert (problem.kind, problem.chain, problem.entry_id) == ("changed", 0, target.id)
        assert reason in problem.message
        sql(db, update(LOG).where(LOG.c.id == target.id).values(details=entry.fields.details, hash=entry.hash))
    assert verify(session).ok
    from xinyong.audit import create_checkpoint
    create_checkpoint(session)
    session.commit()
    entry = next(e for e in iter_chain(session, 0, 100) if e.id == rows[-1].id)
    fields = dataclasses.replace(entry.fields, action="test.rewritten")
    sql(db, update(LOG).where(LOG.c.id == entry.id).values(action=fields.action, hash=fields.hash()))
    move_head(db, 0, entry.seq, fields.hash())  # the head too: only the checkpoint remembers
    problem = verify(session).first_problem
    assert (problem.kind, problem.entry_id, problem.checkpoint_id) == ("checkpoint_mismatch", entry.id,
                                                                       checkpoint_ids(db)[0])


def test_a_tampered_checkpoint_is_found(session, db):
    seed(session, 8, checkpoint=True)
    table = AuditCheckpoint.__table__
    with db.connect() as conn:
        cp = conn.execute(select(table)).one()
    forged = cp.signature[:-4] + ("AAA=" if cp.signature[-4:] != "AAA=" else "BBB=")
    sql(db, update(table).where(table.c.id == cp.id).values(signature=forged))
    problem = verify(session).first_problem
    assert (problem.kind, problem.checkpoint_id) == ("bad_checkpoint_signature", cp.id)
    heads = dict(cp.heads)
    heads["0"] = [heads["0"][0] + 5, "e" * 64]
    sql(db, update(table).where(table.c.id == cp.id).values(signature=cp.signature, heads=heads))
    assert verify(session).first_problem.kind == "bad_checkpoint_signature"


def test_a_rotated_key_still_verifies_old_checkpoints(session, db, monkeypatch):
    import base64

    from xinyong.audit import rules
    from xinyong.audit.service import signing_key
    seed(session, 4, checkpoint=True)              # signed with the key derived from the secret
    old_public = base64.b64encode(rules.raw_public(signing_key().public_key())).decode()
    monkeypatch.setenv("XINYONG_AUDIT_SIGNING_KEY", base64.b64encode(bytes(range(32))).decode())
    reset_settings()
    seed(session, 2, checkpoint=True)              # signed with the new key
    report = verify(session)
    assert [p.kind for p in report.problems] == ["unknown_key"]  # old key not listed: not known, not "altered"
    monkeypatch.setenv("XINYONG_AUDIT_PUBLIC_KEYS", old_public)
    reset_settings()
    assert verify(session).ok and verify(session).checkpoints == 2


def test_a_log_verified_under_another_key_says_the_key_is_not_known_not_that_it_was_altered(session, db,
                                                                                           monkeypatch):
    """Issue 16 point 7: a database restored under another secret is not a tampered one."""
    seed(session, 5, checkpoint=True)
    seed(session, 2, checkpoint=True)
    assert verify(session).ok
    monkeypatch.setenv("XINYONG_SECRET_KEY", "another-installation-secret")
    reset_settings()
    report = verify(session)
    assert [(p.kind, p.checkpoint_id) for p in report.problems] == [("unknown_key", i) for i in checkpoint_ids(db)]
    assert all("not known" in p.message and "altered" not in p.message for p in report.problems)
    table = AuditCheckpoint.__table__
    with db.connect() as conn:
        cp = conn.execute(select(table)).first()
    sql(db, update(table).where(table.c.id == cp.id).values(signature=cp.signature[:-4] + "AAA="))
    monkeypatch.setenv("XINYONG_SECRET_KEY", "test-secret-key-for-xinyong-suite")
    reset_settings()
    assert verify(session).first_problem.kind == "bad_checkpoint_signature"   # a known key: altered


def test_a_chain_whose_head_row_was_deleted_is_found(session, db):
    seed(session, 4)
    from sqlalchemy import delete
    sql(db, delete(HEADS).where(HEADS.c.chain == 2))
    problem = verify(session).first_problem
    assert (problem.kind, problem.chain) == ("missing", 2)


def test_verification_sees_only_committed_entries(session):
    seed(session, 4)
    record_event(session, ALICE, "test.pending")   # not committed: not yet part of the log
    assert verify(session).entries == 4
    session.commit()
    assert verify(session).entries == 5


@pytest.mark.parametrize("chains", ["1", "7"])
def test_the_number_of_chains_is_configurable(session, monkeypatch, chains):
    monkeypatch.setenv("XINYONG_AUDIT_CHAINS", chains)
    reset_settings()
    seed(session, 10)
    report = verify(session)
    assert report.ok and len(report.chains) == min(int(chains), 10)
