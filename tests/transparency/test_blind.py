"""A record's public proof is no oracle for the data its public page masks (security audit,
HIGH): the publication leaf's content hash (version 2) covers a blind only the platform can
make, so hashing a natural person's candidate names with the public data no longer finds the
name; the platform itself still recomputes the hash, so the log still binds the content."""
from __future__ import annotations

import hashlib
import json

from sqlalchemy import select, text

from tests.support.builders import agency, penalty_rows, to_csv
from xinyong.ingest.service import ingest_file
from xinyong.models import Record
from xinyong.transparency import publications, rules
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
