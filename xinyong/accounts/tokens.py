"""API tokens for organisations' systems: scoped, expiring, revocable. Only a hash is stored."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.accounts.service import principal_of
from xinyong.agencies.standing import accounts_that_may_act
from xinyong.audit import record_event
from xinyong.kit.access import SCOPES, Principal
from xinyong.kit.errors import InvalidInput, NotFound
from xinyong.models import ApiToken, User


def issue_token(session: Session, username: str, name: str = "", scopes: list[str] | None = None,
                days: int | None = 365, actor: Principal | None = None) -> str:
    """A new token, printed once. Scopes limit it further than the user's role; "*" = all."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"用户 {username} 不存在", message_en=f"no user {username!r}")
    scopes = list(scopes or ["*"])
    unknown = [s for s in scopes if s != "*" and s not in SCOPES]
    if unknown:
        raise InvalidInput(f"未知权限范围 {unknown}", field="scope",
                           message_en=f"unknown scopes {unknown}; one of {', '.join(SCOPES)} or *")
    token = "xy_" + secrets.token_urlsafe(32)
    expires = clock.now() + dt.timedelta(days=days) if days else None
    row = ApiToken(user_id=user.id, name=name, token_hash=_token_hash(token), scopes=scopes, expires_at=expires)
    session.add(row)
    session.flush()
    record_event(session, actor, "token.issue", target_type="api_token", target_id=row.id,
                 details={"user_id": user.id, "scopes": scopes, "expires_at": expires})
    return token


def revoke_token(session: Session, token_id: int, username: str | None = None,
                 actor: Principal | None = None) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None or (username and session.get(User, token.user_id).username != username):
        raise NotFound("令牌不存在", message_en="no such token")
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        session.flush()
        record_event(session, actor, "token.revoke", target_type="api_token", target_id=token.id,
                     details={"user_id": token.user_id})
    return token


def list_tokens(session: Session, username: str) -> list[ApiToken]:
    stmt = (select(ApiToken).join(User, User.id == ApiToken.user_id).where(User.username == username)
            .order_by(ApiToken.id))
    return list(session.scalars(stmt))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def principal_for_token(session: Session, token: str) -> Principal | None:
    """The caller a bearer token speaks for: a live token of an account that may act now (the
    account active, its organisation in standing: xinyong.agencies.standing), in one query."""
    row = session.execute(accounts_that_may_act(
        select(User, ApiToken).join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == _token_hash(token), ApiToken.revoked_at.is_(None)))
    ).one_or_none()
    if row is None:
        return None
    user, token_row = row
    if token_row.expires_at is not None and _aware(token_row.expires_at) <= clock.now():
        return None
    return principal_of(user, "token", tuple(token_row.scopes or ["*"]))


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
