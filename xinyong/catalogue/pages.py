"""The catalogue as a page: what may be collected, and the column layout of batch files."""
from __future__ import annotations

from fastapi import APIRouter, Request

from xinyong.catalogue import get_catalogue
from xinyong.kit.access import allow
from xinyong.kit.web import render

router = APIRouter(include_in_schema=False)


@router.get("/catalogue", dependencies=[allow("public")])
def catalogue_page(request: Request):
    catalogue = get_catalogue()
    return render(request, "catalogue/index.html",
                  {"items": catalogue.items, "ingestible": catalogue.ingestible})
