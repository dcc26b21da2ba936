"""Accounts: create users for every role, verify passwords (argon2), resolve who a session is."""
from __future__ import annotations

import datetime as dt

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.accounts import rules
from xinyong.audit import record_event, redact
from xinyong.kit.access import ANONYMOUS, Principal
from xinyong.kit.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from xinyong.kit.identifiers import resident_id_key
from xinyong.models import Agency, Subject, User
from xinyong.models.account import ROLE_ORG_KINDS, ROLES

_hasher = PasswordHasher()


def create_user(session: Session, *, username: str, password: str, role: str,
                display_name: str = "", agency_uscc: str | None = None, subject_uscc: str | None = None,
                subject_resident_id: str | None = None, actor: Principal | None = None) -> User:
    """Create an account. Organisation roles belong to a registered organisation of the
    matching kind; a subject account speaks for one existing credit subject."""
    if role not in ROLES:
        raise InvalidInput(f"未知角色 {role}", field="role", message_en=f"unknown role {role!r}; one of {ROLES}")
    problem = rules.password_problem(password)
    if problem:
        raise InvalidInput("密码不符合要求", field="password", message_en=problem)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"用户名 {username} 已存在", field="username", message_en=f"user {username!r} exists")
    agency_id = _organisation_for(session, role, agency_uscc)
    subject_id = _subject_for(session, role, subject_uscc, subject_resident_id)
    user = User(username=username, password_hash=_hasher.hash(password), role=role,
                display_name=display_name or username, agency_id=agency_id, subject_id=subject_id)
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


def authenticate(session: Session, username: str, password: str) -> User:
    """Check a password, counting failures and locking the account after too many."""
    user = session.scalar(select(User).where(User.username == username))
    now = clock.now()
    failure = Unauthenticated("用户名或密码错误", code="bad_credentials", message_en="wrong username or password")
    if user is None or not user.active:
        _hasher.hash(password)  # same cost whether or not the user exists
        _login_event(session, user, username, "unknown_user" if user is None else "inactive")
        raise failure
    if user.locked_until and _aware(user.locked_until) > now:
        _login_event(session, user, username, "locked")
        raise Unauthenticated("登录失败次数过多，账户已暂时锁定", code="locked",
                              message_en="too many failed sign-ins; the account is locked for a while")
    try:
        _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        user.failed_logins += 1
        user.locked_until = rules.lock_until(user.failed_logins, now)
        session.flush()
        _login_event(session, user, username, "bad_password")
        raise failure from None
    user.failed_logins = 0
    user.locked_until = None
    session.flush()
    _login_event(session, user, username, None)
    return user


def _login_event(session: Session, user: User | None, username: str, failure: str | None) -> None:
    """Sign-ins, failed sign-ins and lockouts are audited (FZ art. 12); never the password."""
    target = user.id if user is not None else ""
    if failure is None:
        record_event(session, principal_of(user, "session"), "auth.login", target_type="user", target_id=target)
        return
    details = {"username": redact(username)[:64], "reason": failure}
    if user is not None and failure == "bad_password":
        details["failed_logins"] = user.failed_logins
    record_event(session, ANONYMOUS, "auth.login_failed", target_type="user", target_id=target, details=details)
    if failure == "bad_password" and user.locked_until is not None:
        record_event(session, ANONYMOUS, "user.locked", target_type="user", target_id=target,
                     details={"failed_logins": user.failed_logins, "locked_until": user.locked_until})


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def principal_for_user_id(session: Session, user_id: int) -> Principal | None:
    user = session.get(User, user_id)
    return principal_of(user, "session") if user and user.active else None


def principal_of(user: User, via: str, scopes: tuple[str, ...] = ("*",)) -> Principal:
    return Principal(user_id=user.id, username=user.username, role=user.role, agency_id=user.agency_id,
                     subject_id=user.subject_id, display_name=user.display_name, via=via, scopes=scopes)
