"""Every publication of a record is an entry (issue 12 build 3), on both backends: a batch's
log entry carries the RFC 9162 root over one leaf per record it wrote; a record's proof (its
path in the batch sub-tree + the batch entry's inclusion in the signed log) is checked by the
standalone verifier alone; decision documents are entries with proofs too."""
from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.feed.support import ingest, world
from tests.transparency.standalone import run
from xinyong import clock
from xinyong.disclosure.publicity import in_public_view
from xinyong.models import AuditEntry, Record
from xinyong.models.transparency import TransparencyPublication
from xinyong.transparency import merkle, service
from xinyong.transparency.worker import sequence_and_publish


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=300), st.data())
def test_the_level_by_level_root_is_the_rfc_9162_root_and_its_paths_verify(n, data):
    leaves = [hashlib.sha256(str(i).encode()).digest() for i in range(n)]
    root = merkle.level_root(leaves)
    assert root == merkle.root_of(leaves)
    if n:
        i = data.draw(st.integers(min_value=0, max_value=n - 1))
        path = merkle.inclusion_from_leaves(i, leaves)
        assert merkle.verify_inclusion(leaves[i], i, n, path, root)
        assert not merkle.verify_inclusion(leaves[(i + 1) % n], i, n, path, root) or n == 1
        same_root, nodes = merkle.root_and_subtrees(leaves)
        assert same_root == root and merkle.inclusion_from(i, n, nodes) == path
        level = data.draw(st.integers(min_value=1, max_value=9))
        upper = merkle.root_and_subtrees(leaves, level)[1]
        assert upper == {k: v for k, v in nodes.items() if k[0] >= level}


def _batch_entry(session, batch_id: int) -> dict:
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "batch.ingest",
                                                    AuditEntry.target_id == str(batch_id)))
    return entry.details


def _independent_leaf(record: Record, batch_id: int, position: int, v: int = 2) -> bytes:
    """The publication leaf rebuilt here from the record's columns, not by the platform's code:
    version 2 (current) blinds the content with SHA-256 of "<sub-key of the secret>:<id>:<version>";
    version 1 (leaves already in a log) did not."""
    from xinyong.config import get_settings
    key = hmac.new(get_settings().secret_key.encode(), b"xinyong/transparency/content-blind", hashlib.sha256)
    blind = {"blind": hashlib.sha256(f"{key.hexdigest()}:{record.id}:{record.version}".encode()).hexdigest()}
    content = {**(blind if v == 2 else {}), "subject_id": record.subject_id, "item_code": record.item_code,
               "decision_no": record.decision_no, "source_agency_id": record.source_agency_id,
               "decision_date": record.decision_date.isoformat(),
               "valid_to": record.valid_to.isoformat() if record.valid_to else None, "severity": record.severity,
               "fields": record.fields}
    dump = lambda value: json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)  # noqa: E731
    body = {"v": v, "kind": "record.publication", "batch": batch_id, "position": position, "record": record.id,
            "version": record.version, "key": {"source_agency_id": record.source_agency_id,
                                               "item_code": record.item_code, "decision_no": record.decision_no},
            "content_sha256": hashlib.sha256(dump(content).encode()).hexdigest(),
            "published": record.publicity_published, "disclosure": record.disclosure,
            "publicity_start": record.publicity_start.isoformat(),
            "publicity_end": record.publicity_end.isoformat() if record.publicity_end else None}
    return merkle.leaf_hash(dump(body).encode())


@pytest.mark.parametrize("chunk_level", [16, 1])
def test_a_batch_entry_carries_the_root_of_its_records_publications(db, session, monkeypatch, chunk_level):
    from xinyong.transparency import publications
    chunk = 1 << chunk_level
    monkeypatch.setattr(publications, "LEAF_CHUNK_LEVEL", chunk_level)   # leaves built in chunks: the same leaves
    packed, real_packed = [], publications._packed
    monkeypatch.setattr(publications, "_packed", lambda frame: packed.append(frame.height) or real_packed(frame))
    regulator, _, _ = world(session)
    _, out = ingest(session, regulator, 7)
    session.commit()
    # chunks held packed while they wait to be stored; the one chunk of a smaller batch as it is
    assert packed == ([] if chunk >= 7 else [2, 2, 2, 1])
    records = list(session.scalars(select(Record).where(Record.batch_id == out.batch_id).order_by(Record.id)))
    details = _batch_entry(session, out.batch_id)
    assert details["records"] == len(records) == 7
    leaves = [_independent_leaf(r, out.batch_id, i) for i, r in enumerate(records)]
    assert details["records_root"] == merkle.root_of(leaves).hex()
    stored = session.execute(select(TransparencyPublication.position, TransparencyPublication.leaf_hash)
                             .where(TransparencyPublication.batch_id == out.batch_id)
                             .order_by(TransparencyPublication.position)).all()
    assert stored == [(i, leaf.hex()) for i, leaf in enumerate(leaves)]
    # a re-send that changes one decision publishes that record again, in the new batch only
    rows, again = ingest(session, regulator, 7)
    session.commit()
    assert _batch_entry(session, again.batch_id)["records"] == again.created + again.updated


def test_a_batch_of_changed_re_sends_unchanged_ones_and_new_records_publishes_the_written_in_id_order(db, session):
    """Positions follow the records' ids: the changed re-sends (earlier ids) first, then the new
    records in the order the load gives them ids; unchanged re-sends are not published again.
    On PostgreSQL the new records' ids are taken before the load and their leaves built
    alongside it (xinyong.ingest.service._publish): the same leaves as read back after it."""
    from tests.support.builders import penalty_rows, to_csv
    from xinyong.ingest.service import ingest_file
    regulator, _, _ = world(session)
    rows, _ = ingest(session, regulator, 6)
    session.commit()
    changed = [dict(r, **{"处罚内容": r["处罚内容"] + "（更正）"}) for r in rows[:2]]
    new = penalty_rows(5, regulator.uscc, seed=2, prefix="泉市监新罚")
    out = ingest_file(session, data=to_csv(changed + rows[2:] + new), filename="p.csv",
                      source_uscc=regulator.uscc, item_code="penalty")
    session.commit()
    assert (out.created, out.updated, out.unchanged) == (5, 2, 4)
    records = list(session.scalars(select(Record).where(Record.batch_id == out.batch_id).order_by(Record.id)))
    assert [r.version for r in records] == [2, 2, 1, 1, 1, 1, 1]
    details = _batch_entry(session, out.batch_id)
    assert details["records"] == 7
    leaves = [_independent_leaf(r, out.batch_id, i) for i, r in enumerate(records)]
    assert details["records_root"] == merkle.root_of(leaves).hex()


def test_a_records_publication_is_proved_to_the_standalone_verifier_alone(db, session, client, tmp_path, monkeypatch):
    from xinyong.transparency import publications
    monkeypatch.setattr(publications, "BLOCK_LEVEL", 1)   # stored subtrees from pairs up: both halves of the path
    regulator, _, _ = world(session)
    _, out = ingest(session, regulator, 7)
    session.commit()
    today = clock.today()
    records = list(session.scalars(select(Record).where(Record.batch_id == out.batch_id).order_by(Record.id)))
    shown = [r for r in records if in_public_view(r, today)]
    hidden = [r for r in records if not in_public_view(r, today)]
    assert shown, "the fixture must publish something"
    record = shown[-1]
    url = f"/api/v1/transparency/records/{record.id}"
    assert client.get(url).json()["status"] == "pending"
    sequence_and_publish()
    bundle = client.get(url)
    assert bundle.status_code == 200 and bundle.json()["status"] == "included", bundle.text
    assert "actor" not in json.dumps(bundle.json()["publication"])
    proof, keys = tmp_path / "record.json", tmp_path / "keys.json"
    proof.write_text(bundle.text)
    keys.write_text(client.get("/api/v1/transparency/keys").text)
    done = run("record", "--proof", proof, "--record", str(record.id), "--keys", keys)
    assert done.returncode == 0, done.stderr
    assert f"record {record.id} version 1" in done.stdout and f"batch {out.batch_id}" in done.stdout
    assert run("record", "--proof", proof, "--record", str(record.id + 1), "--keys", keys).returncode == 1
    forged = bundle.json()
    leaf = json.loads(forged["publication"]["leaf"])
    forged["publication"]["leaf"] = json.dumps({**leaf, "publicity_end": "2026-06-01"}, sort_keys=True,
                                               separators=(",", ":"), ensure_ascii=False)
    proof.write_text(json.dumps(forged))
    bad = run("record", "--proof", proof, "--keys", keys)
    assert bad.returncode == 1 and "NOT among" in bad.stderr, bad.stderr
    for other in shown[:-1]:   # every position's path, through stored subtrees and block leaves
        assert publications.record_proof(session, other.id)["status"] == "included"
    for other in hidden:  # deny by default: nothing about a record not in public view
        assert client.get(f"/api/v1/transparency/records/{other.id}").status_code == 404
    assert client.get("/api/v1/transparency/records/999999").status_code == 404


def test_a_decision_document_is_an_entry_with_a_checked_proof(db, session):
    from xinyong.documents.service import issue
    from xinyong.kit.pdf import Section
    doc = issue(session, kind="objection_decision", procedure="objection", procedure_id=1, title="异议处理决定书",
                sections=[Section(heading="决定", paragraphs=["予以更正。"])], subject_id=None)
    session.commit()
    entry_id = session.scalar(select(AuditEntry.id).where(AuditEntry.action == "document.issue",
                                                          AuditEntry.target_id == str(doc.id)))
    assert service.entry_proof(session, entry_id) is None      # waits for the next head
    sequence_and_publish()
    found = service.entry_proof(session, entry_id)
    assert json.loads(found["leaf"])["details"]["sha256"] == hashlib.sha256(doc.content).hexdigest()
    assert service.check_entry_proof(found)
    found["leaf"] = found["leaf"].replace(doc.sha256, "0" * 64)
    assert not service.check_entry_proof(found)
