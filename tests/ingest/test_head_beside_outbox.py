"""PostgreSQL: the tree head a batch owes is signed while its outbox applies (after the commit,
before the ingest returns), not before the outbox starts; the head covers the batch's entry."""
from __future__ import annotations

import threading

import pytest

from tests.support.builders import agency, penalty_rows, to_csv
from xinyong.config import reset_settings
from xinyong.ingest import outbox
from xinyong.ingest.service import ingest_file
from xinyong.transparency import archive, repository, service, worker

WAIT = 5.0


@pytest.mark.parametrize("backend", ["postgresql"])
def test_the_batchs_head_is_signed_while_its_outbox_applies(session, monkeypatch):
    monkeypatch.setenv("XINYONG_TRANSPARENCY_AUTO", "1")
    reset_settings()
    src = agency(session).uscc
    session.commit()
    applying, signing, seen = threading.Event(), threading.Event(), []
    real_sign, real_apply = worker.sequence_and_publish_quietly, outbox.apply_hooks_concurrently

    def sign(*args, **kwargs):
        signing.set()
        seen.append(("the signer saw the outbox start", applying.wait(WAIT)))
        return real_sign(*args, **kwargs)

    def apply(*args, **kwargs):
        applying.set()
        seen.append(("the outbox saw the signer start", signing.wait(WAIT)))
        return real_apply(*args, **kwargs)

    monkeypatch.setattr(worker, "sequence_and_publish_quietly", sign)
    monkeypatch.setattr(outbox, "apply_hooks_concurrently", apply)
    out = ingest_file(session, data=to_csv(penalty_rows(6, src)), filename="p.csv", source_uscc=src,
                      item_code="penalty")
    assert out.created == 6
    assert sorted(seen) == [("the outbox saw the signer start", True), ("the signer saw the outbox start", True)]
    head = service.latest_head(session)
    assert head is not None and not repository.pending_ids(session, 1)   # the batch's entry is under the head
    assert head.tree_size == service.tree_size(session)
    assert archive.archived_heads()[-1].root_hash == head.root_hash
    assert outbox.pending(session) == [(out.batch_id, "xinyong.subjects.hooks")]   # the names: the worker's
    assert "transparency_head_due" not in session.info


@pytest.mark.parametrize("backend", ["sqlite"])
def test_sqlite_signs_the_batchs_head_after_its_commit_with_the_checkpoint_under_way(session, monkeypatch):
    """SQLite: the commit leaves the WAL's checkpoint to a thread (xinyong.kit.bulk); the head
    the batch owes is signed after the commit, once that checkpoint has started, and still
    before the ingest returns, covering the batch's entry."""
    from xinyong.kit import bulk
    monkeypatch.setenv("XINYONG_TRANSPARENCY_AUTO", "1")
    reset_settings()
    src = agency(session).uscc
    session.commit()
    started, seen = threading.Event(), []
    real_sign, real_checkpoint = worker.sequence_and_publish_quietly, bulk._checkpoint

    def checkpoint(database):
        started.set()
        return real_checkpoint(database)

    def sign(*args, **kwargs):
        seen.append(started.wait(WAIT))
        return real_sign(*args, **kwargs)

    monkeypatch.setattr(bulk, "_wal_bytes", lambda database: 1 << 40)   # a checkpoint is due, however small the batch
    monkeypatch.setattr(bulk, "_checkpoint", checkpoint)
    monkeypatch.setattr(worker, "sequence_and_publish_quietly", sign)
    out = ingest_file(session, data=to_csv(penalty_rows(6, src)), filename="p.csv", source_uscc=src,
                      item_code="penalty")
    assert out.created == 6 and seen == [True]
    head = service.latest_head(session)
    assert head is not None and not repository.pending_ids(session, 1)
    assert head.tree_size == service.tree_size(session)
    assert outbox.pending(session) == [(out.batch_id, "xinyong.subjects.hooks")]   # the names: the worker's
    assert "transparency_head_due" not in session.info
