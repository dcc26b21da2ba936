"""Account rules (pure): the password policy and the growing delay after failed sign-ins.

OWASP ASVS 4.0 level 2: passwords of at least 12 characters (2.1.1), no composition rules
(2.1.9), refused when common or breached (2.1.7); failed sign-ins slow the caller down
instead of locking the account (2.2.1), so nobody can lock another person out.
"""
from __future__ import annotations

import datetime as dt
import string

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 200
_PADDING = string.digits + string.punctuation + string.whitespace

# failed sign-ins allowed before any delay, per (user name, client) and per client
FREE_FAILURES_ACCOUNT_CLIENT = 3
FREE_FAILURES_CLIENT = 20
MAX_DELAY = dt.timedelta(minutes=15)
FORGET_AFTER = dt.timedelta(hours=24)  # a key with no failure for this long starts again at 0


def password_problem(password: str, common: frozenset[str]) -> tuple[str, str] | None:
    """Why a password is unacceptable, in Chinese and in English, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return (f"密码至少需要 {MIN_PASSWORD_LENGTH} 个字符",
                f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        return (f"密码不得超过 {MAX_PASSWORD_LENGTH} 个字符",
                f"the password must have at most {MAX_PASSWORD_LENGTH} characters")
    lowered = password.lower()
    if not _bases(lowered).isdisjoint(common) or _repetitive(lowered.strip(_PADDING) or lowered):
        return ("该密码过于常见或已在泄露的密码中出现，请换一个",
                "this password is common or has appeared in breaches; choose another")
    return None


def _bases(lowered: str) -> set[str]:
    """The password and what is left of it without padding digits, symbols and spaces at either
    end (password1234!, 2026qwerty), at least 4 characters long."""
    lead = next((i for i, c in enumerate(lowered) if c not in _PADDING), len(lowered))
    tail = next((i for i in range(len(lowered), 0, -1) if lowered[i - 1] not in _PADDING), 0)
    starts, ends = range(0, lead + 1), range(max(tail, 1), len(lowered) + 1)
    return {lowered[a:b] for a in starts for b in ends if b - a >= 4} | {lowered}


def _repetitive(text: str) -> bool:
    """One or two characters, one short unit repeated (abcabcabc…) or a run (123456789012, 9876…)."""
    if len(set(text)) <= 2:
        return True
    if any(len(text) % n == 0 and text == text[:n] * (len(text) // n) for n in range(1, 5)):
        return True
    steps = {ord(b) - ord(a) for a, b in zip(text, text[1:])}
    return steps <= {1, -9} or steps <= {-1, 9}


def delay_after(failures: int, free: int) -> dt.timedelta:
    """How long the next attempt must wait after `failures` failed ones: none while within
    `free`, then 1 s, 2 s, 4 s … doubling up to MAX_DELAY."""
    if failures < free:
        return dt.timedelta(0)
    return min(dt.timedelta(seconds=2 ** min(failures - free, 20)), MAX_DELAY)
