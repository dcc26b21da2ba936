"""Page sessions live on the server (issue #10 point 4, ASVS 3.3): a cookie copied before logout,
a password change or an administrator's disable is refused at once; idle and absolute
lifetimes end sessions; the cookie is only a random token."""
from __future__ import annotations

from sqlalchemy import func, select
from typer.testing import CliRunner

from tests.support.builders import staff_user
from tests.support.web import CSRF, page_login
from xinyong.accounts.sessions import COOKIE
from xinyong.cli import app
from xinyong.models import WebSession

PW = "Sessions-pass-2026"


def _signed_in(client) -> bool:
    return client.get("/account/password", follow_redirects=False).status_code == 200


def _as_thief(client, cookie: str) -> int:
    """The page status for someone who replays a copied session cookie in a fresh browser."""
    client.cookies.clear()
    client.cookies.set(COOKIE, cookie)
    return client.get("/account/password", follow_redirects=False).status_code


def _user(session, name="s1"):
    staff_user(session, name, PW)
    session.commit()


def test_the_cookie_is_a_random_token_and_only_its_hash_is_stored(session, client):
    _user(session)
    page_login(client, "s1", PW)
    token = client.cookies.get(COOKIE)
    # the username is no part of it ("s1" may still turn up by chance inside the random part:
    # a substring check failed once in about a hundred runs)
    assert token.startswith("s.") and len(token) > 40 and "s1" not in token.split(".")
    stored = session.scalars(select(WebSession.token_hash)).all()
    assert len(stored) == 1 and token not in stored[0]


def test_a_cookie_copied_before_logout_no_longer_works(session, client):
    _user(session)
    csrf = page_login(client, "s1", PW)
    stolen = client.cookies.get(COOKIE)
    assert _as_thief(client, stolen) == 200  # the attack works while the session lives
    client.cookies.set(COOKIE, stolen)
    assert client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    assert _as_thief(client, stolen) == 303  # sent to /login: the logged-out session is dead


def test_a_password_change_ends_every_session_of_the_account(session, client):
    _user(session)
    page_login(client, "s1", PW)
    other_browser = client.cookies.get(COOKIE)
    csrf = page_login(client, "s1", PW)
    new = "Brand-new-secret-4711"
    r = client.post("/account/password", data={"csrf_token": csrf, "current_password": PW, "new_password": new,
                                               "confirm_password": new}, follow_redirects=False)
    assert r.status_code == 303
    assert _signed_in(client)  # the browser that changed it carries on in a fresh session
    assert _as_thief(client, other_browser) == 303
    assert session.scalar(select(func.count()).select_from(WebSession).where(WebSession.revoked_at.is_(None))) == 1
    client.cookies.clear()
    page_login(client, "s1", new)


def test_a_wrong_current_password_or_a_weak_new_one_changes_nothing(session, client):
    _user(session)
    csrf = page_login(client, "s1", PW)
    for current, new in ((PW + "x", "Brand-new-secret-4711"), (PW, "password1234"), (PW, "short-1")):
        r = client.post("/account/password", data={"csrf_token": csrf, "current_password": current,
                                                   "new_password": new, "confirm_password": new})
        assert r.status_code == 422 and "error-message" in r.text
    assert _signed_in(client)
    page_login(client, "s1", PW)


def test_disabling_an_account_ends_its_sessions_and_enabling_does_not_revive_them(session, client, db):
    _user(session)
    page_login(client, "s1", PW)
    cookie = client.cookies.get(COOKIE)
    result = CliRunner().invoke(app, ["user", "disable", "s1", "--reason", "left the department"])
    assert result.exit_code == 0, result.output
    assert _as_thief(client, cookie) == 303
    assert CliRunner().invoke(app, ["user", "enable", "s1", "--reason", "came back"]).exit_code == 0
    assert _as_thief(client, cookie) == 303  # a new sign-in is needed
    page_login(client, "s1", PW)


def test_an_administrator_disabling_through_the_api_ends_the_sessions_at_once(session, client):
    from xinyong.accounts.service import create_user
    from xinyong.accounts.tokens import issue_token
    _user(session)
    create_user(session, username="root", password=PW, role="admin")
    admin = {"Authorization": f"Bearer {issue_token(session, 'root')}"}
    session.commit()
    page_login(client, "s1", PW)
    cookie = client.cookies.get(COOKIE)
    r = client.post("/api/v1/admin/users/s1/disable", json={"reason": "left"}, headers=admin)
    assert r.status_code == 200 and r.json() == {"username": "s1", "active": False}
    assert _as_thief(client, cookie) == 303
    assert client.post("/api/v1/admin/users/nobody/disable", json={"reason": "x"}, headers=admin).status_code == 404


def test_a_token_issued_before_a_disable_stays_dead_after_enabling(session, client):
    """Disabling revokes every token of the account: enabling it again gives back the password,
    not the systems' tokens (issued anew, each on purpose)."""
    from xinyong.accounts.service import create_user
    from xinyong.accounts.tokens import issue_token, list_tokens
    from xinyong.models import AuditEntry
    _user(session)
    create_user(session, username="root", password=PW, role="admin")
    admin = {"Authorization": f"Bearer {issue_token(session, 'root')}"}
    before = [{"Authorization": f"Bearer {issue_token(session, 's1', name=n)}"} for n in ("a", "b")]
    session.commit()
    assert all(client.get("/account/password", headers=h, follow_redirects=False).status_code == 200 for h in before)
    assert client.post("/api/v1/admin/users/s1/disable", json={"reason": "left"}, headers=admin).status_code == 200
    assert client.post("/api/v1/admin/users/s1/enable", json={"reason": "back"}, headers=admin).status_code == 200
    assert [client.get("/account/password", headers=h, follow_redirects=False).status_code for h in before] == [303] * 2
    session.expire_all()
    assert all(t.revoked_at is not None for t in list_tokens(session, "s1"))
    details = session.scalar(select(AuditEntry.details).where(AuditEntry.action == "user.disable"))
    assert details["tokens_revoked"] == 2
    fresh = {"Authorization": f"Bearer {issue_token(session, 's1')}"}
    session.commit()
    assert client.get("/account/password", headers=fresh, follow_redirects=False).status_code == 200


def test_idle_and_absolute_lifetimes(session, client, wall_clock, monkeypatch):
    monkeypatch.setenv("XINYONG_SESSION_IDLE_MINUTES", "30")
    monkeypatch.setenv("XINYONG_SESSION_MAX_HOURS", "2")
    from xinyong.config import reset_settings
    reset_settings()
    _user(session)
    page_login(client, "s1", PW)
    wall_clock.advance(minutes=29)
    assert _signed_in(client)  # use refreshes last-seen
    wall_clock.advance(minutes=29)
    assert _signed_in(client)
    wall_clock.advance(minutes=31)
    assert not _signed_in(client)  # idle too long
    page_login(client, "s1", PW)
    for _ in range(4):
        wall_clock.advance(minutes=25)
        assert _signed_in(client)
    wall_clock.advance(minutes=21)  # 2 h 1 min after sign-in, never idle for 30 min
    assert not _signed_in(client)
    reset_settings()


def test_signing_in_replaces_the_anonymous_token_and_logout_clears_the_cookie(session, client):
    _user(session)
    client.cookies.clear()
    csrf = CSRF.search(client.get("/login").text).group(1)
    before = client.cookies.get(COOKIE)
    assert before.startswith("a.")
    r = client.post("/login", data={"username": "s1", "password": PW, "csrf_token": csrf, "next": "/"},
                    follow_redirects=False)
    after = client.cookies.get(COOKIE)
    assert r.status_code == 303 and after != before and after.startswith("s.")
    csrf = CSRF.search(client.get("/").text).group(1)
    r = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert "Max-Age=0" in r.headers["set-cookie"]
    assert session.scalar(select(WebSession.revoked_at)) is not None


def test_the_sweep_forgets_ended_sessions_and_quiet_sign_in_counts(session, client, wall_clock):
    from xinyong.accounts import sweep
    from xinyong.accounts.service import authenticate
    from xinyong.kit.errors import Unauthenticated
    from xinyong.models import LoginThrottle
    _user(session)
    csrf = page_login(client, "s1", PW)
    client.post("/logout", data={"csrf_token": csrf})
    page_login(client, "s1", PW)
    try:
        authenticate(session, "s1", "Not-the-password-1")
    except Unauthenticated:
        session.commit()
    none_else = {"reset_links_removed": 0, "identity_requests_removed": 0}
    assert sweep.run_sweep(session, None) == {"sessions_removed": 1, "sign_in_counts_removed": 0, **none_else}
    wall_clock.advance(hours=25)
    assert sweep.run_sweep(session, None) == {"sessions_removed": 1, "sign_in_counts_removed": 2, **none_else}
    session.commit()
    assert session.scalar(select(func.count()).select_from(WebSession)) == 0
    assert session.scalar(select(func.count()).select_from(LoginThrottle)) == 0
