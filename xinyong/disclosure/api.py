"""Public API: search subjects and read their public records (masked where they concern people)."""
from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy.orm import Session

from xinyong.disclosure import service
from xinyong.disclosure.schemas import PublicityRow, PublicSubject, SearchResult
from xinyong.kit.access import allow
from xinyong.kit.web import get_read_session, read_engine, read_in_thread, read_on_connection, read_session
from xinyong.kit.text import CodeQuery

router = APIRouter(tags=["public 公示"])


# The two busiest public routes are coroutines that hand the service call to the thread pool
# themselves: FastAPI checks a sync route's return value against response_model in a second
# thread-pool round trip (~0.15 ms of CPU a request); a coroutine's is checked in place. Their
# session is made in the route (kit.web.read_session, no I/O) and closed in that same thread
# call (kit.web.read_in_thread), not by a generator dependency (~0.07 ms of CPU a request).
# The profile takes no session: its two kept statements run on a Connection taken and given
# back in the read's thread call (kit.web.read_on_connection).


@router.get("/api/v1/subjects", response_model=SearchResult, dependencies=[allow("public")])
async def search(request: Request,
                 q: str = CodeQuery(..., min_length=1, max_length=100, description="name (partial) or USCC"),
                 limit: int = Query(20, ge=1, le=50), offset: int = Query(0, ge=0, le=10_000)):
    return await read_in_thread(read_session(request), service.search, q, limit, offset)


@router.get("/api/v1/subjects/{subject_id}", response_model=PublicSubject, dependencies=[allow("public")])
async def profile(request: Request, subject_id: int = Path(ge=1, le=2**63 - 1)):
    return await read_on_connection(read_engine(request), service.subject_profile, subject_id)


@router.get("/api/v1/publicity", response_model=list[PublicityRow], dependencies=[allow("public")])
def publicity(item: str | None = CodeQuery(None, max_length=16, pattern="^(licence|penalty)$",
                                           description="licence (行政许可) | penalty (行政处罚); both when absent"),
              agency_id: int | None = Query(None, ge=1, le=2**31 - 1), date_from: dt.date | None = None,
              date_to: dt.date | None = None, page: int = Query(1, ge=1, le=10_000), session: Session = Depends(get_read_session)):
    """双公示 records in public view today, newest decision first, 20 a page; persons masked."""
    rows, _ = service.browse(session, item=item, agency_id=agency_id, date_from=date_from, date_to=date_to, page=page)
    return rows
