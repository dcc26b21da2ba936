"""The working-day calendar as JSON (public) and loading a year's table (staff, admin)."""
from __future__ import annotations

from fastapi import APIRouter, Depends, File, Path, UploadFile
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from xinyong.calendar import service
from xinyong.calendar.schemas import CalendarDayOut, CalendarYearOut
from xinyong.kit.access import Principal, allow
from xinyong.kit.web import get_session

router = APIRouter(tags=["calendar 工作日历"])
Year = Path(ge=1990, le=2200)


def year_out(view) -> CalendarYearOut:
    days = [CalendarDayOut(day=d.day, working=d.working, source=d.source, provisional=d.provisional, name=d.name)
            for _, month in view.months for d in month]
    return CalendarYearOut(year=view.year, source=view.source, provisional=view.provisional,
                           loaded_from=view.loaded.source if view.loaded else None,
                           working_days=view.working_days, days=days)


@router.get("/api/v1/calendar/{year}", response_model=CalendarYearOut, dependencies=[allow("public")])
def calendar_year(year: int = Year, session: Session = Depends(get_session)):
    """Every day of the year: working or not, and where that answer comes from. Years with no
    official schedule known answer by the weekend rule, marked provisional."""
    return year_out(service.year_view(session, year))


@router.post("/api/v1/calendar", response_model=CalendarYearOut, status_code=201)
async def add_year(file: UploadFile = File(...), principal: Principal = allow("staff", "admin"),
                   session: Session = Depends(get_session)):
    """Load a year's holiday table (YAML or CSV, docs/calendar-example.yaml), replacing it."""
    content = await file.read(service.MAX_FILE_BYTES + 1)

    def load():   # the database's work (and the deadlines' recount) in the thread pool, off the event loop
        row = service.add_file(session, principal, content, file.filename or "upload.yaml")
        view = service.year_view(session, row.year)
        session.commit()
        return year_out(view).model_copy(update={"deadlines_moved": row.deadlines_moved})
    return await run_in_threadpool(load)
