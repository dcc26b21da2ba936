"""Queue a notification inside the unit of work; it is visible once the transaction commits.
A ``dedupe_key`` makes repeated sweeps notify once. Flushes, never commits."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.models import Notification


def notify(session: Session, *, kind: str, text_zh: str, text_en: str, link: str = "",
           user_id: int | None = None, org_id: int | None = None, role: str | None = None,
           subject_id: int | None = None, dedupe_key: str | None = None) -> Notification | None:
    if not any((user_id, org_id, role, subject_id)):
        raise ValueError("a notification needs a recipient")
    if dedupe_key and session.scalar(select(Notification.id).where(Notification.dedupe_key == dedupe_key)):
        return None
    row = Notification(kind=kind, text_zh=text_zh, text_en=text_en, link=link, recipient_user_id=user_id,
                       recipient_org_id=org_id, recipient_role=role, recipient_subject_id=subject_id,
                       dedupe_key=dedupe_key)
    session.add(row)
    session.flush()
    return row
