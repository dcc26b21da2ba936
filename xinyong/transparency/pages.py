"""The public page of the transparency log: the latest signed head, the public keys, and how
anyone checks them with the standalone verifier (issue 12)."""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from xinyong.config import get_settings
from xinyong.kit.access import Principal, allow
from xinyong.kit.web import get_session, render
from xinyong.transparency import service

router = APIRouter(include_in_schema=False)
VERIFIER = Path(__file__).resolve().parent / "verifier" / "verify_log.py"


@router.get("/transparency")
def transparency_page(request: Request, principal: Principal = allow("public"),
                      session: Session = Depends(get_session)):
    head = service.latest_head(session)
    return render(request, "transparency/index.html",
                  {"head": head.document() if head else None, "keys": service.keys_doc()["keys"],
                   "base_url": get_settings().base_url.rstrip("/")})


@router.get("/transparency/verify_log.py", dependencies=[allow("public")])
def verifier_download() -> Response:
    """The standalone verifier the page tells everyone to run, as shipped with this release (read
    from the package, never from anything a request names)."""
    return Response(VERIFIER.read_bytes(), media_type="text/x-python; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="verify_log.py"'})
