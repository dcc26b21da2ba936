"""Issue 16 point 7: a base backup (pg_basebackup) plus archived WAL, restored to a point in
time, gives a platform whose audit log verifies against the tree heads published before the
backup and before that point; what came after the point is not there, and checked against
heads published after it, verification says the database was rolled back. Checked under
another key, it says the key is not known, not that anything was altered."""
from __future__ import annotations

import datetime as dt
import time

from sqlalchemy import select

from tests.faults.test_failover import snapshot_archive
from tests.support.builders import agency, penalty_rows, to_csv
from xinyong.config import reset_settings
from xinyong.db import reset_engines, session_scope
from xinyong.ingest.service import ingest_file
from xinyong.models import Batch
from xinyong.transparency import archive
from xinyong.transparency.worker import sequence_and_publish


def _batch(src: str, n: int) -> int:
    with session_scope() as s:
        out = ingest_file(s, data=to_csv(penalty_rows(20, src, seed=n, prefix=f"泉市监罚B{n}")), filename="p.csv",
                          source_uscc=src, item_code="penalty")
    sequence_and_publish()
    return out.batch_id


def _verify(monkeypatch, published):
    """`xinyong audit verify` (chains, checkpoints, the tree) against the heads in `published`."""
    from xinyong.audit.service import verify
    monkeypatch.setenv("XINYONG_TRANSPARENCY_ARCHIVE", str(published))
    with session_scope() as s:
        return verify(s)


def test_a_backup_restored_to_a_point_in_time_verifies_against_the_heads_published_before(pair, tmp_path,
                                                                                          monkeypatch):
    rs = pair
    with session_scope() as s:
        src = agency(s).uscc
    first = _batch(src, 1)
    before_backup = snapshot_archive(tmp_path / "before-backup")
    backup = rs.base_backup("nightly")
    second = _batch(src, 2)
    time.sleep(0.3)
    point = dt.datetime.now(dt.timezone.utc)
    at_point = snapshot_archive(tmp_path / "at-point")
    time.sleep(0.3)
    third = _batch(src, 3)                        # after the point: not in the restored platform
    rs.archive_now()
    live = archive.archive_dir()
    restored = rs.restore(backup, point)
    try:
        monkeypatch.setenv("XINYONG_DATABASE_URL", rs.node_url(restored))
        reset_settings()
        reset_engines()
        with session_scope() as s:
            assert sorted(s.scalars(select(Batch.id))) == [first, second]
        for published in (before_backup, at_point):
            report = _verify(monkeypatch, published)
            assert report.ok and report.heads >= 1 and report.entries >= 2, report.summary()
        report = _verify(monkeypatch, live)        # heads published over the third batch too
        assert any(p.kind == "missing" and "rolled back" in p.message for p in report.problems), report.summary()
        assert third not in (first, second)
        monkeypatch.setenv("XINYONG_SECRET_KEY", "another-installation-secret")
        reset_settings()
        report = _verify(monkeypatch, at_point)
        kinds = {p.kind for p in report.problems}
        assert "unknown_key" in kinds and not kinds & {"bad_head_signature", "bad_checkpoint_signature"}, kinds
    finally:
        reset_engines()
        restored.stop()
