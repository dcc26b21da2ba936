"""The public catalogue of information items (公共信用信息目录)."""
from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from xinyong.catalogue import get_catalogue, service
from xinyong.catalogue.pages import template_response
from xinyong.catalogue.template_files import FORMATS, media_type
from xinyong.kit.access import Principal, allow
from xinyong.kit.errors import InvalidInput, NotFound
from xinyong.kit.web import get_session
from xinyong.kit.text import Code, CodePath, CodeQuery

router = APIRouter(prefix="/api/v1/catalogue", tags=["catalogue 目录"])


class FieldOut(BaseModel):
    code: str
    header_zh: str
    required: bool
    type: str
    values: list[str] | None = None


class ItemOut(BaseModel):
    code: str
    name_zh: str
    name_en: str
    category: str
    disclosure: str
    ingestible: bool
    fields: list[FieldOut]


def item_out(item) -> ItemOut:
    return ItemOut(code=item.code, name_zh=item.name_zh, name_en=item.name_en, category=str(item.category),
                   disclosure=item.disclosure, ingestible=bool(item.ingestible),
                   fields=[FieldOut(code=f.code, header_zh=f.header_zh, required=bool(f.required), type=f.type,
                                    values=list(f.codes) if f.codes else None)
                           for f in item.fields])


@router.get("", response_model=list[ItemOut], dependencies=[allow("public")])
def list_items():
    return [item_out(i) for i in get_catalogue().items]


class EntryVersionOut(BaseModel):
    version: int
    content_sha: str | None
    status: str | None
    superseded_at: dt.datetime | None
    change_reason: str | None


@router.get("/{code}/versions", response_model=list[EntryVersionOut], dependencies=[allow("public")])
def item_versions(code: str = CodePath(max_length=64), session: Session = Depends(get_session)):
    """Every stored version of a catalogue entry, with why it changed."""
    rows = service.entry_versions(session, code)
    for row in rows:
        if row["superseded_at"] is not None and row["superseded_at"].tzinfo is None:
            row["superseded_at"] = row["superseded_at"].replace(tzinfo=dt.timezone.utc)
    return rows


@router.get("/{code}/template", response_class=Response,
            responses={200: {"content": {media_type("csv"): {}, media_type("xlsx"): {}},
                             "description": "the item's batch template: headers, a description row (row 2, "
                                            "skipped on upload) and a valid example row"}})
def item_template(code: str = CodePath(max_length=64), format: str = CodeQuery("csv", max_length=8),  # noqa: A002
                  principal: Principal = allow("public"), session: Session = Depends(get_session)):
    """The batch template of an ingestible item, as CSV (UTF-8 with BOM) or XLSX (code tables
    on a second sheet); a signed-in agency's own name and USCC fill the agency columns."""
    if format not in FORMATS:
        raise InvalidInput("格式须为 csv 或 xlsx", field="format", message_en="format must be csv or xlsx")
    return template_response(session, principal, code, format)


@router.get("/{code}", response_model=ItemOut, dependencies=[allow("public")])
def get_item(code: Code):
    for item in get_catalogue().items:
        if item.code == code:
            return item_out(item)
    raise NotFound("目录中没有该信息项", message_en=f"no catalogue item {code!r}")
