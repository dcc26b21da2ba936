"""Proving who a self-registered account is, through the province's identity service: an OpenID
Connect relying party (authorization code flow with PKCE S256, state, nonce; the ID token's
signature checked against the provider's JWKS found by discovery). Everything about the provider
is a setting (XINYONG_OIDC_*): no code changes from one province to the next.

The account's credit subject is linked only from the verified ID token's claim (the
统一社会信用代码 or the 居民身份证号码, whichever claim the settings name); a resident ID is
sealed (xinyong.subjects.opener) and found by its keyed hash, never logged nor audited in plain.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
import urllib.parse

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from xinyong.accounts import sessions
from xinyong.audit import record_event
from xinyong.config import get_settings
from xinyong.history import change_context
from xinyong.kit.access import Principal
from xinyong.kit.crypto import keyed_hash
from xinyong.kit.errors import InvalidInput, NotFound, Unauthenticated, XinyongError
from xinyong.kit.identifiers import InvalidIdentifier, check_resident_id, check_uscc, resident_id_key
from xinyong.models import IdentityRequest, Subject, User
from xinyong.subjects.opener import seal_onto_account

REQUEST_LIFETIME = dt.timedelta(minutes=10)
CALLBACK_PATH = "/account/identity/callback"
ALGORITHMS = ["RS256", "PS256", "ES256", "EdDSA"]
LEEWAY_SECONDS = 60
ENDPOINTS = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")


class IdentityRefused(Unauthenticated):
    """The provider's answer does not prove an identity (bad state, token, signature, nonce, claim)."""

    def __init__(self, why_en: str):
        super().__init__("身份核验未通过，请重新发起", code="identity_refused", message_en=f"identity not proved: {why_en}")


class IdentityServiceDown(XinyongError):
    """The identity provider could not be reached or answered nonsense."""
    status = 503
    code = "identity_service_unavailable"

    def __init__(self):
        super().__init__("身份认证服务暂时无法访问，请稍后再试",
                         message_en="the identity service cannot be reached; try again later")


def configured() -> bool:
    s = get_settings()
    return bool(s.oidc_issuer and s.oidc_client_id and (s.oidc_uscc_claim or s.oidc_resident_id_claim))


def provider_origin() -> str:
    """scheme://host[:port] of the configured issuer (where the browser is sent)."""
    parts = urllib.parse.urlsplit(get_settings().oidc_issuer)
    return f"{parts.scheme}://{parts.netloc}"


def _http() -> httpx.Client:
    return httpx.Client(timeout=get_settings().oidc_timeout_seconds, follow_redirects=False)


def discover() -> dict:
    """The provider's metadata; its issuer must be the configured one (OIDC Discovery 4.3)."""
    issuer = get_settings().oidc_issuer.rstrip("/")
    meta = _get_json(issuer + "/.well-known/openid-configuration")
    if not isinstance(meta, dict) or not all(isinstance(meta.get(k), str) for k in ENDPOINTS):
        raise IdentityServiceDown()
    if meta["issuer"].rstrip("/") != issuer:
        raise IdentityRefused("the discovery document names another issuer")
    return meta


def start(session: Session, user_id: int) -> str:
    """A new sign-in at the provider for this account: returns the URL to send the browser to."""
    if not configured():
        raise NotFound("未配置身份认证服务", code="identity_off", message_en="no identity provider is configured")
    meta, settings = discover(), get_settings()
    state, nonce, verifier = (secrets.token_urlsafe(32) for _ in range(3))
    session.add(IdentityRequest(state_hash=_hash(state), user_id=user_id, nonce=nonce, code_verifier=verifier,
                                created_at=sessions.wall_now()))
    session.flush()
    query = {"response_type": "code", "client_id": settings.oidc_client_id, "redirect_uri": redirect_uri(),
             "scope": settings.oidc_scopes, "state": state, "nonce": nonce,
             "code_challenge": _challenge(verifier), "code_challenge_method": "S256"}
    return meta["authorization_endpoint"] + "?" + urllib.parse.urlencode(query)


def redirect_uri() -> str:
    return get_settings().base_url.rstrip("/") + CALLBACK_PATH


def finish(session: Session, principal: Principal, code: str, state: str) -> User:
    """The provider sent the browser back: check the state, redeem the code with the verifier,
    validate the ID token, and link the account to the subject its claim names."""
    request = _take_request(session, principal.user_id, state)
    meta = discover()
    id_token = _redeem(meta, code, request.code_verifier)
    claims = validate_id_token(id_token, _jwks(meta), nonce=request.nonce)
    return _link(session, principal, claims)


def _take_request(session: Session, user_id: int | None, state: str) -> IdentityRequest:
    """The sign-in this state belongs to, for this account, unused and recent; marked used at
    once, so a state is honoured at most once."""
    now = sessions.wall_now()
    row = session.scalar(select(IdentityRequest).where(IdentityRequest.state_hash == _hash(state)))
    if row is None or row.user_id != user_id or row.used_at is not None \
            or now - _aware(row.created_at) > REQUEST_LIFETIME:
        raise IdentityRefused("unknown, used or expired state")
    taken = session.execute(update(IdentityRequest).where(IdentityRequest.id == row.id,
                                                          IdentityRequest.used_at.is_(None)).values(used_at=now))
    if taken.rowcount != 1:
        raise IdentityRefused("state already used")
    return row


def _redeem(meta: dict, code: str, verifier: str) -> str:
    settings = get_settings()
    try:
        with _http() as http:
            r = http.post(meta["token_endpoint"], data={
                "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri(),
                "code_verifier": verifier}, auth=(settings.oidc_client_id, settings.oidc_client_secret))
        answer = r.json() if r.status_code == 200 else {}
    except (httpx.HTTPError, ValueError):
        raise IdentityServiceDown() from None
    if not isinstance(answer, dict) or not isinstance(answer.get("id_token"), str):
        raise IdentityRefused("the token endpoint refused the code")
    return answer["id_token"]


def _jwks(meta: dict) -> dict:
    return _get_json(meta["jwks_uri"])


def _get_json(url: str):
    try:
        with _http() as http:
            return http.get(url).raise_for_status().json()
    except (httpx.HTTPError, ValueError):
        raise IdentityServiceDown() from None


def validate_id_token(id_token: str, jwks: dict, *, nonce: str, now: float | None = None) -> dict:
    """The ID token's claims once its signature (by a key of the provider's JWKS), issuer,
    audience, expiry, issue time and nonce all check out (OIDC Core 3.1.3.7); else IdentityRefused."""
    settings = get_settings()
    try:
        token = jwt.decode(id_token, KeySet.import_key_set(jwks), algorithms=ALGORITHMS)
        registry = jwt.JWTClaimsRegistry(
            now=int(now) if now is not None else None, leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": settings.oidc_issuer.rstrip("/")},
            aud={"essential": True, "value": settings.oidc_client_id},
            sub={"essential": True}, exp={"essential": True}, iat={"essential": True},
            nonce={"essential": True, "value": nonce})
        registry.validate(token.claims)
    except (JoseError, ValueError) as exc:
        raise IdentityRefused(type(exc).__name__) from None
    aud = token.claims["aud"]
    if isinstance(aud, list) and len(aud) > 1 and token.claims.get("azp") != settings.oidc_client_id:
        raise IdentityRefused("the token was issued to another party")
    return token.claims


def _link(session: Session, principal: Principal, claims: dict) -> User:
    """Record the proved identity and, if the platform holds that subject, make the account the
    subject's: role "subject" from now on. Only the claim decides which subject."""
    kind, identity_hash, subject_id, plain = _identity_of(session, claims)
    user = session.get(User, principal.user_id)
    change_context(session, user_id=user.id, reason="identity proved by the identity provider")
    user.identity_hash, user.identity_verified_at = identity_hash, sessions.wall_now()
    if kind == "resident_id":
        seal_onto_account(user, plain)
    if subject_id is not None:
        user.role, user.subject_id = "subject", subject_id
    session.flush()
    record_event(session, principal, "user.identity_verified", target_type="user", target_id=user.id,
                 subject_id=subject_id, details={"kind": kind, "linked": subject_id is not None})
    return user


def _identity_of(session: Session, claims: dict) -> tuple[str, str, int | None, str]:
    settings = get_settings()
    try:
        if settings.oidc_uscc_claim and isinstance(claims.get(settings.oidc_uscc_claim), str):
            uscc = check_uscc(claims[settings.oidc_uscc_claim].strip().upper())
            found = session.scalar(select(Subject.id).where(Subject.uscc == uscc))
            return "uscc", keyed_hash(f"account-identity|uscc|{uscc}"), found, uscc
        if settings.oidc_resident_id_claim and isinstance(claims.get(settings.oidc_resident_id_claim), str):
            plain = check_resident_id(claims[settings.oidc_resident_id_claim])
            key = resident_id_key(plain)
            found = session.scalar(select(Subject.id).where(Subject.resident_id_hash == key))
            return "resident_id", key, found, plain
    except InvalidIdentifier:
        raise IdentityRefused("the identity claim holds no valid number") from None
    raise InvalidInput("身份认证服务未提供统一社会信用代码或身份证号码", code="identity_claim_missing",
                       message_en="the identity provider gave no credit code or resident ID number")


def _challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
