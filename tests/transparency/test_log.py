"""Issue 12 evidence on both backends: the sequencer makes every audit entry a leaf and
publishes signed heads outside the database; proofs over the API verify against them; and
every attack of the issue is caught by `xinyong audit verify` against heads archived
before the attack."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import delete, select
from typer.testing import CliRunner

from tests.audit.helpers import seed
from tests.transparency import attacks
from xinyong.audit import service as audit
from xinyong.cli import app
from xinyong.transparency import archive, merkle, service
from xinyong.transparency.worker import sequence_and_publish

runner = CliRunner()


def _published(session, n: int = 12):
    made = seed(session, n)
    head = sequence_and_publish()
    return made, head


def test_sequencing_publishes_a_signed_head_and_every_leaf(db, session):
    made, head = _published(session, 12)
    assert head.tree_size == 12 and head.signature_ok(service.public_keys())
    root = archive.archive_dir()
    assert json.loads((root / "sth" / "latest.json").read_text())["root_hash"] == head.root_hash
    assert (root / "sth" / "12.json").exists() and (root / "keys.json").exists()
    hashes = archive.archived_leaf_hashes()
    assert merkle.root_of([bytes.fromhex(h) for h in hashes]).hex() == head.root_hash
    report = audit.verify(session)
    assert report.ok and report.heads == 1, report.summary()
    # nothing new: no new head; more entries: a head over all of them
    assert sequence_and_publish().tree_size == 12
    seed(session, 5)
    assert sequence_and_publish().tree_size == 17
    assert len(archive.archived_heads()) == 2 and audit.verify(session).ok


def test_proofs_over_the_api_verify_against_the_published_heads(db, session, client):
    seed(session, 7)
    first = sequence_and_publish()
    seed(session, 6)
    second = sequence_and_publish()
    latest = client.get("/api/v1/transparency/sth/latest").json()
    assert latest["tree_size"] == second.tree_size == 13
    assert client.get("/api/v1/transparency/sth/7").json()["root_hash"] == first.root_hash
    assert client.get("/api/v1/transparency/sth/8").status_code == 404
    for index in range(13):
        proof = client.get("/api/v1/transparency/proof/inclusion", params={"leaf_index": index, "tree_size": 13}).json()
        assert merkle.verify_inclusion(bytes.fromhex(proof["leaf_hash"]), index, 13,
                                       [bytes.fromhex(h) for h in proof["audit_path"]], bytes.fromhex(second.root_hash))
        assert "actor" not in json.dumps(proof)  # hashes only, no entry's contents
    cons = client.get("/api/v1/transparency/proof/consistency", params={"first": 7, "second": 13}).json()
    assert merkle.verify_consistency(7, 13, bytes.fromhex(first.root_hash), bytes.fromhex(second.root_hash),
                                     [bytes.fromhex(h) for h in cons["consistency_path"]])
    assert client.get("/api/v1/transparency/proof/inclusion", params={"leaf_index": 13, "tree_size": 13}).status_code == 422
    assert client.get("/api/v1/transparency/keys").json()["keys"][0]["key_id"] == second.key_id
    page = client.get("/transparency")
    assert page.status_code == 200 and second.root_hash in page.text


def _first(session):
    report = audit.verify(session)
    assert not report.ok, report.summary()
    return report


def test_changed_actor_with_the_chain_recomputed_and_checkpoints_deleted_is_caught(db, session):
    made, _ = _published(session)
    victim = made[5].id
    attacks.change_actor(db, victim)
    problems = _first(session).problems
    # the hash chain and its (deleted) checkpoints alone no longer see it: only the tree does
    assert [p.entry_id for p in problems] == [victim], [p.line() for p in problems]
    assert problems[0].kind == "changed" and "leaf 5" in problems[0].message
    out = runner.invoke(app, ["audit", "verify"])
    assert out.exit_code == 1 and f"entry id {victim}" in out.output + (out.stderr or "")


def test_a_deleted_entry_with_the_rest_renumbered_is_caught(db, session):
    made, _ = _published(session)
    attacks.delete_and_renumber(db, made[4].id)
    problems = _first(session).problems
    # the first leaf that is no longer the published one is where the deleted entry was
    assert [(p.kind, p.entry_id) for p in problems] == [("changed", made[5].id)], [p.line() for p in problems]
    assert "leaf 4" in problems[0].message


def test_a_forged_entry_inserted_in_the_middle_is_caught(db, session):
    made, _ = _published(session)
    forged = attacks.insert_forged(db, made[4].id)
    problems = _first(session).problems
    kinds = {(p.kind, p.entry_id) for p in problems}
    assert ("inserted", forged) in kinds, [p.line() for p in problems]
    assert any(k == "changed" for k, _ in kinds)  # the entries renumbered after it are not the published ones


def test_entries_after_the_last_head_rewritten_or_deleted_are_caught_once_the_head_is_stale(db, session, monkeypatch):
    _published(session, 8)
    late = seed(session, 4)
    sequence_and_publish()  # a second head, archived
    heads_before = archive.archive_dir()
    newest = seed(session, 3)  # not yet under any head
    attacks.change_actor(db, newest[1].id)
    from xinyong.transparency.verification import verify_log
    with session.__class__(bind=db) as snap:
        later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=2)
        _, problems = verify_log(snap, heads_before, now=later)
    assert [p.kind for p in problems] == ["stale_head"], [p.line() for p in problems]
    # the entries that were under the archived head are protected at once
    attacks.change_actor(db, late[0].id)
    kinds = {p.kind for p in _first(session).problems}
    assert "changed" in kinds


def test_a_database_rolled_back_to_an_older_copy_is_caught(db, session, tmp_path):
    seed(session, 6)
    sequence_and_publish()
    old = _snapshot_rows(db)
    seed(session, 6)
    sequence_and_publish()
    _restore_rows(db, old)  # the copy from before the second head
    problems = _first(session).problems
    assert any(p.kind == "missing" and "published" in p.message for p in problems), [p.line() for p in problems]
    with pytest.raises(archive.ArchiveConflict):
        from xinyong.transparency.worker import publish_latest
        publish_latest(session)


TABLES = ("audit_log", "audit_heads", "audit_checkpoints", "transparency_leaves", "transparency_nodes",
          "transparency_heads", "transparency_state", "transparency_pending")


def _snapshot_rows(engine) -> dict:
    from xinyong.models import Base
    with engine.connect() as conn:
        return {t: [dict(r._mapping) for r in conn.execute(select(Base.metadata.tables[t]))] for t in TABLES}


def _restore_rows(engine, rows: dict) -> None:
    from xinyong.models import Base
    with engine.begin() as conn:
        for t in TABLES:
            conn.execute(delete(Base.metadata.tables[t]))
            if rows[t]:
                conn.execute(Base.metadata.tables[t].insert(), rows[t])


def test_a_rotated_key_keeps_old_heads_verifiable(db, session, monkeypatch):
    import base64

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

    from xinyong.config import reset_settings
    _published(session, 5)
    old_public = base64.b64encode(service.signing_key().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))
    new = Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    monkeypatch.setenv("XINYONG_AUDIT_SIGNING_KEY", base64.b64encode(new).decode())
    reset_settings()
    seed(session, 2)
    sequence_and_publish()
    report = audit.verify(session)   # the old head's key is no longer accepted: not known, not "altered"…
    assert [p.kind for p in report.problems] == ["unknown_key"], report.summary()
    assert "not known" in report.problems[0].message
    monkeypatch.setenv("XINYONG_AUDIT_PUBLIC_KEYS", old_public.decode())
    reset_settings()
    assert audit.verify(session).ok, audit.verify(session).summary()  # …until it is kept
    assert len(json.loads((archive.archive_dir() / "keys.json").read_text())["keys"]) == 1
    sequence_and_publish(force_head=True)
    assert len(json.loads((archive.archive_dir() / "keys.json").read_text())["keys"]) == 2


def test_heads_verified_under_another_secret_say_the_key_is_not_known(db, session, monkeypatch):
    """Issue 16 point 7: a restored database checked under another key: 'key not known', never
    'the heads were altered'; a head altered under a known key is still caught as such."""
    from xinyong.config import reset_settings
    _published(session, 4)
    monkeypatch.setenv("XINYONG_SECRET_KEY", "another-installation-secret")
    reset_settings()
    kinds = {p.kind for p in audit.verify(session).problems}
    assert "unknown_key" in kinds and not kinds & {"bad_head_signature", "bad_checkpoint_signature"}, kinds
    monkeypatch.setenv("XINYONG_SECRET_KEY", "test-secret-key-for-xinyong-suite")
    reset_settings()
    sth = archive.archive_dir() / "sth" / "4.json"
    doc = json.loads(sth.read_text())
    later = archive.head_from_document(doc).at + dt.timedelta(seconds=1)
    sth.write_text(json.dumps({**doc, "timestamp": later.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}))
    assert [p.kind for p in audit.verify(session).problems] == ["bad_head_signature"]


def test_entries_that_never_got_a_head_fail_once_they_are_older_than_the_maximum(db, session):
    from xinyong.transparency.verification import verify_log
    made = seed(session, 3)
    with session.__class__(bind=db) as snap:
        assert verify_log(snap)[1] == []  # fresh entries may wait for the next head
        _, problems = verify_log(snap, now=dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=2))
    assert [(p.kind, p.entry_id) for p in problems] == [("missing_head", made[0].id)]
    out = runner.invoke(app, ["audit", "sequence"])
    assert out.exit_code == 0 and "size 3" in out.output
    with session.__class__(bind=db) as snap:
        _, problems = verify_log(snap, now=dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=2))
    assert problems == []
