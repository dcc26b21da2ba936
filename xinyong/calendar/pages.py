"""The working-day calendar: /calendar/{year} (public) and /staff/calendar (view, upload)."""
from __future__ import annotations

from fastapi import APIRouter, Depends, File, Path, Query, Request, UploadFile
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from xinyong import clock
from xinyong.calendar import service
from xinyong.kit.access import Principal, allow
from xinyong.kit.errors import XinyongError
from xinyong.kit.web import get_session, language, refusal_text, render

router = APIRouter(include_in_schema=False)
Year = Path(ge=1990, le=2200)
WEEKDAYS = ("calendar.mon", "calendar.tue", "calendar.wed", "calendar.thu", "calendar.fri", "calendar.sat",
            "calendar.sun")


def _page(request: Request, session: Session, year: int, *, staff: bool, error: XinyongError | None = None,
          loaded: int | None = None, moved: int | None = None, status_code: int = 200):
    lang = language(request)
    ctx = {"view": service.year_view(session, year), "staff": staff, "loaded": loaded, "moved": moved, "weekdays": WEEKDAYS,
           "years": service.loaded_years(session) if staff else [],
           "error": None if error is None else {
               "message": refusal_text(error, lang),
               "line": error.details.get("line")}}
    return render(request, "calendar/year.html", ctx, status_code=status_code)


@router.get("/calendar", dependencies=[allow("public")])
def this_year():
    return RedirectResponse(f"/calendar/{clock.today().year}", status_code=303)


@router.get("/calendar/{year}", dependencies=[allow("public")])
def public_year(request: Request, year: int = Year, session: Session = Depends(get_session)):
    return _page(request, session, year, staff=False)


@router.get("/staff/calendar", dependencies=[allow("staff", "admin")])
def staff_calendar(request: Request, year: int | None = Query(None, ge=1990, le=2200),
                   loaded: int | None = Query(None, ge=1990, le=2200), moved: int | None = Query(None, ge=0),
                   session: Session = Depends(get_session)):
    return _page(request, session, year or clock.today().year, staff=True, loaded=loaded, moved=moved)


@router.post("/staff/calendar")
async def upload(request: Request, file: UploadFile = File(...), principal: Principal = allow("staff", "admin"),
                 session: Session = Depends(get_session)):
    content = await file.read(service.MAX_FILE_BYTES + 1)

    def load():   # the database's work (and the deadlines' recount) in the thread pool, off the event loop
        try:
            row = service.add_file(session, principal, content, file.filename or "upload.yaml")
        except XinyongError as exc:
            session.rollback()
            return _page(request, session, clock.today().year, staff=True, error=exc, status_code=exc.status)
        year, moved = row.year, row.deadlines_moved
        session.commit()
        return RedirectResponse(f"/staff/calendar?year={year}&loaded={year}&moved={moved}", status_code=303)
    return await run_in_threadpool(load)
