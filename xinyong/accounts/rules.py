"""Account rules: password policy and login throttling (pure)."""
from __future__ import annotations

import datetime as dt

MIN_PASSWORD_LENGTH = 10
MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=15)


def password_problem(password: str) -> str | None:
    """Why a password is unacceptable, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"password must have at least {MIN_PASSWORD_LENGTH} characters"
    if password.isdigit() or password.isalpha():
        return "password must mix letters with digits or symbols"
    return None


def lock_until(failed_logins: int, now: dt.datetime) -> dt.datetime | None:
    return now + LOCKOUT if failed_logins >= MAX_FAILED_LOGINS else None
