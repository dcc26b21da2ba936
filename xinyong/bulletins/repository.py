"""Queries of bulletins. ``public_condition`` is the SQL twin of rules.in_public_view; every
public read goes through it."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from xinyong.models.bulletin import Bulletin, BulletinAttachment


def public_condition(today: dt.date):
    return and_(Bulletin.status == "published", Bulletin.published_on <= today)


def public_page(session: Session, today: dt.date, *, category: str | None = None, limit: int = 20,
                offset: int = 0) -> list[Bulletin]:
    """Bulletins in public view, newest publication first."""
    q = select(Bulletin).where(public_condition(today))
    if category:
        q = q.where(Bulletin.category == category)
    return list(session.scalars(q.order_by(Bulletin.published_on.desc(), Bulletin.id.desc())
                                .limit(limit).offset(offset)))


def public_one(session: Session, bulletin_id: int, today: dt.date) -> Bulletin | None:
    return session.scalar(select(Bulletin).where(Bulletin.id == bulletin_id, public_condition(today)))


def listing(session: Session, *, status: str | None = None, limit: int = 50, offset: int = 0) -> list[Bulletin]:
    """Every bulletin, drafts and withdrawn ones included, for the credit department."""
    q = select(Bulletin)
    if status:
        q = q.where(Bulletin.status == status)
    return list(session.scalars(q.order_by(Bulletin.id.desc()).limit(limit).offset(offset)))


def attachments(session: Session, bulletin_ids: list[int]) -> dict[int, list[BulletinAttachment]]:
    """The current (not removed) attachments of each bulletin, in one query, without contents."""
    found: dict[int, list[BulletinAttachment]] = {i: [] for i in bulletin_ids}
    if not bulletin_ids:
        return found
    rows = session.execute(
        select(BulletinAttachment.id, BulletinAttachment.bulletin_id, BulletinAttachment.filename,
               BulletinAttachment.content_type, BulletinAttachment.size, BulletinAttachment.sha256)
        .where(BulletinAttachment.bulletin_id.in_(bulletin_ids), BulletinAttachment.removed_at.is_(None))
        .order_by(BulletinAttachment.id))
    for row in rows:
        found[row.bulletin_id].append(row)
    return found


def attachment_count(session: Session, bulletin_id: int) -> int:
    return session.scalar(select(func.count()).select_from(BulletinAttachment).where(
        BulletinAttachment.bulletin_id == bulletin_id, BulletinAttachment.removed_at.is_(None))) or 0


def attachment(session: Session, bulletin_id: int, attachment_id: int) -> BulletinAttachment | None:
    return session.scalar(select(BulletinAttachment).where(
        BulletinAttachment.id == attachment_id, BulletinAttachment.bulletin_id == bulletin_id,
        BulletinAttachment.removed_at.is_(None)))


def counts_by_status(session: Session) -> dict[str, int]:
    return dict(session.execute(select(Bulletin.status, func.count()).group_by(Bulletin.status)).all())
