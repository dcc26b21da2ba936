"""Request and response models of the key occupational groups: names and ID numbers of natural
persons only ever masked."""
from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from xinyong.kit.text import Code


class AuthorityIn(BaseModel):
    agency_id: int = Field(..., ge=1, le=2**31 - 1, description="the public body named competent")
    profession: Code = Field(..., max_length=32, description="law | finance | accounting | audit | medicine | "
                             "education | domestic_services | construction | ecology | platform_economy")


class AuthorityOut(BaseModel):
    id: int
    agency_id: int
    agency: str
    profession: str
    active: bool


class OccupationalRecordOut(BaseModel):
    record_id: int
    item_code: str
    item_name: str
    profession: str
    name: str = Field(description="masked (masking.natural_person)")
    resident_id: str | None = Field(description="masked")
    decision_no: str
    decision_date: dt.date
    fields: dict[str, str]
