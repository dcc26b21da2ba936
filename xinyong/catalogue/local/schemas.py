"""Request and response shapes of the local supplementary catalogue: the item definition has the
keys of a catalogue file (xinyong/catalogue/items/*.yaml), every text through its TextRule."""
from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from xinyong.kit.text import Code, Text


class CodeEntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: int | Code
    maps_to: Code | None = Field(None, max_length=64)


class FieldIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: Code = Field(max_length=64)
    header_zh: Text = Field(max_length=100)
    header_en: Text | None = Field(None, max_length=200)
    type: Code = Field(max_length=32)
    required: bool = False
    aliases: list[Text] = Field(default_factory=list, max_length=20)
    codes: list[CodeEntryIn | int | Code] = Field(default_factory=list, max_length=200)
    value_aliases: dict[Code, Code] = Field(default_factory=dict, max_length=200)
    multiple: bool = False
    max_length: int | None = Field(None, ge=1, le=100_000)
    data_class: Code | None = Field(None, max_length=64)
    role: Code | None = Field(None, max_length=64)
    note: Text | None = Field(None, max_length=1000)


class ItemDefinitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: Code = Field(max_length=64)
    name_zh: Text = Field(max_length=200)
    name_en: Text = Field(max_length=200)
    category: Code = Field(max_length=64)
    order: int = Field(0, ge=0, le=10_000)
    disclosure: Code = Field(max_length=32)
    publicity_rule: Code | None = Field(None, max_length=64)
    severity_rule: Code | None = Field(None, max_length=64)
    ingestible: bool = False
    fields: list[FieldIn] = Field(max_length=60)
    note: Text | None = Field(None, max_length=1000)

    def as_definition(self) -> dict:
        """The definition as stored: the keys given, as a catalogue file would hold them."""
        return self.model_dump(exclude_unset=True)


class LocalItemIn(BaseModel):
    definition: ItemDefinitionIn
    reason: Text = Field(max_length=1000)


class WithdrawIn(BaseModel):
    reason: Text = Field(max_length=1000)


class LocalItemOut(BaseModel):
    code: str
    name_zh: str
    name_en: str
    status: str
    version: int
    updated_at: dt.datetime
    definition: dict


class ChangeOut(BaseModel):
    path: str
    before: object = None
    after: object = None


class LocalVersionOut(BaseModel):
    version: int
    action: str
    reason: str
    author: str
    created_at: dt.datetime
    definition: dict
    changes: list[ChangeOut]
