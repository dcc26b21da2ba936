"""The public page of the transparency log: the latest signed head, the public keys, and how
anyone checks them with the standalone verifier (issue 12)."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from xinyong.config import get_settings
from xinyong.kit.access import Principal, allow
from xinyong.kit.web import get_session, render
from xinyong.transparency import service

router = APIRouter(include_in_schema=False)


@router.get("/transparency")
def transparency_page(request: Request, principal: Principal = allow("public"),
                      session: Session = Depends(get_session)):
    head = service.latest_head(session)
    return render(request, "transparency/index.html",
                  {"head": head.document() if head else None, "keys": service.keys_doc()["keys"],
                   "base_url": get_settings().base_url.rstrip("/")})
