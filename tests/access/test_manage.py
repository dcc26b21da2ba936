"""Authorisations, query items and the access log through the API, on SQLite and PostgreSQL:
who may change what, what is versioned and audited, and who sees which log."""
from __future__ import annotations

from sqlalchemy import select

from tests.access.support import grant, read
from xinyong.history import versions
from xinyong.models import AuditEntry


def _actions(session) -> list[str]:
    session.expire_all()
    return list(session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("authorisation.%")
                                                                | AuditEntry.action.like("query_item.%"))
                                .order_by(AuditEntry.id)))


def test_a_subject_grants_lists_and_revokes_its_own_authorisations(world, client, session):
    firm, chen = world.token("firm"), world.token("chen")
    r = grant(client, firm, world.orgs["bank"].uscc, items=("penalty", "licence"), document_ref="授权书-001")
    assert r.status_code == 201, r.text
    auth = r.json()
    assert (auth["subject_id"], auth["grantee"]["name"], auth["status"], auth["at_window"]) == (
        world.enterprise_id, "泉州银行", "active", False)
    assert [a["id"] for a in client.get("/api/v1/me/authorisations", headers=firm).json()] == [auth["id"]]
    assert client.get("/api/v1/me/authorisations", headers=chen).json() == []
    # another subject cannot revoke it, and learns nothing about it
    assert client.post(f"/api/v1/me/authorisations/{auth['id']}/revoke", json={}, headers=chen).status_code == 404
    revoked = client.post(f"/api/v1/me/authorisations/{auth['id']}/revoke", json={"reason": "不再需要"}, headers=firm)
    assert revoked.json()["status"] == "revoked" and revoked.json()["revocation_reason"] == "不再需要"
    assert _actions(session) == ["authorisation.grant", "authorisation.revoke"]
    (before,) = versions(session, "authorisation", auth["id"])        # the before-image of the revocation
    assert before.snapshot["revoked_at"] is None and before.change_reason == "不再需要"


def test_grants_are_checked(world, client):
    firm = world.token("firm")
    bank = world.orgs["bank"].uscc
    assert grant(client, firm, "91350500MA0000000X").json()["error"]["field"] == "grantee_uscc"
    assert grant(client, firm, bank, items=("astrology",)).json()["error"]["field"] == "items"
    assert grant(client, firm, bank, valid_to="2026-08-31").json()["error"]["field"] == "valid_to"
    assert grant(client, firm, bank, purpose="").status_code == 422
    # organisations cannot grant on a subject's behalf through the subject's API
    assert grant(client, world.token("bank"), bank).status_code == 403


def test_staff_record_a_paper_authorisation_at_the_window(world, client, session):
    staff = world.token("staff")
    body = {"subject_resident_id": world.person_resident_id, "grantee_uscc": world.orgs["bank"].uscc,
            "items": ["penalty"], "purpose": "信贷审查", "valid_to": "2026-12-31",
            "signatory_name": "陈美玲", "signatory_capacity": "self"}
    assert client.post("/api/v1/authorisations", json=body, headers=staff).status_code == 422   # no document number
    r = client.post("/api/v1/authorisations", json={**body, "document_ref": "纸质授权-0901-3"}, headers=staff)
    assert r.status_code == 201, r.text
    assert r.json()["subject_id"] == world.person_id and r.json()["at_window"] is True
    assert read(client, world.token("bank"), world.person_id, basis_id=r.json()["id"]).status_code == 200
    # the person sees it among their own authorisations and may revoke it themselves
    mine = client.get("/api/v1/me/authorisations", headers=world.token("chen")).json()
    assert [a["document_ref"] for a in mine] == ["纸质授权-0901-3"]
    assert client.post("/api/v1/authorisations", json=body, headers=world.token("firm")).status_code == 403
    out = client.post(f"/api/v1/authorisations/{r.json()['id']}/revoke", json={"reason": "窗口撤销"}, headers=staff)
    assert out.json()["status"] == "revoked"
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "authorisation.grant")).one()
    assert entry.subject_id == world.person_id and entry.details["at_window"] is True
    assert world.person_resident_id not in str(entry.details)


def test_agencies_draft_publish_and_withdraw_query_items(world, client, session):
    scjg, swj = world.token("scjg"), world.token("swj")
    body = {"matter": "食品经营许可审查", "items": ["penalty", "licence"], "legal_basis": "《食品安全法》第三十五条"}
    qi = client.post("/api/v1/query-items", json=body, headers=scjg).json()
    assert client.get("/api/v1/query-items").json() == []                        # drafts are not published
    assert client.get(f"/api/v1/query-items/{qi['id']}").status_code == 404
    assert client.get(f"/api/v1/query-items/{qi['id']}", headers=scjg).json()["status"] == "draft"
    assert client.post(f"/api/v1/query-items/{qi['id']}/publish", headers=swj).status_code == 404   # not theirs
    assert client.post(f"/api/v1/query-items/{qi['id']}/publish", headers=scjg).json()["status"] == "published"
    assert client.post(f"/api/v1/query-items/{qi['id']}/publish", headers=scjg).status_code == 409
    public = client.get("/api/v1/query-items").json()
    assert [(q["organisation"]["name"], q["matter"], q["items"], q["legal_basis"]) for q in public] == [
        ("泉州市市场监督管理局", "食品经营许可审查", ["penalty", "licence"], "《食品安全法》第三十五条")]
    assert [q["id"] for q in client.get("/api/v1/agency/query-items", headers=swj).json()] == []
    assert client.post(f"/api/v1/query-items/{qi['id']}/withdraw", headers=scjg).json()["status"] == "withdrawn"
    assert client.get("/api/v1/query-items").json() == []
    assert _actions(session) == ["query_item.create", "query_item.publish", "query_item.withdraw"]
    assert [v.snapshot["status"] for v in versions(session, "query_item", qi["id"])] == ["draft", "published"]


def test_query_items_name_catalogue_items_only_and_only_agencies_make_them(world, client):
    scjg = world.token("scjg")
    bad = {"matter": "m", "items": ["restricted:income"], "legal_basis": "b"}
    assert client.post("/api/v1/query-items", json=bad, headers=scjg).json()["error"]["field"] == "items"
    ok = {"matter": "m", "items": ["penalty"], "legal_basis": "b"}
    assert client.post("/api/v1/query-items", json=ok, headers=world.token("court")).status_code == 403
    assert client.post("/api/v1/query-items", json=ok).status_code == 401


def test_legal_bases_are_published(client, db, today):
    today("2026-09-01")
    bases = {b["id"]: b for b in client.get("/api/v1/legal-bases").json()}
    assert bases["civil_court_inquiry"]["org_kinds"] == ["judicial"]
    assert "民事诉讼法" in bases["civil_court_inquiry"]["citation"]


# ---- the access log -----------------------------------------------------------------------------------

def test_a_subject_sees_every_attempt_on_its_data_and_nothing_else(world, client):
    firm, chen, bank = world.token("firm"), world.token("chen"), world.token("bank")
    read(client, bank, world.enterprise_id, basis_id=42)                                   # refused
    auth_id = grant(client, firm, world.orgs["bank"].uscc).json()["id"]
    read(client, bank, world.enterprise_id, basis_id=auth_id)                              # allowed
    read(client, world.token("court"), world.person_id, basis="legal_basis", basis_id="civil_court_inquiry",
         reference="（2026）闽05执9号")                                                     # about someone else
    log = client.get("/api/v1/me/access-log", headers=firm).json()
    assert [(e["organisation"], e["role"], e["items"], e["basis_kind"], e["basis_ref"], e["purpose"], e["allowed"])
            for e in log] == [("泉州银行", "financial", ["penalty"], "authorisation", str(auth_id), "信贷审查", True),
                              ("泉州银行", "financial", ["penalty"], "authorisation", "42", "信贷审查", False)]
    assert log[1]["reason"] and log[1]["reason_en"] and "QZ art. 33" in log[1]["citation"]
    assert client.get(f"/api/v1/me/access-log/{log[0]['id']}", headers=firm).json()["allowed"] is True
    # the person's log holds only the court's query; the firm's entries are not there, one by one either
    theirs = client.get("/api/v1/me/access-log", headers=chen).json()
    assert [(e["organisation"], e["basis_ref"]) for e in theirs] == [
        ("泉州市中级人民法院", "civil_court_inquiry: （2026）闽05执9号")]
    assert client.get(f"/api/v1/me/access-log/{log[0]['id']}", headers=chen).status_code == 404
    assert client.get("/api/v1/access-log", headers=firm).status_code == 403
    assert client.get("/api/v1/me/access-log", headers=bank).status_code == 403


def test_auditors_search_every_log(world, client):
    bank, court = world.token("bank"), world.token("court")
    read(client, bank, world.enterprise_id, basis_id=1)
    read(client, court, world.person_id, basis="legal_basis", basis_id="civil_court_inquiry", reference="（2026）闽05执9号")
    auditor = world.token("auditor")

    def search(**params):
        r = client.get("/api/v1/access-log", params=params, headers=auditor)
        assert r.status_code == 200, r.text
        return [(e["subject_id"], e["username"], e["allowed"]) for e in r.json()]
    assert search() == [(world.person_id, "court", True), (world.enterprise_id, "bank", False)]
    assert search(subject_id=world.enterprise_id) == [(world.enterprise_id, "bank", False)]
    assert search(org_id=world.orgs["court"].id) == [(world.person_id, "court", True)]
    assert search(allowed="false") == [(world.enterprise_id, "bank", False)]
    assert len(search(**{"from": "2026-09-01", "to": "2026-09-01"})) == 2
    assert search(**{"from": "2026-09-02"}) == [] and search(**{"to": "2026-08-31"}) == []
    assert client.get("/api/v1/access-log", headers=world.token("auditor", scopes=["batches:read"])).status_code == 403
