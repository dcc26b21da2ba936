"""The credit department's view of the worker (/staff/worker): each schedule with its last and
next run and its failures, and the jobs, failed ones first when asked."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from xinyong.kit.access import Principal, allow
from xinyong.kit.text import CodeQuery
from xinyong.kit.web import get_session, render
from xinyong.models.worker import JOB_STATUSES
from xinyong.worker import service

router = APIRouter(include_in_schema=False)
PAGE = 50


@router.get("/staff/worker")
def worker_page(request: Request, status: str | None = CodeQuery(None, pattern="^(" + "|".join(JOB_STATUSES) + ")$"),
                page: int = Query(1, ge=1, le=10_000), principal: Principal = allow("staff", "admin"),
                session: Session = Depends(get_session)):
    jobs = service.jobs(session, status, PAGE + 1, (page - 1) * PAGE)
    ctx = {"schedules": service.schedule_status(session), "counts": service.counts(session),
           "jobs": jobs[:PAGE], "status": status, "statuses": JOB_STATUSES, "page": page,
           "has_next": len(jobs) > PAGE, "pager_query": f"status={status}&" if status else ""}
    return render(request, "worker/status.html", ctx)
