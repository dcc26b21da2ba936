"""An organisation's own administrator (role "agency_admin") manages the staff accounts of that
organisation and of no other: creates them (the person sets a password through a reset link),
disables and enables them, and sends a new reset link. Every step is audited; an account outside
the administrator's organisation, or an administrator account, is "not found"."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts import mail, resets, service, sessions, signup
from xinyong.accounts.resets import Outgoing, normalise_email
from xinyong.audit import record_event
from xinyong.history import change_context
from xinyong.kit.access import Principal
from xinyong.kit.errors import Conflict, InvalidInput, NotFound
from xinyong.models import Agency, User
from xinyong.models.account import ROLE_ORG_KINDS

ADMIN_ROLE = "agency_admin"


def staff_roles(session: Session, principal: Principal) -> list[str]:
    """The staff roles an administrator may give: those fitting their organisation's kind."""
    org = session.get(Agency, principal.agency_id) if principal.agency_id else None
    if org is None:
        return []
    return [role for role, kinds in ROLE_ORG_KINDS.items() if role != ADMIN_ROLE and org.kind in kinds]


def list_staff(session: Session, principal: Principal) -> list[User]:
    return list(session.scalars(select(User).where(User.agency_id == principal.agency_id,
                                                   User.role.in_(staff_roles(session, principal)))
                                .order_by(User.username)))


def create(session: Session, principal: Principal, *, username: str, role: str, email: str,
           display_name: str = "") -> Outgoing | None:
    """A staff account of the administrator's organisation, with a password nobody knows yet and
    a reset link to its address."""
    _need_mail()
    if role not in staff_roles(session, principal):
        raise InvalidInput("该角色不属于本机构", field="role", message_en="this role does not belong to your organisation")
    address = normalise_email(email)
    if not signup.USERNAME.fullmatch(username.strip()) or not signup.EMAIL.fullmatch(address):
        raise InvalidInput("用户名或电子邮箱格式不正确", field="username",
                           message_en="the user name or e-mail address is malformed")
    if session.scalar(select(User.id).where((User.username == username.strip()) | (User.email == address))):
        raise Conflict("用户名或电子邮箱已被使用", field="username", message_en="the user name or e-mail address is taken")
    org = session.get(Agency, principal.agency_id)
    user = User(username=username.strip(), password_hash=service.unusable_password_hash(), role=role,
                display_name=display_name.strip()[:100] or username.strip(), agency_id=org.id, email=address)
    session.add(user)
    session.flush()
    record_event(session, principal, "user.create", target_type="user", target_id=user.id,
                 details={"role": role, "agency_id": org.id, "by": ADMIN_ROLE})
    return resets.issue(session, user, principal)


def member(session: Session, principal: Principal, username: str) -> User:
    """A staff account of the administrator's own organisation, or NotFound."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None or principal.agency_id is None or user.agency_id != principal.agency_id \
            or user.role not in staff_roles(session, principal):
        raise NotFound("本机构无此账户", message_en="no such account in your organisation")
    return user


def set_active(session: Session, principal: Principal, username: str, active: bool, reason: str) -> User:
    user = member(session, principal, username)
    return service.set_active(session, user.username, active, reason, actor=principal)


def reset(session: Session, principal: Principal, username: str) -> Outgoing:
    """A new reset link for a member; their sessions end at once (the old password stays until
    the link is used)."""
    user = member(session, principal, username)
    _need_mail()
    change_context(session, user_id=principal.user_id, reason="reset by the organisation's administrator")
    outgoing = resets.issue(session, user, principal)
    if outgoing is None:
        raise InvalidInput("该账户没有电子邮箱", field="email", message_en="this account has no e-mail address")
    sessions.end_all(session, user.id)
    return outgoing


def _need_mail() -> None:
    """Accounts set their passwords through mailed links: without a mail server, say so."""
    if not mail.enabled():
        raise InvalidInput("未配置邮件服务器，无法发送设置密码的链接", code="mail_off", field="email",
                           message_en="no mail server is configured, so no set-password link can be sent")
