"""Password reset by a one-time link sent by mail (ASVS 2.5): the token is random, kept only as
its SHA-256, works once and for XINYONG_RESET_LINK_MINUTES; asking for one answers the same
whether or not the address belongs to an account; requests are slowed per (address, client) and
per client like sign-ins (xinyong.accounts.throttle). Setting the new password ends every session.

The link is mailed after the response (``Outgoing``), so the answer's timing says nothing either;
a mail that fails is lost and the person asks again (the plain token is never stored anywhere)."""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
import math
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from xinyong.accounts import mail, rules, service, sessions, throttle
from xinyong.audit import record_event
from xinyong.config import get_settings
from xinyong.kit.access import ANONYMOUS, Principal
from xinyong.kit.crypto import keyed_hash
from xinyong.kit.errors import InvalidInput, TooManyRequests
from xinyong.models import PasswordReset, User
from xinyong.web.i18n import translate

RESET_PATH = "/account/reset/confirm"
log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Outgoing:
    """A reset link to mail once the transaction has committed."""
    to: str
    link: str

    def send(self) -> None:
        if not mail.enabled():
            log.warning("password-reset mail not sent: no mail server is configured (XINYONG_SMTP_HOST)")
            return
        try:
            mail.send(self.to, translate("reset.mail_subject", "zh") + " / " + translate("reset.mail_subject", "en"),
                      translate("reset.mail_body", "zh", link=self.link, minutes=get_settings().reset_link_minutes)
                      + "\n\n" + translate("reset.mail_body", "en", link=self.link,
                                           minutes=get_settings().reset_link_minutes))
        except Exception as exc:  # noqa: BLE001 - a lost mail is asked for again; say so, not the address
            log.warning("password-reset mail not sent: %s", type(exc).__name__)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def request(session: Session, email: str, client: str) -> Outgoing | None:
    """Someone asks for a reset link for an address: a link for the active account that has it,
    else nothing; the caller answers the same either way."""
    address = normalise_email(email)
    keyset = {keyed_hash(f"reset|{address}|{client}"): rules.FREE_FAILURES_ACCOUNT_CLIENT,
              keyed_hash(f"reset-client|{client}"): rules.FREE_FAILURES_CLIENT}
    wait = throttle.wait(session, keyset)
    if wait:
        seconds = max(1, math.ceil(wait.total_seconds()))
        raise TooManyRequests(f"请求过于频繁，请 {seconds} 秒后再试", code="slow_down",
                              message_en=f"too many requests; try again in {seconds} s", details={"retry_after": seconds})
    throttle.failed(session, keyset)  # every request counts, found or not
    user = session.scalar(select(User).where(User.email == address, User.active.is_(True)))
    return issue(session, user, ANONYMOUS) if user is not None else None


def issue(session: Session, user: User, actor: Principal) -> Outgoing | None:
    """A fresh link for an account (earlier unused links stop working); None without an address."""
    if not user.email:
        return None
    now = sessions.wall_now()
    session.execute(update(PasswordReset).where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
                    .values(used_at=now))
    token = secrets.token_urlsafe(32)
    minutes = get_settings().reset_link_minutes
    session.add(PasswordReset(token_hash=_hash(token), user_id=user.id, created_at=now,
                              expires_at=now + dt.timedelta(minutes=minutes)))
    session.flush()
    record_event(session, actor, "user.reset_link_sent", target_type="user", target_id=user.id)
    return Outgoing(user.email, f"{get_settings().base_url.rstrip('/')}{RESET_PATH}?token={token}")


def valid(session: Session, token: str) -> PasswordReset | None:
    row = session.scalar(select(PasswordReset).where(PasswordReset.token_hash == _hash(token)))
    if row is None or row.used_at is not None or _aware(row.expires_at) <= sessions.wall_now():
        return None
    return row


def confirm(session: Session, token: str, new_password: str) -> User:
    """Set the new password through a link: once, before it expires; every session ends."""
    row = valid(session, token)
    if row is None:
        raise InvalidInput("重置链接无效或已过期，请重新申请", code="reset_link_invalid", field="token",
                           message_en="the reset link is invalid or has expired; ask for a new one")
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise InvalidInput("重置链接无效或已过期，请重新申请", code="reset_link_invalid", field="token",
                           message_en="the reset link is invalid or has expired; ask for a new one")
    service.set_password(session, user, new_password, None, "user.password_reset")
    taken = session.execute(update(PasswordReset).where(PasswordReset.id == row.id, PasswordReset.used_at.is_(None))
                            .values(used_at=sessions.wall_now()))
    if taken.rowcount != 1:
        raise InvalidInput("重置链接无效或已过期，请重新申请", code="reset_link_invalid", field="token",
                           message_en="the reset link is invalid or has expired; ask for a new one")
    return user


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
