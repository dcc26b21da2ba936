"""/me/notifications for every signed-in user."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from xinyong.kit.access import Principal, allow
from xinyong.kit.web import get_session, render
from xinyong.notifications import service

router = APIRouter(include_in_schema=False)
MAX_ID = 2**63 - 1
PAGE = 50


@router.get("/me/notifications")
def my_notifications(request: Request, page: int = Query(1, ge=1, le=10_000),
                     principal: Principal = allow("authenticated"), session: Session = Depends(get_session)):
    found = service.inbox(session, principal, PAGE + 1, (page - 1) * PAGE)
    return render(request, "notifications/inbox.html", {
        "notifications": found[:PAGE], "unread": service.unread_count(session, principal), "page": page,
        "has_next": len(found) > PAGE, "pager_query": ""})


@router.post("/me/notifications/{notification_id}/read")
def mark_read(notification_id: int = Path(ge=1, le=MAX_ID), principal: Principal = allow("authenticated"),
              session: Session = Depends(get_session)):
    service.mark_read(session, principal, notification_id)
    session.commit()
    return RedirectResponse("/me/notifications", status_code=303)


@router.post("/me/notifications/read-all")
def mark_all_read(principal: Principal = allow("authenticated"), session: Session = Depends(get_session)):
    service.mark_read(session, principal)
    session.commit()
    return RedirectResponse("/me/notifications", status_code=303)
