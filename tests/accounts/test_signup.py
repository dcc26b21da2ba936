"""Self-registration over the API and the pages' rules (issue 13 point 5), and a property of the
ID-token check: any change to a valid token is refused."""
from __future__ import annotations

import base64
import binascii
import time

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from joserfc import jwt
from joserfc.jwk import RSAKey
from sqlalchemy import select

from xinyong.accounts import identity
from xinyong.config import reset_settings
from xinyong.models import AuditEntry, User

PW = "Register-pass-2026"


def test_register_over_the_api(client, session):
    r = client.post("/api/v1/register", json={"username": "firm.owner", "email": "Owner@Example.test",
                                              "password": PW, "display_name": "某公司"})
    assert r.status_code == 201 and r.json() == {"username": "firm.owner", "role": "registrant",
                                                 "next": "/account/identity"}
    user = session.scalar(select(User).where(User.username == "firm.owner"))
    assert (user.role, user.subject_id, user.agency_id, user.email) == ("registrant", None, None, "owner@example.test")
    assert session.scalar(select(AuditEntry.action).where(AuditEntry.target_id == str(user.id))) == "user.create"
    again = client.post("/api/v1/register", json={"username": "FIRM.OWNER", "email": "x@example.test", "password": PW})
    assert again.status_code == 409
    same_mail = client.post("/api/v1/register", json={"username": "other", "email": "owner@example.test", "password": PW})
    assert same_mail.status_code == 409
    weak = client.post("/api/v1/register", json={"username": "weak1", "email": "w@example.test", "password": "password1234"})
    assert weak.status_code == 422
    for bad in ({"username": "a\u0000b", "email": "c@example.test", "password": PW},
                {"username": "ok-name", "email": "not-an-address", "password": PW},
                {"username": "has space", "email": "d@example.test", "password": PW}):
        assert client.post("/api/v1/register", json=bad).status_code == 422, bad
    assert session.scalar(select(User).where(User.username != "firm.owner")) is None
    # only a verified claim links a subject: nothing the registrant sends does
    r = client.post("/api/v1/register", json={"username": "sneaky", "email": "s@example.test", "password": PW,
                                              "role": "subject", "subject_id": 1, "subject_uscc": "x"})
    sneaky = session.scalar(select(User).where(User.username == "sneaky"))
    assert r.status_code == 201 and (sneaky.role, sneaky.subject_id) == ("registrant", None)


def test_a_registrant_with_a_token_reaches_nothing_signed_in(client, session):
    from xinyong.accounts.service import create_user
    from xinyong.accounts.tokens import issue_token
    create_user(session, username="reg", password=PW, role="registrant")
    token = issue_token(session, "reg")
    session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    for path in ("/api/v1/me/access-log", "/api/v1/me/documents", "/api/v1/me/notifications", "/api/v1/me/complaints"):
        r = client.get(path, headers=headers)
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden", path
    assert client.get("/api/v1/catalogue", headers=headers).status_code == 200  # public stays public


KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"}, private=True)
JWKS = {"keys": [KEY.as_dict(private=False)]}
ISSUER = "https://idp.example.test"


@pytest.fixture
def oidc_env(monkeypatch):
    monkeypatch.setenv("XINYONG_OIDC_ISSUER", ISSUER)
    monkeypatch.setenv("XINYONG_OIDC_CLIENT_ID", "xinyong")
    reset_settings()
    yield
    reset_settings()


def _valid() -> str:
    now = int(time.time())
    return jwt.encode({"alg": "RS256", "kid": "k1"}, {"iss": ISSUER, "aud": "xinyong", "sub": "s", "iat": now,
                                                       "exp": now + 300, "nonce": "n"}, KEY)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_change_to_a_valid_id_token_is_refused(oidc_env, data):
    token = _valid()
    assert identity.validate_id_token(token, JWKS, nonce="n")["sub"] == "s"
    position = data.draw(st.integers(0, len(token) - 1))
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
    replacement = data.draw(st.sampled_from(alphabet).filter(lambda c: c != token[position]))
    tampered = token[:position] + replacement + token[position + 1:]
    if _decoded(tampered) == _decoded(token):
        return  # base64url's last character carries unused bits: the same bytes, the same token
    with pytest.raises(identity.IdentityRefused):
        identity.validate_id_token(tampered, JWKS, nonce="n")


def _decoded(token: str) -> list[bytes] | None:
    try:
        return [base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)) for p in token.split(".")]
    except (ValueError, binascii.Error):
        return None


def test_one_client_registering_many_accounts_is_slowed_down(client, session, wall_clock):
    from xinyong.accounts.signup import FREE_REGISTRATIONS_PER_CLIENT
    statuses = [client.post("/api/v1/register", json={"username": f"bulk{n}", "email": f"bulk{n}@example.test",
                                                      "password": PW}).status_code
                for n in range(FREE_REGISTRATIONS_PER_CLIENT + 2)]
    assert statuses == [201] * FREE_REGISTRATIONS_PER_CLIENT + [429, 429]
    assert len(session.scalars(select(User.id)).all()) == FREE_REGISTRATIONS_PER_CLIENT
    wall_clock.advance(seconds=4)
    assert client.post("/api/v1/register", json={"username": "later", "email": "later@example.test",
                                                 "password": PW}).status_code == 201


def test_the_new_pages_speak_chinese_then_english(client):
    for path, zh, en in (("/register", "注册账户", "Create an account"), ("/account/reset", "找回密码", "Reset the password"),
                         ("/account/reset/confirm?token=nothing", "重置链接无效或已过期", "invalid or has expired")):
        sep = "&" if "?" in path else "?"
        assert zh in client.get(path + sep + "lang=zh").text, path
        english = client.get(path + sep + "lang=en").text
        assert en in english and zh not in english, path
