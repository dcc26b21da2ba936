"""Pages of the change feed: a receiving organisation's unacknowledged changes (/feed), and the
credit department's list of receivers with their overdue acknowledgements (/feed/receivers)."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from xinyong.feed import service, views
from xinyong.feed.schemas import MAX_ID
from xinyong.feed.views import RECEIVER_ROLES
from xinyong.kit.access import Principal, allow
from xinyong.kit.errors import NotFound, XinyongError
from xinyong.kit.web import get_session, language, page_error, render
from xinyong.kit.text import Code, CodeForm, TextForm

router = APIRouter(include_in_schema=False)
STAFF = ("staff", "admin")
PAGE = 100


@router.get("/feed")
def my_feed(request: Request, acked: int | None = Query(None, ge=0, le=MAX_ID),
            principal: Principal = allow(*RECEIVER_ROLES), session: Session = Depends(get_session)):
    try:
        receiver = service.receiver_for(session, principal)
    except NotFound:
        return render(request, "feed/not_receiver.html", {})
    page = views.feed_page(session, receiver, None, PAGE, True)
    status = service.status_of(session, receiver)
    session.commit()
    return render(request, "feed/mine.html", {"page": page, "status": status, "acked": acked})


@router.post("/feed/ack")
def acknowledge(request: Request, up_to: str = CodeForm(""), ids: list[Code] = Form([]),
                principal: Principal = allow(*RECEIVER_ROLES), session: Session = Depends(get_session)):
    receiver = service.receiver_for(session, principal)
    try:
        chosen = [int(i) for i in ids if i.strip().isdigit()]
        through = int(up_to) if up_to.strip().isdigit() else None
        status = service.acknowledge(session, principal, receiver, up_to=through, ids=chosen)
    except XinyongError as exc:
        session.rollback()
        receiver = service.receiver_for(session, principal)
        page = views.feed_page(session, receiver, None, PAGE, True)
        return render(request, "feed/mine.html", {"page": page, "status": service.status_of(session, receiver),
                                                  "error": page_error(exc, language(request))},
                      status_code=exc.status)
    session.commit()
    return RedirectResponse(f"/feed?acked={status.receiver.acked_through_id}", status_code=303)


@router.get("/feed/receivers")
def receivers(request: Request, registered: int | None = Query(None, ge=1, le=MAX_ID),
              page: int = Query(1, ge=1, le=10_000),
              principal: Principal = allow(*STAFF), session: Session = Depends(get_session)):
    return _receivers_page(request, session, page=page, registered=registered)


def _receivers_page(request, session, *, page: int = 1, registered=None, error=None, status_code=200):
    rows = service.statuses(session, limit=PAGE, offset=(page - 1) * PAGE)
    c = service.ack_clock(session)
    return render(request, "feed/receivers.html", {
        "rows": rows, "candidates": service.receiver_candidates(session), "registered": registered,
        "error": error, "citation": c.policy.citation, "working_days": c.policy.working_days, "today": c.today,
        "page": page, "has_next": len(rows) == PAGE}, status_code=status_code)


@router.post("/feed/receivers")
def register(request: Request, org_id: str = CodeForm(""), note: str = TextForm(""),
             principal: Principal = allow(*STAFF), session: Session = Depends(get_session)):
    try:
        if not org_id.strip().isdigit():
            raise NotFound("请选择机构", field="org", message_en="choose an organisation")
        receiver = service.register_receiver(session, principal, int(org_id), note[:500])
    except XinyongError as exc:
        session.rollback()
        return _receivers_page(request, session, error=page_error(exc, language(request)), status_code=exc.status)
    session.commit()
    return RedirectResponse(f"/feed/receivers?registered={receiver.id}", status_code=303)
