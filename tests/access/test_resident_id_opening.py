"""Resident ID numbers behind the gate (ARCHITECTURE.md "Sealed values"): the full number is
shown only where the basis covers the person's identity, and then through the one opener, with
an audit entry (who, which subject, purpose); the masked form writes none."""
from __future__ import annotations

from sqlalchemy import select

from tests.access.support import read
from xinyong.models import AuditEntry
from xinyong.subjects.opener import VIEWED


def _openings(session, subject_id: int) -> list[AuditEntry]:
    session.expire_all()
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == VIEWED,
                                                         AuditEntry.subject_id == subject_id)))


def test_a_covered_query_opens_the_number_with_an_audit_entry(world, client):
    court = world.token("court")
    args = {"basis": "legal_basis", "basis_id": "civil_court_inquiry", "purpose": "执行案件财产调查"}
    assert _openings(world.session, world.person_id) == []
    ok = read(client, court, world.person_id, reference="（2026）闽05执123号", **args)
    assert ok.status_code == 200, ok.text
    assert ok.json()["resident_id"] == world.person_resident_id
    [entry] = _openings(world.session, world.person_id)
    assert entry.target_type == "subject" and entry.target_id == str(world.person_id)
    assert entry.actor_user_id is not None and entry.details["purpose"] == "query:legal_basis"
    assert world.person_resident_id not in str(entry.details)


def test_a_masked_query_shows_the_masked_form_and_writes_no_opening(world, client):
    scjg = world.token("scjg")
    body = {"matter": "从业资格审查", "items": ["penalty"], "legal_basis": "《食品安全法》第一百三十五条"}
    qi_id = client.post("/api/v1/query-items", json=body, headers=scjg).json()["id"]
    client.post(f"/api/v1/query-items/{qi_id}/publish", headers=scjg)
    r = read(client, scjg, world.person_id, purpose="从业资格审查", basis="query_item", basis_id=qi_id)
    assert r.status_code == 200 and r.json()["masked"] is True
    assert r.json()["resident_id"][6:14] == "*" * 8
    assert _openings(world.session, world.person_id) == []


def test_a_refused_query_opens_nothing(world, client):
    r = read(client, world.token("bank"), world.person_id)   # no authorisation given
    assert r.status_code == 403
    assert _openings(world.session, world.person_id) == []
