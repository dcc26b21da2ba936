"""Heads are signed by the platform itself, not only when an operator runs a command: after
the commit of a batch, a decision document or a report, and from the web application when
entries wait longer than the interval; `serve` refuses to run without an explicit key."""
from __future__ import annotations

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.audit.helpers import ALICE, seed
from xinyong.audit import record_event
from xinyong.cli import app
from xinyong.config import reset_settings
from xinyong.transparency import archive, service


def test_a_decision_is_followed_by_a_published_head(db, session, monkeypatch):
    monkeypatch.setenv("XINYONG_TRANSPARENCY_AUTO", "1")
    reset_settings()
    seed(session, 3)                       # ordinary events: no head yet
    assert service.latest_head(session) is None
    record_event(session, ALICE, "document.issue", target_type="document", target_id=1, subject_id=5,
                 details={"kind": "objection_decision"})
    session.commit()
    head = service.latest_head(session)
    assert head is not None and head.tree_size == 4
    assert archive.archived_heads()[-1].root_hash == head.root_hash


def test_a_decision_rolled_back_signs_nothing(db, session, monkeypatch):
    monkeypatch.setenv("XINYONG_TRANSPARENCY_AUTO", "1")
    reset_settings()
    record_event(session, ALICE, "document.issue", target_type="document", target_id=1)
    session.rollback()
    seed(session, 1)
    assert service.latest_head(session) is None


def test_the_web_application_signs_a_due_head_after_a_response(db, session, monkeypatch):
    seed(session, 5)
    monkeypatch.setenv("XINYONG_TRANSPARENCY_AUTO", "0")
    reset_settings()
    from xinyong.app import create_app
    with TestClient(create_app()) as off:
        off.get("/api/v1/health")
    assert service.latest_head(session) is None
    monkeypatch.setenv("XINYONG_TRANSPARENCY_AUTO", "1")
    reset_settings()
    with TestClient(create_app()) as client:
        client.get("/api/v1/health")
        latest = client.get("/api/v1/transparency/sth/latest")
    assert latest.status_code == 200 and latest.json()["tree_size"] == 5


def test_serve_refuses_without_an_explicit_signing_key(monkeypatch):
    monkeypatch.delenv("XINYONG_AUDIT_SIGNING_KEY", raising=False)
    monkeypatch.delenv("XINYONG_DEV", raising=False)
    reset_settings()
    out = CliRunner().invoke(app, ["serve"])
    assert out.exit_code == 2 and "XINYONG_AUDIT_SIGNING_KEY" in out.output


def test_a_savepoint_inside_the_transaction_leaves_the_head_to_the_real_commit(db, session, monkeypatch):
    """SQLAlchemy reports a SAVEPOINT's release and rollback as after_commit / after_rollback.
    Signing there ran before the entries were committed (on SQLite it waited on the enclosing
    transaction's write lock: `xinyong demo` logged "database is locked"); forgetting there
    left the real commit unsigned."""
    monkeypatch.setenv("XINYONG_TRANSPARENCY_AUTO", "1")
    reset_settings()
    from xinyong.transparency import worker
    calls = []
    monkeypatch.setattr(worker, "sequence_and_publish_quietly", lambda engine=None: calls.append(engine))
    record_event(session, ALICE, "document.issue", target_type="document", target_id=1)
    with session.begin_nested():          # released: not a commit of the entries
        record_event(session, ALICE, "test.event", target_type="thing", target_id=2)
    try:
        with session.begin_nested():      # rolled back: the entry above still stands
            record_event(session, ALICE, "document.issue", target_type="document", target_id=3)
            raise RuntimeError("undo the savepoint")
    except RuntimeError:
        pass
    assert calls == []
    session.commit()
    assert len(calls) == 1
