"""My notifications: to my account, my organisation, my role, or my subject."""
from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel
from sqlalchemy.orm import Session

from xinyong.kit.access import Principal, allow
from xinyong.kit.web import get_session
from xinyong.notifications import service

router = APIRouter(tags=["notifications 通知"])
MAX_ID = 2**63 - 1
PAGE = 50


class NotificationOut(BaseModel):
    id: int
    kind: str
    text_zh: str
    text_en: str
    link: str
    created_at: dt.datetime
    read: bool


class InboxOut(BaseModel):
    items: list[NotificationOut]
    unread: int
    page: int
    has_next: bool


def notification_out(n) -> NotificationOut:
    return NotificationOut(id=n.id, kind=n.kind, text_zh=n.text_zh, text_en=n.text_en, link=n.link,
                           created_at=n.created_at, read=n.read_at is not None)


@router.get("/api/v1/me/notifications", response_model=InboxOut)
def my_notifications(page: int = Query(1, ge=1, le=10_000), unread_only: bool = False,
                     principal: Principal = allow("authenticated"), session: Session = Depends(get_session)):
    found = service.inbox(session, principal, PAGE + 1, (page - 1) * PAGE, unread_only)
    return InboxOut(items=[notification_out(n) for n in found[:PAGE]], unread=service.unread_count(session, principal),
                    page=page, has_next=len(found) > PAGE)


@router.post("/api/v1/me/notifications/{notification_id}/read", response_model=InboxOut)
def mark_read(notification_id: int = Path(ge=1, le=MAX_ID), principal: Principal = allow("authenticated"),
              session: Session = Depends(get_session)):
    service.mark_read(session, principal, notification_id)
    session.commit()
    return my_notifications(1, False, principal, session)
