"""Auditors search the audit log and verify it, through the API and the /audit page; other
roles are refused, anonymous callers asked to sign in; every reading is itself recorded."""
from __future__ import annotations

import re

from sqlalchemy import select, update

from tests.audit.helpers import LOG, chain_rows, seed, sql
from tests.support.builders import agency, agency_user
from xinyong.accounts.service import create_user
from xinyong.accounts.tokens import issue_token
from xinyong.models import AuditEntry

PW = "auditor-pass-123"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _auditor(session, username: str = "aud") -> dict[str, str]:
    create_user(session, username=username, password=PW, role="auditor")
    token = issue_token(session, username)
    session.commit()
    return {"Authorization": f"Bearer {token}"}


def _login(client, username: str, password: str = PW) -> None:
    token = CSRF.search(client.get("/login").text).group(1)
    r = client.post("/login", data={"username": username, "password": password, "csrf_token": token, "next": "/"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text


def _reads(session) -> list[AuditEntry]:
    session.expire_all()
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == "audit.read")))


def test_an_auditor_searches_entries_through_the_api(session, client):
    seed(session, 8)
    auth = _auditor(session)
    r = client.get("/api/v1/audit/entries", headers=auth)
    assert r.status_code == 200, r.text
    body = r.json()
    assert {e["action"] for e in body} >= {"test.event", "user.create", "token.issue"}
    assert body == sorted(body, key=lambda e: (e["at"], e["id"]), reverse=True)     # newest first
    only = client.get("/api/v1/audit/entries", params={"action": "test.event", "subject_id": 5, "limit": 5},
                      headers=auth).json()
    assert [(e["action"], e["subject_id"], e["details"]["n"]) for e in only] == [("test.event", 5, 5)]
    assert client.get("/api/v1/audit/entries", params={"from": "2999-01-01"}, headers=auth).json() == []
    assert client.get("/api/v1/audit/entries", params={"actor": "alice", "limit": 3}, headers=auth).json()[0][
        "actor"] == "alice"
    reads = _reads(session)
    assert len(reads) == 4 and reads[1].subject_id == 5 and reads[1].details["filter"]["action"] == "test.event"
    assert reads[0].actor == "aud"


def test_odd_search_terms_are_refused_or_answered(session, client):
    import random

    from xinyong.synthetic import make_resident_id
    auth = _auditor(session)
    r = client.get("/api/v1/audit/entries", params={"target_id": make_resident_id(random.Random(1))}, headers=auth)
    assert r.status_code == 422
    assert client.get("/api/v1/audit/entries", params={"actor": "a\x00b"}, headers=auth).status_code == 422
    edges = client.get("/api/v1/audit/entries", params={"from": "0001-01-01", "to": "9999-12-31"}, headers=auth)
    assert edges.status_code == 200 and len(edges.json()) >= 2  # the account and the token


def test_the_verify_endpoint_reports_and_is_recorded(session, client, db):
    seed(session, 8)
    auth = _auditor(session)
    ok = client.get("/api/v1/audit/verify", headers=auth).json()
    assert ok["ok"] is True and ok["first_problem"] is None and ok["entries"] >= 8
    victim = chain_rows(db, 1)[0]
    sql(db, update(LOG).where(LOG.c.id == victim.id).values(action="test.innocent"))
    bad = client.get("/api/v1/audit/verify", headers=auth).json()
    assert bad["ok"] is False
    assert (bad["first_problem"]["kind"], bad["first_problem"]["entry_id"]) == ("changed", victim.id)
    session.expire_all()
    events = list(session.scalars(select(AuditEntry).where(AuditEntry.action == "audit.verify")))
    assert [e.details["ok"] for e in events] == [True, False]


def test_other_roles_are_refused_and_anonymous_callers_must_sign_in(session, client):
    a = agency(session)
    agency_user(session, a.uscc, "ag", password="agency-pass-123")
    token = issue_token(session, "ag")
    session.commit()
    auth = {"Authorization": f"Bearer {token}"}
    for path in ("/api/v1/audit/entries", "/api/v1/audit/verify"):
        assert client.get(path, headers=auth).status_code == 403
        assert client.get(path).status_code == 401
    page = client.get("/audit", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    assert client.post("/audit/verify", follow_redirects=False).status_code in (303, 403)
    _login(client, "ag", "agency-pass-123")
    assert client.get("/audit").status_code == 403
    assert 'href="/audit"' not in client.get("/").text
    assert _reads(session) == []


def test_the_audit_page_lists_filters_and_verifies(session, client, db):
    seed(session, 6)
    create_user(session, username="aud", password=PW, role="auditor")
    session.commit()
    _login(client, "aud")
    home = client.get("/")
    assert 'href="/audit"' in home.text
    page = client.get("/audit")
    assert page.status_code == 200 and "审计日志" in page.text and "test.event" in page.text
    filtered = client.get("/audit", params={"action": "auth.login", "lang": "en"})
    assert "auth.login" in filtered.text and "test.event" not in filtered.text and "Audit log" in filtered.text
    # the filters offer the known actions and target types by name (the code is their value; the table shows it)
    assert '<option value="auth.login" selected>Signed in</option>' in filtered.text
    assert '<option value="repair_application">信用修复申请</option>' in page.text
    assert '<select id="f-target_type" name="target_type">' in page.text
    assert "登录<br>" in page.text   # the action column names it too
    bad = client.get("/audit", params={"subject_id": "abc"})
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
    token = CSRF.search(page.text).group(1)
    assert client.post("/audit/verify", data={}).status_code == 403          # no CSRF token
    verified = client.post("/audit/verify", data={"csrf_token": token})
    assert verified.status_code == 200 and "The log is intact" in verified.text
    victim = chain_rows(db, 2)[0]
    sql(db, update(LOG).where(LOG.c.id == victim.id).values(details={"n": 99}))
    broken = client.post("/audit/verify", data={"csrf_token": token})
    assert "has been tampered with" in broken.text and f"<dd>{victim.id}</dd>" in broken.text
    assert len(_reads(session)) == 4  # two pages, two verifications (the refused filter read nothing)
