"""The public catalogue of information items (公共信用信息目录)."""
from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from xinyong.catalogue import get_catalogue
from xinyong.kit.access import allow
from xinyong.kit.errors import NotFound

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


@router.get("/{code}", response_model=ItemOut, dependencies=[allow("public")])
def get_item(code: str):
    for item in get_catalogue().items:
        if item.code == code:
            return item_out(item)
    raise NotFound("目录中没有该信息项", message_en=f"no catalogue item {code!r}")
