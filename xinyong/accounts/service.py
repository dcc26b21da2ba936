"""Accounts: create users, verify passwords (argon2), issue and resolve API tokens."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.accounts import rules
from xinyong.kit.access import Principal
from xinyong.kit.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from xinyong.models import Agency, ApiToken, User
from xinyong.models.account import ROLES

_hasher = PasswordHasher()


def create_user(session: Session, *, username: str, password: str, role: str,
                display_name: str = "", agency_uscc: str | None = None) -> User:
    if role not in ROLES:
        raise InvalidInput(f"未知角色 {role}", field="role", message_en=f"unknown role {role!r}; one of {ROLES}")
    problem = rules.password_problem(password)
    if problem:
        raise InvalidInput("密码不符合要求", field="password", message_en=problem)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"用户名 {username} 已存在", field="username", message_en=f"user {username!r} exists")
    agency_id = None
    if role == "agency":
        if not agency_uscc:
            raise InvalidInput("机构用户须指定所属机构", field="agency", message_en="an agency user needs --agency USCC")
        agency_id = session.scalar(select(Agency.id).where(Agency.uscc == agency_uscc))
        if agency_id is None:
            raise NotFound(f"未登记的机构 {agency_uscc}", field="agency", message_en=f"unregistered agency {agency_uscc}")
    user = User(username=username, password_hash=_hasher.hash(password), role=role,
                display_name=display_name or username, agency_id=agency_id)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> User:
    """Check a password, counting failures and locking the account after too many."""
    user = session.scalar(select(User).where(User.username == username))
    now = clock.now()
    failure = Unauthenticated("用户名或密码错误", code="bad_credentials", message_en="wrong username or password")
    if user is None or not user.active:
        _hasher.hash(password)  # same cost whether or not the user exists
        raise failure
    if user.locked_until and _aware(user.locked_until) > now:
        raise Unauthenticated("登录失败次数过多，账户已暂时锁定", code="locked",
                              message_en="too many failed sign-ins; the account is locked for a while")
    try:
        _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        user.failed_logins += 1
        user.locked_until = rules.lock_until(user.failed_logins, now)
        session.flush()
        raise failure from None
    user.failed_logins = 0
    user.locked_until = None
    session.flush()
    return user


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def issue_token(session: Session, username: str, name: str = "") -> str:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"用户 {username} 不存在", message_en=f"no user {username!r}")
    token = "xy_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, name=name, token_hash=_token_hash(token)))
    session.flush()
    return token


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def principal_for_token(session: Session, token: str) -> Principal | None:
    row = session.execute(
        select(User).join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == _token_hash(token), ApiToken.revoked_at.is_(None), User.active.is_(True))
    ).scalar_one_or_none()
    return _principal(row, "token") if row else None


def principal_for_user_id(session: Session, user_id: int) -> Principal | None:
    user = session.get(User, user_id)
    return _principal(user, "session") if user and user.active else None


def _principal(user: User, via: str) -> Principal:
    return Principal(user_id=user.id, username=user.username, role=user.role,
                     agency_id=user.agency_id, display_name=user.display_name, via=via)
