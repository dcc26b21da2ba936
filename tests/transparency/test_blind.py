"""A record's public proof is no oracle for the data its public page masks (security audit,
HIGH): the publication leaf's content hash (version 2) covers a blind only the platform can
make, so hashing a natural person's candidate names with the public data no longer finds the
name; the platform itself still recomputes the hash, so the log still binds the content; the
leaves already published unblinded (version 1) stay, the standalone verifier takes both, and
the public gets no proof out of a batch of them."""
from __future__ import annotations

import hashlib
import json

import polars as pl
from sqlalchemy import select, text

from tests.support.builders import agency, penalty_rows, to_csv
from tests.transparency.standalone import run
from xinyong.audit.rules import canonical_json
from xinyong.ingest.service import ingest_file
from xinyong.models import Record
from xinyong.transparency import leaves, publications, rules
from xinyong.transparency.worker import sequence_and_publish

NAME = "萧成"
# what an attacker tries: the common given names after the public surname (a real attack tries
# thousands in well under a second)
CANDIDATES = ["萧" + given for given in "一二三文明华成杰伟芳军丽强"]


def _person(session, today, name: str = NAME) -> Record:
    today("2026-06-01")
    src = agency(session).uscc
    rows = penalty_rows(2, src, persons=1)
    rows[0]["行政相对人名称"] = name
    out = ingest_file(session, data=to_csv(rows), filename="p.csv", source_uscc=src, item_code="penalty")
    session.commit()
    assert out.rejected == 0, out
    return session.scalar(select(Record).where(Record.batch_id == out.batch_id).order_by(Record.id).limit(1))


def _v1_content_sha256(content: dict) -> str:
    """The version 1 recipe, as the audit's attacker ran it: SHA-256 of the canonical JSON."""
    return hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":"),
                                     ensure_ascii=False).encode("utf-8")).hexdigest()


def test_the_public_proof_and_profile_do_not_give_a_masked_name_back(session, client, today):
    record = _person(session, today)
    assert record.fields["subject_name"] == NAME
    sequence_and_publish()
    # everything here is what an anonymous caller gets
    bundle = client.get(f"/api/v1/transparency/records/{record.id}")
    profile = client.get(f"/api/v1/subjects/{record.subject_id}")
    assert bundle.json()["status"] == "included" and profile.status_code == 200
    assert NAME not in profile.text and NAME not in bundle.text
    leaf = json.loads(bundle.json()["publication"]["leaf"])
    [shown] = [r for r in profile.json()["records"] if r["id"] == record.id]
    assert leaf["v"] == 2 and shown["fields"]["subject_name"] == "萧*"
    public = {"subject_id": profile.json()["id"], "item_code": leaf["key"]["item_code"],
              "decision_no": leaf["key"]["decision_no"], "source_agency_id": leaf["key"]["source_agency_id"],
              "decision_date": shown["decision_date"], "severity": shown["severity"],
              # not on the page, but one of a handful of values: the attacker is given it
              "valid_to": record.valid_to.isoformat() if record.valid_to else None}

    def guess(name: str) -> dict:
        return {**public, "fields": {**shown["fields"], "subject_name": name}}

    # the audit's attack: public data + a guessed name, hashed as version 1 hashed the content
    assert NAME in CANDIDATES
    assert [n for n in CANDIDATES if _v1_content_sha256(guess(n)) == leaf["content_sha256"]] == []
    # ...and the public data is the whole content but the name: a holder of the blind, the
    # platform, finds the one name that was published (so the attack above failed only for the blind)
    blind = rules.content_blind(publications.blind_key(), leaf["record"], leaf["version"])
    assert [n for n in CANDIDATES if rules.content_sha256(guess(n), blind) == leaf["content_sha256"]] == [NAME]
    # the blind and its key are nowhere in what is served
    for served in (bundle.text, profile.text):
        assert blind not in served and publications.blind_key() not in served
    assert publications.content_matches(session, record.id) is True


def test_the_platform_rechecks_a_record_against_its_blinded_leaf_and_a_changed_field_fails(session, today):
    record = _person(session, today)
    assert publications.content_matches(session, record.id) is True
    assert publications.content_matches(session, 10**12) is None        # never published
    severity = record.severity
    # a change behind the platform's back (no new publication): the content no longer matches
    session.execute(text("UPDATE records SET severity = :s WHERE id = :id"),
                    {"s": "serious" if severity != "serious" else "general", "id": record.id})
    session.expire_all()
    assert publications.content_matches(session, record.id) is False
    session.execute(text("UPDATE records SET severity = :s WHERE id = :id"), {"s": severity, "id": record.id})
    session.expire_all()
    assert publications.content_matches(session, record.id) is True
    # another secret key makes other blinds: the hash cannot be opened without the platform's
    row = {k: getattr(record, k) for k in ("id", "version", *rules.CONTENT_FIELDS)}
    leaf = json.loads(session.scalar(text("SELECT leaf FROM transparency_publications WHERE record_id = :id"),
                                     {"id": record.id}))
    assert rules.publication_content_ok(json.dumps(leaf), row, publications.blind_key())
    assert not rules.publication_content_ok(json.dumps(leaf), row, rules.blind_key("another secret"))
    assert not rules.publication_content_ok(json.dumps({**leaf, "version": 2}), row, publications.blind_key())
    assert not rules.publication_content_ok(json.dumps({**leaf, "v": 3}), row, publications.blind_key())


def _v1_leaf_texts(frame, batch_id, first_position=0, *, blind_key):
    """The leaves a platform before the blind wrote: version 1, the content hash unblinded."""
    out = []
    for i, row in enumerate(frame.to_dicts()):
        row = {**row, "fields": json.loads(row["fields"])}
        leaf = json.loads(rules.publication_leaf(batch_id, first_position + i, row, blind_key))
        out.append(canonical_json({**leaf, "v": 1, "content_sha256": rules.content_sha256(row)}))
    return pl.Series("leaf", out, dtype=pl.String)


def test_version_1_leaves_stay_verify_beside_version_2_and_are_withheld_from_the_public(
        db, session, client, today, monkeypatch, tmp_path):
    from tests.transparency.test_publications import _batch_entry, _independent_leaf
    from xinyong.transparency import merkle
    today("2026-06-01")
    src = agency(session).uscc
    rows = penalty_rows(3, src)
    with monkeypatch.context() as old_platform:
        old_platform.setattr(leaves, "leaf_texts", _v1_leaf_texts)
        first = ingest_file(session, data=to_csv(rows), filename="p.csv", source_uscc=src, item_code="penalty")
        session.commit()
    old = list(session.scalars(select(Record).where(Record.batch_id == first.batch_id).order_by(Record.id)))
    assert _batch_entry(session, first.batch_id)["records_root"] == merkle.root_of(
        [_independent_leaf(r, first.batch_id, i, v=1) for i, r in enumerate(old)]).hex()
    # the current platform: a corrected re-send of the first record is a version-2 publication
    changed = [dict(rows[0], **{"处罚内容": rows[0]["处罚内容"] + "（更正）"})]
    second = ingest_file(session, data=to_csv(changed), filename="p.csv", source_uscc=src, item_code="penalty")
    session.commit()
    session.expire_all()   # the records read above were updated in SQL
    [new] = session.scalars(select(Record).where(Record.batch_id == second.batch_id))
    assert _batch_entry(session, second.batch_id)["records_root"] == merkle.root_of(
        [_independent_leaf(new, second.batch_id, 0, v=2)]).hex()
    sequence_and_publish()
    keys = tmp_path / "keys.json"
    keys.write_text(client.get("/api/v1/transparency/keys").text)
    # the public gets no proof from a batch of version 1 leaves: every hash in it is an oracle
    withheld = client.get(f"/api/v1/transparency/records/{old[1].id}")
    assert withheld.status_code == 200 and withheld.json() == {"status": "withheld", "record_id": old[1].id,
                                                               "leaf_version": 1}
    proof = tmp_path / "withheld.json"
    proof.write_text(withheld.text)
    done = run("record", "--proof", proof, "--keys", keys)
    assert done.returncode == 1 and "withholds" in done.stderr, done.stderr
    # ...but the proof exists and verifies (the platform can give it to a court, say), as does the
    # version 2 one the public gets
    for record, bundle, blinded in (
            (old[1], publications.record_proof(session, old[1].id), False),
            (new, client.get(f"/api/v1/transparency/records/{new.id}").json(), True)):
        assert json.loads(bundle["publication"]["leaf"])["v"] == (2 if blinded else 1)
        proof = tmp_path / f"record-{record.id}.json"
        proof.write_text(json.dumps(bundle))
        done = run("record", "--proof", proof, "--record", str(record.id), "--keys", keys)
        assert done.returncode == 0, done.stderr
        assert ("blinded content SHA-256" in done.stdout) is blinded, done.stdout
        # the platform's own check opens either
        assert publications.content_matches(session, record.id) is True
    # a leaf version the verifier does not know is named, not read as one it knows
    bundle = client.get(f"/api/v1/transparency/records/{new.id}").json()
    bundle["publication"]["leaf"] = canonical_json({**json.loads(bundle["publication"]["leaf"]), "v": 3})
    proof = tmp_path / "v3.json"
    proof.write_text(json.dumps(bundle))
    done = run("record", "--proof", proof, "--keys", keys)
    assert done.returncode == 1 and "version 3" in done.stderr, done.stderr


def test_the_batch_entry_names_its_file_by_a_keyed_mac_not_its_hash(session, client, today):
    """The batch's log entry comes with every record proof of the batch: the uploaded file's plain
    SHA-256 there would be an oracle for whoever can rebuild a one-row file (a name and an ID
    number); the entry carries an HMAC under the blinds' key, the sender sees the plain hash on
    its own batch."""
    from xinyong.models import Batch
    record = _person(session, today)
    sequence_and_publish()
    bundle = client.get(f"/api/v1/transparency/records/{record.id}").json()
    batch = session.get(Batch, record.batch_id)
    details = json.loads(bundle["batch_entry"]["leaf"])["details"]
    assert batch.content_sha256 and batch.content_sha256 not in json.dumps(bundle)
    assert details["content_mac"] == rules.file_mac(publications.blind_key(), batch.content_sha256)
    assert "content_sha256" not in details
