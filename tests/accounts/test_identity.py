"""Enterprises and citizens register themselves and prove who they are at a real OpenID Connect
provider started on loopback (issue 13 point 5): until then the account reaches nothing
non-public; the subject is linked only from the verified ID token's claim; a resident ID from a
claim is sealed and never logged; forged, expired and wrong-nonce tokens are refused."""
from __future__ import annotations

import logging
import random
import time
import urllib.parse

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey
from sqlalchemy import func, select, text, update

from tests.accounts.oidc_support import CLIENT_ID, oidc_provider, oidc_settings, sign_in_at_provider  # noqa: F401
from tests.support.builders import agency, penalty_rows, to_csv
from tests.support.web import CSRF
from xinyong.accounts import identity
from xinyong.ingest.service import ingest_file
from xinyong.models import AuditEntry, IdentityRequest, Subject, User, WebSession
from xinyong.synthetic import make_uscc

PW = "Register-pass-2026"
USCC_COLUMN, PERSON_COLUMN = "行政相对人代码_1(统一社会信用代码)", "证件号码"


@pytest.fixture
def subjects(session):
    """An enterprise and a citizen the platform holds records of."""
    body = agency(session)
    rows = penalty_rows(2, body.uscc, persons=1, seed=5)
    ingest_file(session, data=to_csv(rows), filename="p.csv", source_uscc=body.uscc, item_code="penalty")
    session.commit()
    return {"uscc": rows[1][USCC_COLUMN], "resident_id": rows[0][PERSON_COLUMN]}


def _register(client, username: str) -> str:
    client.cookies.clear()
    csrf = CSRF.search(client.get("/register").text).group(1)
    r = client.post("/register", data={"username": username, "email": f"{username}@example.test", "password": PW,
                                       "confirm_password": PW, "display_name": "测试", "csrf_token": csrf},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/account/identity", r.text[:400]
    return CSRF.search(client.get("/account/identity").text).group(1)


def _start(client, csrf: str) -> str:
    r = client.post("/account/identity/start", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303, r.text[:400]
    return r.headers["location"]


def _callback(client, back: str):
    parts = urllib.parse.urlsplit(back)
    return client.get(f"{parts.path}?{parts.query}", follow_redirects=False)


def _user(session, username: str) -> User:
    session.expire_all()
    return session.scalar(select(User).where(User.username == username))


def test_an_enterprise_registers_and_proves_its_identity(oidc_settings, subjects, client, session):
    csrf = _register(client, "firm-owner")
    before = _user(session, "firm-owner")
    assert (before.role, before.subject_id) == ("registrant", None)
    # deny by default: nothing non-public until the identity is proved
    for path in ("/me/profile", "/api/v1/me/access-log", "/api/v1/me/documents", "/me/complaints"):
        assert client.get(path, follow_redirects=False).status_code == 403, path
    policy = client.get("/account/identity").headers["Content-Security-Policy"]
    from xinyong.app import SECURITY_HEADERS  # the one widening: this page's form may go on to the provider
    assert policy == SECURITY_HEADERS["Content-Security-Policy"].replace(
        "form-action 'self'", f"form-action 'self' {oidc_settings.issuer}")
    authorize = _start(client, csrf)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(authorize).query)
    assert authorize.startswith(oidc_settings.issuer) and query["code_challenge_method"] == ["S256"]
    assert {"state", "nonce", "code_challenge"} <= set(query) and query["client_id"] == [CLIENT_ID]
    back = sign_in_at_provider(authorize, "uscc:" + subjects["uscc"])
    before_token = client.cookies.get("xinyong_session")
    r = _callback(client, back)
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert client.cookies.get("xinyong_session") != before_token  # a new session for the new rights
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(WebSession).where(WebSession.revoked_at.is_(None))) == 1
    user = _user(session, "firm-owner")
    subject_id = session.scalar(select(Subject.id).where(Subject.uscc == subjects["uscc"]))
    assert (user.role, user.subject_id) == ("subject", subject_id) and user.identity_verified_at is not None
    assert client.get("/me/profile").status_code == 200
    assert _callback(client, back).status_code == 403  # now a subject: the callback is not for it
    events = session.scalars(select(AuditEntry.action).where(AuditEntry.target_id == str(user.id))).all()
    assert "user.identity_verified" in events


def test_a_citizens_resident_id_is_sealed_and_never_logged(oidc_settings, subjects, client, session, caplog):
    caplog.set_level(logging.DEBUG)
    number = subjects["resident_id"]
    back = sign_in_at_provider(_start(client, _register(client, "citizen-1")), "rid:" + number)
    assert _callback(client, back).status_code == 303
    user = _user(session, "citizen-1")
    subject = session.scalar(select(Subject).where(Subject.uscc.is_(None)))
    assert (user.role, user.subject_id) == ("subject", subject.id)
    raw = session.execute(text("SELECT identity_enc, identity_hash FROM users WHERE id = :id"),
                          {"id": user.id}).one()
    assert raw[0] and number.encode() not in bytes(raw[0]) and number not in raw[1]
    audit = " ".join(str(d) for d in session.scalars(select(AuditEntry.details)).all())
    history = " ".join(str(r) for r in session.execute(text("SELECT * FROM history")).all())
    assert number not in audit and number not in history and number not in caplog.text


def test_an_identity_the_platform_holds_no_records_of_stays_unlinked(oidc_settings, subjects, client, session):
    stranger = make_uscc(random.Random(99))
    back = sign_in_at_provider(_start(client, _register(client, "new-firm")), "uscc:" + stranger)
    r = _callback(client, back)
    assert r.status_code == 303 and r.headers["location"] == "/account/identity?unlinked=1"
    user = _user(session, "new-firm")
    assert (user.role, user.subject_id) == ("registrant", None) and user.identity_verified_at is not None
    assert client.get("/me/profile", follow_redirects=False).status_code == 403


def test_a_wrong_nonce_and_a_replayed_state_are_refused(oidc_settings, subjects, client, session):
    csrf = _register(client, "nonce-check")
    authorize = _start(client, csrf)
    session.execute(update(IdentityRequest).values(nonce="not-the-nonce-the-provider-got"))
    session.commit()
    back = sign_in_at_provider(authorize, "uscc:" + subjects["uscc"])
    r = _callback(client, back)
    assert r.status_code == 401 and "身份核验未通过" in r.text
    assert _user(session, "nonce-check").role == "registrant"
    # the right nonce now, but the first state was used up by the refused answer
    assert _callback(client, back).status_code == 401
    back = sign_in_at_provider(_start(client, csrf), "uscc:" + subjects["uscc"])
    _register(client, "someone-else")  # another registrant's browser cannot bring this answer home
    assert _callback(client, back).status_code == 401 and _user(session, "someone-else").role == "registrant"


def _token(key: RSAKey, issuer: str, **claims) -> str:
    now = int(time.time())
    payload = {"iss": issuer, "aud": CLIENT_ID, "sub": "uscc:x", "iat": now, "exp": now + 300, "nonce": "n-1", **claims}
    return jwt.encode({"alg": "RS256", "kid": key.kid}, payload, key)


def test_forged_expired_and_wrong_nonce_id_tokens_are_refused(oidc_settings):
    meta = identity.discover()
    jwks = httpx.get(meta["jwks_uri"]).json()  # the provider's published keys
    key = oidc_settings.key
    good = identity.validate_id_token(_token(key, oidc_settings.issuer), jwks, nonce="n-1")
    assert good["sub"] == "uscc:x"
    forger = RSAKey.generate_key(2048, parameters={"kid": key.kid}, private=True)  # same kid, other key
    bad = {
        "forged": _token(forger, oidc_settings.issuer),
        "expired": _token(key, oidc_settings.issuer, iat=int(time.time()) - 7200, exp=int(time.time()) - 3600),
        "wrong nonce": _token(key, oidc_settings.issuer, nonce="n-2"),
        "other audience": _token(key, oidc_settings.issuer, aud="someone-else"),
        "other issuer": _token(key, "http://127.0.0.1:1"),
        "no nonce": _token(key, oidc_settings.issuer, nonce=None),
        "unsigned": _unsigned(oidc_settings.issuer),
    }
    refused = set()
    for name, token in bad.items():
        try:
            identity.validate_id_token(token, jwks, nonce="n-1")
        except identity.IdentityRefused:
            refused.add(name)
    assert refused == set(bad)


def _unsigned(issuer: str) -> str:
    import base64
    import json
    part = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()  # noqa: E731
    now = int(time.time())
    return f"{part({'alg': 'none'})}.{part({'iss': issuer, 'aud': CLIENT_ID, 'sub': 'x', 'iat': now, 'exp': now + 60, 'nonce': 'n-1'})}."


def test_an_unreachable_provider_is_said_plainly(client, session, monkeypatch):
    from tests.accounts.oidc_support import configure
    import socket
    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    configure(monkeypatch, f"http://127.0.0.1:{port}", "http://testserver")
    csrf = _register(client, "too-early")
    r = client.post("/account/identity/start", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 503 and "身份认证服务暂时无法访问" in r.text
    assert session.scalars(select(IdentityRequest)).all() == []
