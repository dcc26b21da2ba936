"""Pure rules of the key occupational groups (QZ art. 30 para. 2): which catalogue items carry a
practitioner's profession, how a cell of the profession code table is read, and who reads which
group's records — a sector authority its own group only. Decisions carry their citation."""
from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from xinyong.catalogue.loader import Catalogue, CatalogueItem, FieldDef
from xinyong.law.loader import Profile

RULE_KEY = "occupation.groups"
ROLE = "profession"


@dataclass(frozen=True)
class GroupsPolicy:
    groups: tuple[str, ...]
    assigner_roles: tuple[str, ...]
    reader_roles: tuple[str, ...]
    citation: str


def policy(profile: Profile, on: dt.date) -> GroupsPolicy:
    rule = profile.rule(RULE_KEY, on)
    v = rule.value
    return GroupsPolicy(tuple(v["groups"]), tuple(v["assigner_roles"]), tuple(v["reader_roles"]), str(rule.citation))


def occupational_items(catalogue: Catalogue) -> list[CatalogueItem]:
    """The items whose records name a practitioner's group (a field in the role ``profession``)."""
    return [i for i in catalogue.items if i.field_by_role(ROLE) is not None]


def _plain(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text or "").split())


def parse_profession(field: FieldDef, text: str) -> str | None:
    """A cell of the profession code table -> the group it means (law, medicine, ...), or None.
    Read as NFKC without whitespace, through the table's other spellings (value_aliases)."""
    value = _plain(text)
    value = {_plain(k): v for k, v in field.value_aliases.items()}.get(value, value)
    return field.meanings.get(value)


def values_for(field: FieldDef, profession: str) -> list[str]:
    """The code-table values a record stores for one group."""
    return [code for code, meaning in field.meanings.items() if meaning == profession]


def read_refusal(pol: GroupsPolicy, *, role: str, competent_for: set[str], profession: str) -> str | None:
    """QZ art. 30 para. 2 (有关行业主管部门 … 重点职业人群的信用管理): a sector authority reads the
    records of the group it is competent for, no other; nobody else reads through this view."""
    if role not in pol.reader_roles:
        return "not_a_reader"
    if profession not in pol.groups:
        return "unknown_profession"
    if profession not in competent_for:
        return "not_competent"
    return None


def assign_refusal(pol: GroupsPolicy, *, role: str, agency_kind: str | None, agency_active: bool,
                   profession: str) -> str | None:
    """The credit department names a public body competent for a group."""
    if role not in pol.assigner_roles:
        return "not_an_assigner"
    if profession not in pol.groups:
        return "unknown_profession"
    if agency_kind != "public_body" or not agency_active:
        return "not_a_public_body"
    return None
