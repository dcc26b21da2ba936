"""Password reset by a one-time link mailed through a real SMTP server on loopback (issue 13
point 5): single use, short-lived, stored hashed; the answer never tells whether an account
exists; requests are throttled; setting the new password ends the old sessions."""
from __future__ import annotations

import hashlib

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.accounts.smtp_support import inbox  # noqa: F401
from tests.support.web import CSRF, page_login
from xinyong.accounts.service import create_user
from xinyong.app import create_app
from xinyong.models import PasswordReset

OLD, NEW = "Old-password-2026", "Brand-new-pass-2026"
ADDRESS = "li.si@example.test"


def _ask(client, address: str):
    client.cookies.clear()
    csrf = CSRF.search(client.get("/account/reset").text).group(1)
    return client.post("/account/reset", data={"email": address, "csrf_token": csrf})


def _set(client, link: str, password: str):
    page = client.get(link)
    csrf = CSRF.search(page.text) or CSRF.search(client.get("/account/reset").text)  # a dead link shows no form
    return client.post("/account/reset/confirm", follow_redirects=False, data={
        "token": link.split("token=")[1], "new_password": password, "confirm_password": password,
        "csrf_token": csrf.group(1)})


def test_a_mailed_link_sets_a_new_password_once_and_ends_the_old_sessions(inbox, session, client, wall_clock):
    create_user(session, username="lisi", password=OLD, role="staff", email=ADDRESS)
    session.commit()
    with TestClient(create_app()) as other_device:
        page_login(other_device, "lisi", OLD)
        assert other_device.get("/account/password", follow_redirects=False).status_code == 200
        r = _ask(client, ADDRESS.upper())  # addresses are found whatever their case
        assert r.status_code == 200 and "重置链接已发送" in r.text
        [link] = inbox.links_to(ADDRESS)
        token = link.split("token=")[1]
        stored = session.scalars(select(PasswordReset.token_hash)).all()
        assert stored == [hashlib.sha256(token.encode()).hexdigest()]  # the token itself is nowhere
        r = _set(client, link, NEW)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
        # the old session on the other device has ended
        r = other_device.get("/account/password", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
    page_login(client, "lisi", NEW)
    assert _set(client, link, "Another-new-pass-2026").status_code == 422  # single use
    assert client.get(link).status_code == 400


def test_the_answer_is_the_same_for_an_unknown_address_and_no_mail_leaves(inbox, session, client):
    create_user(session, username="lisi", password=OLD, role="staff", email=ADDRESS)
    session.commit()
    known, unknown = _ask(client, ADDRESS), _ask(client, "nobody@example.test")
    assert known.status_code == unknown.status_code == 200
    assert CSRF.sub("", known.text) == CSRF.sub("", unknown.text)
    assert len(inbox.messages) == 1 and inbox.links_to("nobody@example.test") == []
    api_known = client.post("/api/v1/password-reset", json={"email": ADDRESS})
    api_unknown = client.post("/api/v1/password-reset", json={"email": "nobody@example.test"})
    assert (api_known.status_code, api_known.json()) == (api_unknown.status_code, api_unknown.json()) == (
        202, {"accepted": True})
    assert len(inbox.links_to(ADDRESS)) == 2


def test_a_link_expires_and_a_newer_one_replaces_it(inbox, session, client, wall_clock):
    create_user(session, username="lisi", password=OLD, role="staff", email=ADDRESS)
    session.commit()
    _ask(client, ADDRESS)
    _ask(client, ADDRESS)
    first, second = inbox.links_to(ADDRESS)
    assert _set(client, first, NEW).status_code == 422  # replaced by the second
    wall_clock.advance(minutes=31)
    assert _set(client, second, NEW).status_code == 422  # expired (XINYONG_RESET_LINK_MINUTES=30)
    page_login(client, "lisi", OLD)


def test_requests_are_throttled_per_address_found_or_not(inbox, session, client, wall_clock):
    create_user(session, username="lisi", password=OLD, role="staff", email=ADDRESS)
    session.commit()
    for address in (ADDRESS, "nobody@example.test"):
        statuses = [_ask(client, address).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
    assert len(inbox.links_to(ADDRESS)) == 3
    wall_clock.advance(seconds=2)
    assert _ask(client, ADDRESS).status_code == 200


def test_the_sweep_forgets_links_a_day_past_their_expiry(inbox, session, client, wall_clock):
    from sqlalchemy import func

    from xinyong.accounts import sweep
    create_user(session, username="lisi", password=OLD, role="staff", email=ADDRESS)
    session.commit()
    _ask(client, ADDRESS)
    wall_clock.advance(hours=24)
    assert sweep.run_sweep(session, None)["reset_links_removed"] == 0  # expired 23.5 hours ago: kept
    wall_clock.advance(hours=1)
    assert sweep.run_sweep(session, None)["reset_links_removed"] == 1
    session.commit()
    assert session.scalar(select(func.count()).select_from(PasswordReset)) == 0
