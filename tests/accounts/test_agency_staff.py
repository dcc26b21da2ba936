"""An organisation's own administrator manages its staff accounts on a page (issue 13 point 5):
creates them (a set-password link is mailed), disables, enables and resets them, all audited,
and never reaches an account of another organisation, another administrator or the platform."""
from __future__ import annotations

import random

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.accounts.smtp_support import inbox  # noqa: F401
from tests.support.builders import agency
from tests.support.web import CSRF, page_login
from xinyong.accounts.service import create_user
from xinyong.agencies.service import register
from xinyong.app import create_app
from xinyong.models import AuditEntry, User
from xinyong.synthetic import make_uscc

PW = "Staff-admin-pass-2026"


def _setup(session):
    mine = agency(session)
    bank = register(session, uscc=make_uscc(random.Random(3), kind="11"), name="某银行", kind="financial")
    create_user(session, username="boss", password=PW, role="agency_admin", agency_uscc=mine.uscc,
                email="boss@example.test")
    create_user(session, username="clerk", password=PW, role="agency", agency_uscc=mine.uscc, email="clerk@example.test")
    create_user(session, username="co-admin", password=PW, role="agency_admin", agency_uscc=mine.uscc)
    create_user(session, username="banker", password=PW, role="financial", agency_uscc=bank.uscc,
                email="banker@example.test")
    create_user(session, username="root", password=PW, role="admin", email="root@example.test")
    session.commit()
    return mine


def _post(client, path: str, csrf: str, **data):
    return client.post(path, data={"csrf_token": csrf, **data}, follow_redirects=False)


def _user(session, name: str) -> User:
    session.expire_all()
    return session.scalar(select(User).where(User.username == name))


def test_the_administrator_creates_a_staff_account_that_sets_its_own_password(inbox, session, client):
    mine = _setup(session)
    csrf = page_login(client, "boss", PW)
    page = client.get("/agency/staff").text
    assert "clerk" in page and "banker" not in page and "co-admin" not in page and "root" not in page
    r = _post(client, "/agency/staff", csrf, username="new-clerk", role="agency", email="new@example.test",
              display_name="新同事")
    assert r.status_code == 303, r.text[:300]
    new = _user(session, "new-clerk")
    assert (new.role, new.agency_id, new.active) == ("agency", mine.id, True)
    [link] = inbox.links_to("new@example.test")
    with TestClient(create_app()) as newcomer:
        csrf_new = CSRF.search(newcomer.get(link).text).group(1)
        r = newcomer.post("/account/reset/confirm", follow_redirects=False, data={
            "token": link.split("token=")[1], "new_password": "Newcomer-pass-2026",
            "confirm_password": "Newcomer-pass-2026", "csrf_token": csrf_new})
        assert r.status_code == 303
        page_login(newcomer, "new-clerk", "Newcomer-pass-2026")
    boss = _user(session, "boss")
    created = session.scalar(select(AuditEntry).where(AuditEntry.action == "user.create",
                                                      AuditEntry.target_id == str(new.id)))
    assert created.actor_user_id == boss.id


def test_roles_beyond_the_organisation_are_refused(inbox, session, client):
    _setup(session)
    csrf = page_login(client, "boss", PW)
    for role in ("financial", "admin", "staff", "agency_admin", "subject", "registrant"):
        r = _post(client, "/agency/staff", csrf, username=f"x-{role}", role=role, email=f"{role}@example.test")
        assert r.status_code == 422 and _user(session, f"x-{role}") is None, role
    assert inbox.messages == []


def test_disable_enable_and_reset_a_member(inbox, session, client):
    _setup(session)
    with TestClient(create_app()) as clerks_browser:
        page_login(clerks_browser, "clerk", PW)
        csrf = page_login(client, "boss", PW)
        assert _post(client, "/agency/staff/clerk/disable", csrf, reason="离职").status_code == 303
        assert _user(session, "clerk").active is False
        r = clerks_browser.get("/batches", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")  # the session ended
        assert _post(client, "/agency/staff/clerk/enable", csrf, reason="返岗").status_code == 303
        page_login(clerks_browser, "clerk", PW)
        assert _post(client, "/agency/staff/clerk/reset", csrf).status_code == 303
        assert len(inbox.links_to("clerk@example.test")) == 1
        r = clerks_browser.get("/batches", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
    clerk = _user(session, "clerk")
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.target_id == str(clerk.id))).all()
    assert {"user.disable", "user.enable", "user.reset_link_sent"} <= set(actions)


def test_never_beyond_the_own_organisation(inbox, session, client):
    _setup(session)
    csrf = page_login(client, "boss", PW)
    for target in ("banker", "co-admin", "root", "boss", "nobody"):
        for action, data in (("disable", {"reason": "试探"}), ("enable", {"reason": "试探"}), ("reset", {})):
            r = _post(client, f"/agency/staff/{target}/{action}", csrf, **data)
            assert r.status_code == 404, (target, action, r.status_code)
    assert all(u.active for u in session.scalars(select(User)).all())
    assert inbox.messages == []
    page_login(client, "banker", PW)  # the bank's account still works


def test_without_a_mail_server_the_administrator_is_told_and_nothing_changes(session, client, monkeypatch):
    from xinyong.config import reset_settings
    monkeypatch.setenv("XINYONG_SMTP_HOST", "")
    reset_settings()
    _setup(session)
    with TestClient(create_app()) as clerks_browser:
        page_login(clerks_browser, "clerk", PW)
        csrf = page_login(client, "boss", PW)
        r = _post(client, "/agency/staff", csrf, username="new-clerk", role="agency", email="new@example.test")
        assert r.status_code == 422 and "未配置邮件服务器" in r.text and _user(session, "new-clerk") is None
        assert 'value="new-clerk"' in r.text and 'value="new@example.test"' in r.text   # the form kept as sent
        assert _post(client, "/agency/staff/clerk/reset", csrf).status_code == 422
        assert clerks_browser.get("/batches", follow_redirects=False).status_code == 200  # still signed in
