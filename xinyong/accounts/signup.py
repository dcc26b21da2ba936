"""Enterprises and citizens open their own account (issue 13 point 5). A new account has the
role "registrant": it reaches the public pages and its own account pages only, until an identity
provider proves who it is (xinyong.accounts.identity) and links it to its credit subject."""
from __future__ import annotations

import math
import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.accounts import service, throttle
from xinyong.accounts.resets import normalise_email
from xinyong.kit.access import ANONYMOUS
from xinyong.kit.crypto import keyed_hash
from xinyong.kit.errors import Conflict, InvalidInput, TooManyRequests
from xinyong.models import User

USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{2,63}")
EMAIL = re.compile(r"[^@\s]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
FREE_REGISTRATIONS_PER_CLIENT = 10  # a day, before each further one waits longer (1 s, 2 s, 4 s …)


def register(session: Session, *, username: str, password: str, email: str, display_name: str = "",
             client: str = "") -> User:
    """A new unproved account. The user name is letters, digits, . _ - (3-64); the address
    receives reset links; one message for either being taken (no address is confirmed). Besides
    the per-minute route limit, one client's registrations are slowed down after a few a day."""
    keyset = {keyed_hash(f"register-client|{client}"): FREE_REGISTRATIONS_PER_CLIENT}
    wait = throttle.wait(session, keyset)
    if wait:
        seconds = max(1, math.ceil(wait.total_seconds()))
        raise TooManyRequests(f"注册过于频繁，请 {seconds} 秒后再试", code="slow_down",
                              message_en=f"too many registrations; try again in {seconds} s",
                              details={"retry_after": seconds})
    throttle.failed(session, keyset)
    username, address = username.strip(), normalise_email(email)
    if not USERNAME.fullmatch(username):
        raise InvalidInput("用户名须为 3-64 个字母、数字或 . _ -", field="username",
                           message_en="the user name needs 3-64 letters, digits or . _ -")
    if len(address) > 254 or not EMAIL.fullmatch(address):
        raise InvalidInput("请填写有效的电子邮箱", field="email", message_en="enter a valid e-mail address")
    taken = session.scalar(select(func.count()).select_from(User).where(
        (func.lower(User.username) == username.lower()) | (User.email == address)))
    if taken:
        raise Conflict("用户名或电子邮箱已被使用", field="username", message_en="the user name or e-mail address is taken")
    return service.create_user(session, username=username, password=password, role="registrant",
                               display_name=display_name.strip()[:100], email=address, actor=ANONYMOUS)
