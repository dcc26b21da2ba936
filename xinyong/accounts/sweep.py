"""Daily: forget page sessions that can no longer be used and sign-in counts gone quiet, so the
tables stay as small as the number of live browsers and recent attackers; and reset links and
OIDC sign-ins a day past their use."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, or_
from sqlalchemy.orm import Session

from xinyong.accounts import rules, sessions
from xinyong.config import get_settings
from xinyong.models import IdentityRequest, LoginThrottle, PasswordReset, WebSession


def run_sweep(session: Session, today: dt.date) -> dict[str, int | str]:
    now, settings = sessions.wall_now(), get_settings()
    ended = session.execute(delete(WebSession).where(or_(
        WebSession.revoked_at.is_not(None),
        WebSession.created_at < now - dt.timedelta(hours=settings.session_max_hours),
        WebSession.last_seen_at < now - dt.timedelta(minutes=settings.session_idle_minutes)))).rowcount or 0
    quiet = session.execute(delete(LoginThrottle).where(
        LoginThrottle.last_failure_at < now - rules.FORGET_AFTER)).rowcount or 0
    # reset links and identity sign-ins are only needed until used or expired (kept a day, for the record)
    links = session.execute(delete(PasswordReset).where(
        PasswordReset.expires_at < now - dt.timedelta(days=1))).rowcount or 0
    proofs = session.execute(delete(IdentityRequest).where(
        IdentityRequest.created_at < now - dt.timedelta(days=1))).rowcount or 0
    return {"sessions_removed": ended, "sign_in_counts_removed": quiet, "reset_links_removed": links,
            "identity_requests_removed": proofs}
