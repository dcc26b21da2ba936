"""Accounts: create users for every role, verify passwords (argon2), resolve who a session is."""
from __future__ import annotations

import math
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.accounts import rules, sessions, throttle
from xinyong.accounts.passwords import common_passwords
from xinyong.agencies.standing import with_may_act
from xinyong.audit import record_event, redact
from xinyong.kit.access import ANONYMOUS, Principal
from xinyong.history import change_context
from xinyong.kit.errors import Conflict, InvalidInput, NotFound, TooManyRequests, Unauthenticated
from xinyong.kit.identifiers import resident_id_key
from xinyong.models import Agency, ApiToken, Subject, User
from xinyong.models.account import ROLE_ORG_KINDS, ROLES

_hasher = PasswordHasher()


def create_user(session: Session, *, username: str, password: str, role: str,
                display_name: str = "", agency_uscc: str | None = None, subject_uscc: str | None = None,
                subject_resident_id: str | None = None, actor: Principal | None = None,
                email: str | None = None) -> User:
    """Create an account. Organisation roles belong to a registered organisation of the
    matching kind; a subject account speaks for one existing credit subject."""
    if role not in ROLES:
        raise InvalidInput(f"未知角色 {role}", field="role", message_en=f"unknown role {role!r}; one of {ROLES}")
    _check_password(password)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"用户名 {username} 已存在", field="username", message_en=f"user {username!r} exists")
    agency_id = _organisation_for(session, role, agency_uscc)
    subject_id = _subject_for(session, role, subject_uscc, subject_resident_id)
    user = User(username=username, password_hash=_hasher.hash(password), role=role,
                display_name=display_name or username, agency_id=agency_id, subject_id=subject_id,
                email=email or None)
    session.add(user)
    session.flush()
    record_event(session, actor, "user.create", target_type="user", target_id=user.id, subject_id=subject_id,
                 details={"username": redact(username), "role": role, "agency_id": agency_id})
    return user


def _organisation_for(session: Session, role: str, agency_uscc: str | None) -> int | None:
    kinds = ROLE_ORG_KINDS.get(role)
    if kinds is None:
        return None
    if not agency_uscc:
        raise InvalidInput("该角色须指定所属机构", field="agency", message_en=f"a {role} user needs --agency USCC")
    org = session.scalar(select(Agency).where(Agency.uscc == agency_uscc.strip().upper()))
    if org is None:
        raise NotFound(f"未登记的机构 {agency_uscc}", field="agency", message_en=f"unregistered organisation {agency_uscc}")
    if org.kind not in kinds:
        raise InvalidInput(f"机构类型 {org.kind} 与角色 {role} 不符", field="agency",
                           message_en=f"organisation kind {org.kind} does not fit role {role} ({', '.join(kinds)})")
    return org.id


def _subject_for(session: Session, role: str, uscc: str | None, resident_id: str | None) -> int | None:
    if role != "subject":
        return None
    if uscc:
        subject_id = session.scalar(select(Subject.id).where(Subject.uscc == uscc.strip().upper()))
    elif resident_id:
        subject_id = session.scalar(select(Subject.id).where(Subject.resident_id_hash == resident_id_key(resident_id)))
    else:
        raise InvalidInput("主体账户须指定统一社会信用代码或身份证号码", field="subject",
                           message_en="a subject account needs --subject-uscc or --resident-id")
    if subject_id is None:
        raise NotFound("未找到该信用主体", field="subject", message_en="no such credit subject")
    return subject_id


def authenticate(session: Session, username: str, password: str, client: str = "") -> User:
    """Check a password. Failures slow the caller down per (user name, client) and per client
    (ASVS 2.2.1) instead of locking the account; an unknown user name, an account that may not
    act (disabled, or its organisation out of standing: xinyong.agencies.standing) and a wrong
    password all get the same answer at the same cost."""
    keyset = throttle.keys(username, client)
    wait = throttle.wait(session, keyset)
    if wait:
        seconds = max(1, math.ceil(wait.total_seconds()))
        _login_event(session, None, username, "throttled")
        raise TooManyRequests(f"登录尝试过于频繁，请 {seconds} 秒后再试", code="slow_down",
                              message_en=f"too many sign-in attempts; try again in {seconds} s",
                              details={"retry_after": seconds})
    row = session.execute(with_may_act(select(User).where(User.username == username))).one_or_none()
    user, may_act = row if row is not None else (None, False)
    reason = ("unknown_user" if user is None else None if may_act
              else "inactive" if not user.active else "organisation_not_in_standing")
    if reason:
        _hasher.hash(password)  # same cost whether or not the user exists
    elif not _verify(user.password_hash, password):
        reason = "bad_password"
    if reason:
        failures = throttle.failed(session, keyset)
        _login_event(session, user, username, reason, failures)
        raise Unauthenticated("用户名或密码错误", code="bad_credentials", message_en="wrong username or password")
    throttle.succeeded(session, keyset)
    _login_event(session, user, username, None)
    return user


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


def _login_event(session: Session, user: User | None, username: str, failure: str | None,
                 failures: int | None = None) -> None:
    """Sign-ins and failed or throttled sign-ins are audited (FZ art. 12); never the password."""
    target = user.id if user is not None else ""
    if failure is None:
        record_event(session, principal_of(user, "session"), "auth.login", target_type="user", target_id=target)
        return
    details = {"username": redact(username)[:64], "reason": failure}
    if failures is not None:
        details["failures"] = failures
    record_event(session, ANONYMOUS, "auth.login_failed", target_type="user", target_id=target, details=details)


def change_password(session: Session, principal: Principal, current: str, new: str) -> User:
    """The holder changes their own password, proving the current one (ASVS 2.1.5); every session
    of the account ends (3.3.3) and the caller starts a fresh one."""
    user = session.get(User, principal.user_id)
    if user is None or not user.active or not _verify(user.password_hash, current):
        raise InvalidInput("当前密码不正确", field="current_password", message_en="the current password is wrong")
    _check_password(new)
    change_context(session, user_id=user.id, reason="password change")
    user.password_hash = _hasher.hash(new)
    ended = sessions.end_all(session, user.id)
    session.flush()
    record_event(session, principal, "user.password_change", target_type="user", target_id=user.id,
                 details={"sessions_ended": ended})
    return user


def set_active(session: Session, username: str, active: bool, reason: str, actor: Principal | None = None) -> User:
    """An administrator disables (or enables again) an account; disabling ends its sessions and
    revokes its API tokens, so that enabling it again gives back only the password."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"用户 {username} 不存在", message_en=f"no user {username!r}")
    if not reason.strip():
        raise InvalidInput("请说明理由", field="reason", message_en="give a reason")
    change_context(session, user_id=actor.user_id if actor else None, reason=reason)
    user.active = active
    ended = revoked = 0
    if not active:  # for good: enabling the account again revives neither its sessions nor its tokens
        ended, revoked = sessions.end_all(session, user.id), _revoke_tokens(session, user.id)
    session.flush()
    record_event(session, actor, "user.enable" if active else "user.disable", target_type="user", target_id=user.id,
                 details={"sessions_ended": ended, "tokens_revoked": revoked})
    return user


def _revoke_tokens(session: Session, user_id: int) -> int:
    """Every unrevoked API token of an account, revoked now (one UPDATE); how many."""
    result = session.execute(update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
                             .values(revoked_at=clock.now()))
    return result.rowcount or 0


def set_password(session: Session, user: User, new: str, actor: Principal | None, action: str) -> int:
    """A new password set without the old one (a one-time reset link): the policy applies, every
    session of the account ends; returns how many ended."""
    _check_password(new)
    change_context(session, user_id=actor.user_id if actor else user.id, reason=action)
    user.password_hash = _hasher.hash(new)
    ended = sessions.end_all(session, user.id)
    session.flush()
    record_event(session, actor, action, target_type="user", target_id=user.id, details={"sessions_ended": ended})
    return ended


def unusable_password_hash() -> str:
    """The hash of a random password nobody knows: an account created for someone else, until
    they set their own through a reset link."""
    return _hasher.hash(secrets.token_urlsafe(32))


def _check_password(password: str) -> None:
    problem = rules.password_problem(password, common_passwords())
    if problem:
        raise InvalidInput(problem[0], field="password", message_en=problem[1])


def principal_of(user: User, via: str, scopes: tuple[str, ...] = ("*",)) -> Principal:
    return Principal(user_id=user.id, username=user.username, role=user.role, agency_id=user.agency_id,
                     subject_id=user.subject_id, display_name=user.display_name, via=via, scopes=scopes)
