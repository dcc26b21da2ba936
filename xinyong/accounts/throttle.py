"""Failed sign-ins counted in the database per (user name, client) and per client, so that every
web node sees the same counts; the keys are keyed hashes (no user name or address is stored)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import case, select, update
from sqlalchemy.orm import Session

from xinyong.accounts import rules, sessions
from xinyong.kit.crypto import keyed_hash
from xinyong.models import LoginThrottle


def keys(username: str, client: str) -> dict[str, int]:
    """The throttle keys of an attempt, each with the failures it allows before any delay. The
    user name counts whether or not such an account exists, so the delay tells nothing."""
    return {keyed_hash(f"login|{username.strip().lower()}|{client}"): rules.FREE_FAILURES_ACCOUNT_CLIENT,
            keyed_hash(f"login-client|{client}"): rules.FREE_FAILURES_CLIENT}


def wait(session: Session, keyset: dict[str, int]) -> dt.timedelta:
    """How long the caller must still wait before the next attempt (zero: go ahead)."""
    now = sessions.wall_now()
    retry = session.scalars(select(LoginThrottle.retry_at).where(LoginThrottle.key_hash.in_(list(keyset)))).all()
    latest = max((_aware(r) for r in retry if r is not None), default=now)
    return max(latest - now, dt.timedelta(0))


def failed(session: Session, keyset: dict[str, int]) -> int:
    """Count a failure on every key; returns the highest count (for the audit entry)."""
    now, counts = sessions.wall_now(), []
    for key, free in keyset.items():
        failures = _increment(session, key, now)
        delay = rules.delay_after(failures, free)
        session.execute(update(LoginThrottle).where(LoginThrottle.key_hash == key)
                        .values(retry_at=now + delay if delay else None))
        counts.append(failures)
    return max(counts)


def succeeded(session: Session, keyset: dict[str, int]) -> None:
    """A right password clears its (user name, client) key; the client's key runs on, or one good
    account would wipe the count of guesses at others."""
    first = next(iter(keyset))
    session.execute(update(LoginThrottle).where(LoginThrottle.key_hash == first).values(failures=0, retry_at=None))


def _increment(session: Session, key: str, now: dt.datetime) -> int:
    """Atomically add one failure (starting again after FORGET_AFTER quiet) and read the count."""
    stale = now - rules.FORGET_AFTER
    dialect = session.get_bind().dialect.name
    module = __import__(f"sqlalchemy.dialects.{dialect}", fromlist=["insert"])
    table = LoginThrottle.__table__
    stmt = module.insert(table).values(key_hash=key, failures=1, last_failure_at=now)
    stmt = stmt.on_conflict_do_update(index_elements=["key_hash"], set_={
        "failures": _restart_or_add(table, stale), "last_failure_at": now}).returning(table.c.failures)
    return int(session.execute(stmt).scalar_one())


def _restart_or_add(table, stale: dt.datetime):
    return case((table.c.last_failure_at < stale, 1), else_=table.c.failures + 1)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
