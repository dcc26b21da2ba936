"""The catalogue as a page: what may be collected, and the column layout of batch files, with
each ingestible item's template (CSV and XLSX) to download."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.catalogue import CatalogueError, get_catalogue
from xinyong.catalogue.template_files import filename, media_type, sender_of, template_file
from xinyong.kit.access import Principal, allow
from xinyong.kit.errors import NotFound
from xinyong.kit.text import CodePath
from xinyong.kit.web import get_session, render

router = APIRouter(include_in_schema=False)


@router.get("/catalogue", dependencies=[allow("public")])
def catalogue_page(request: Request):
    catalogue = get_catalogue()
    return render(request, "catalogue/index.html",
                  {"items": catalogue.items, "ingestible": catalogue.ingestible})


@router.get("/catalogue/{code}/template.csv")
def template_csv(code: str = CodePath(max_length=64), principal: Principal = allow("public"),
                 session: Session = Depends(get_session)):
    return template_response(session, principal, code, "csv")


@router.get("/catalogue/{code}/template.xlsx")
def template_xlsx(code: str = CodePath(max_length=64), principal: Principal = allow("public"),
                  session: Session = Depends(get_session)):
    return template_response(session, principal, code, "xlsx")


def ingestible_item(code: str):
    try:
        item = get_catalogue().get(code)
    except CatalogueError:
        item = None
    if item is None or not item.ingestible:
        raise NotFound("目录中没有可报送的该信息项", message_en=f"no ingestible catalogue item {code!r}")
    return item


def template_response(session: Session, principal: Principal, code: str, fmt: str) -> Response:
    item = ingestible_item(code)
    data = template_file(item, fmt, clock.today(), sender_of(session, principal))
    return Response(data, media_type=media_type(fmt),
                    headers={"Content-Disposition": f'attachment; filename="{filename(item, fmt)}"'})
