"""Queue a notification inside the unit of work; it is visible once the transaction commits.
A ``dedupe_key`` makes repeated sweeps notify once. A sealed recipient (a complainant, QZ art.
37) is given as ``recipient_ref`` (xinyong.kit.sealed.party_ref), never as the account id, and
reading such a notification is audited without naming the reader. Flushes, never commits."""
from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from xinyong.kit.sealed import party_ref
from xinyong.models import Notification


def notify(session: Session, *, kind: str, text_zh: str, text_en: str, link: str = "",
           user_id: int | None = None, org_id: int | None = None, role: str | None = None,
           subject_id: int | None = None, recipient_ref: str | None = None,
           dedupe_key: str | None = None) -> Notification | None:
    if not any((user_id, org_id, role, subject_id, recipient_ref)):
        raise ValueError("a notification needs a recipient")
    if dedupe_key and session.scalar(select(Notification.id).where(Notification.dedupe_key == dedupe_key)):
        return None
    row = Notification(kind=kind, text_zh=text_zh, text_en=text_en, link=link, recipient_user_id=user_id,
                       recipient_org_id=org_id, recipient_role=role, recipient_subject_id=subject_id,
                       recipient_ref=recipient_ref, dedupe_key=dedupe_key)
    session.add(row)
    session.flush()
    return row


def notify_many(session: Session, rows: list[dict]) -> int:
    """Queue many notifications in one INSERT (each dict: the Notification columns, with a
    recipient); rows whose dedupe_key was used before are skipped. Returns how many were queued."""
    rows = [r for r in rows if any(r.get(k) for k in ("recipient_user_id", "recipient_org_id", "recipient_role",
                                                        "recipient_subject_id", "recipient_ref"))]
    keys = [r["dedupe_key"] for r in rows if r.get("dedupe_key")]
    seen: set[str] = set()
    for i in range(0, len(keys), 1000):
        seen.update(session.scalars(select(Notification.dedupe_key).where(
            Notification.dedupe_key.in_(keys[i:i + 1000]))))
    fresh, queued = [], set()
    for r in rows:
        key = r.get("dedupe_key")
        if key and (key in seen or key in queued):
            continue
        queued.add(key)
        fresh.append({"recipient_user_id": None, "recipient_org_id": None, "recipient_role": None,
                      "recipient_subject_id": None, "recipient_ref": None, "link": "", "dedupe_key": None, **r})
    if fresh:
        session.execute(insert(Notification), fresh)
    return len(fresh)


def addressed_to(principal, *, sealed: bool | None = None):
    """Notifications for the caller: to the account, its organisation, its role, (subject
    accounts) its subject, or the account as a sealed party. ``sealed`` True/False narrows to
    the sealed-party ones / the others."""
    from sqlalchemy import false, or_
    own = Notification.recipient_ref == party_ref(principal.user_id) if principal.user_id is not None else false()
    if sealed:
        return own
    conditions = [Notification.recipient_user_id == principal.user_id, Notification.recipient_role == principal.role]
    if principal.agency_id is not None and principal.role != "subject":
        conditions.append(Notification.recipient_org_id == principal.agency_id)
    if principal.role == "subject" and principal.subject_id is not None:
        conditions.append(Notification.recipient_subject_id == principal.subject_id)
    if sealed is None:
        conditions.append(own)
    return or_(false(), *conditions)


def inbox(session: Session, principal, limit: int, offset: int = 0, unread_only: bool = False) -> list[Notification]:
    stmt = select(Notification).where(addressed_to(principal)).order_by(Notification.id.desc()).limit(limit).offset(offset)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return list(session.scalars(stmt))


def unread_count(session: Session, principal) -> int:
    from sqlalchemy import func
    return session.scalar(select(func.count(Notification.id)).where(
        addressed_to(principal), Notification.read_at.is_(None))) or 0


def mark_read(session: Session, principal, notification_id: int | None = None) -> int:
    """Mark one (or, with None, every) notification of the caller as read; 404 for others'.
    A notification to an organisation or a role is read once for all its readers. Reading one
    addressed to the caller as a sealed party leaves no audit entry (QZ art. 37)."""
    from xinyong.kit.errors import NotFound
    if notification_id is not None and session.scalar(select(Notification.id).where(
            Notification.id == notification_id, addressed_to(principal))) is None:
        raise NotFound("没有这条通知", message_en="no such notification")
    count = 0
    for sealed in (False, True):
        count += _mark(session, principal, notification_id, sealed)
    session.flush()
    return count


def _mark(session: Session, principal, notification_id: int | None, sealed: bool) -> int:
    from sqlalchemy import update

    from xinyong import clock
    from xinyong.audit import record_event
    stmt = update(Notification).where(addressed_to(principal, sealed=sealed), Notification.read_at.is_(None))
    if notification_id is not None:
        stmt = stmt.where(Notification.id == notification_id)
    count = session.execute(stmt.values(read_at=clock.now()).execution_options(
        synchronize_session=False)).rowcount or 0
    if sealed:
        # not audited: a sealed party's read is its own (read_at is kept on the row), and any entry
        # of it, even with the platform as the actor, sits in time beside the reader's other entries
        # (a read-all wrote both in one request) and named a complainant (QZ art. 37)
        return count
    if count:
        record_event(session, principal, "notification.read", target_type="notification",
                     target_id=notification_id or "all", details={"count": count})
    return count
