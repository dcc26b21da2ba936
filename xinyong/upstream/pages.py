"""The credit department's view of sharing upward (/staff/upstream): what waits or fails to
reach the upstream, and — when asked (?check=1) — the reconciliation: every record in public
view the upstream does not hold, and what it holds that the platform withdrew."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from xinyong.config import get_settings
from xinyong.kit.access import Principal, allow
from xinyong.kit.web import get_session, render
from xinyong.upstream import repository, rules, service
from xinyong.upstream.client import UpstreamError, from_settings

router = APIRouter(include_in_schema=False)


@router.get("/staff/upstream")
def upstream_page(request: Request, check: int = Query(0, ge=0, le=1), principal: Principal = allow("staff", "admin"),
                  session: Session = Depends(get_session)):
    upstream = from_settings(get_settings())
    found, error = None, ""
    if check and upstream is not None:
        try:
            found = service.reconcile(session, upstream)
        except UpstreamError as exc:
            error = str(exc)
    ctx = {"configured": upstream is not None, "counts": repository.counts(session),
           "failing": repository.failing(session, 50), "found": found, "error": error,
           "labels": rules.ACTION_LABELS}
    return render(request, "upstream/status.html", ctx)
