"""The 公共信用信息目录 (public credit information catalogue), loaded from YAML data.

Nothing outside the catalogue may be collected (national rule), so ingestion maps every
incoming column through an item's fields; anything else is ignored and never stored.
One YAML file per information item in ``items/``; ``items/_categories.yaml`` holds the 13
national categories (2024 edition). Files starting with ``_`` are not items.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from xinyong.kit import yamlfiles

from xinyong.kit.errors import XinyongError

ITEMS_DIR = Path(__file__).parent / "items"
FIELD_TYPES = {"text", "date", "decimal", "enum", "uscc", "resident_id", "subject_kind"}
DATA_CLASSES = {None, "sensitive_identifier"}
DISCLOSURES = {"public", "on_application", "shared", "authorisation_required", "market"}
# who shares an item: public bodies (公共信用信息) or market providers (市场信用信息, QZ art. 12)
SOURCES = {"public", "market"}
ROLES = {
    "subject_name", "subject_kind", "subject_uscc", "subject_other_code", "subject_id_type",
    "subject_id_number", "legal_rep_name", "legal_rep_id_type", "legal_rep_id_number",
    "decision_no", "decision_date", "penalty_kinds", "fine_wan", "valid_to",
    "source_agency_uscc", "deciding_agency_uscc", "explicit_severity",
    "profession",   # the key occupational group of a practitioner (QZ art. 30 para. 2)
}
MULTI_ROLES = {"subject_other_code"}  # 行政相对人代码_2 … _6 all play this role
INGESTIBLE_NEEDS = ("subject_name", "subject_kind", "decision_no", "decision_date")
# code-table meanings the platform understands, per role
MEANINGS = {
    "subject_kind": {"legal_person", "natural_person", "individual_business"},
    "explicit_severity": {"minor", "general", "serious"},
    "subject_id_type": {"resident_id"},
    "legal_rep_id_type": {"resident_id"},
    "profession": {"law", "finance", "accounting", "audit", "medicine", "education", "domestic_services",
                   "construction", "ecology", "platform_economy"},
}


class CatalogueError(XinyongError):
    status = 404
    code = "catalogue_error"


def normalise_header(header: str) -> str:
    """Compare headers as NFKC without whitespace: 罚款金额（万元） == 罚款金额(万元)."""
    text = unicodedata.normalize("NFKC", header.replace("\ufeff", ""))
    return "".join(text.split())


@dataclass(frozen=True)
class Category:
    code: str
    name_zh: str
    name_en: str
    order: int

    def __str__(self) -> str:
        return f"{self.name_zh} / {self.name_en}"


@dataclass(frozen=True)
class FieldDef:
    code: str
    header_zh: str
    type: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()                 # code table (enum, subject_kind)
    meanings: dict[str, str] = field(default_factory=dict)        # code -> platform meaning
    value_aliases: dict[str, str] = field(default_factory=dict)   # other spelling -> code
    multiple: bool = False                      # several codes in one cell (处罚类别)
    max_length: int | None = None
    data_class: str | None = None
    role: str | None = None
    note: str | None = None
    header_en: str = ""                         # its label in English (items/_field_names.yaml)

    def label(self, lang: str = "zh") -> str:
        """The field named for a reader: the header as the standard spells it, or its English label."""
        return self.header_en if lang == "en" and self.header_en else self.header_zh

    @property
    def headers(self) -> tuple[str, ...]:
        return (self.header_zh, *self.aliases)

    @property
    def sensitive(self) -> bool:
        return self.data_class == "sensitive_identifier"


@dataclass(frozen=True)
class CatalogueItem:
    code: str
    name_zh: str
    name_en: str
    category: Category
    disclosure: str
    publicity_rule: str | None
    severity_rule: str | None
    ingestible: bool
    fields: tuple[FieldDef, ...]
    order: int = 0
    note: str | None = None
    source: str = "public"              # public | market (shared by a provider under authorisation)
    # a row names its deciding body (role deciding_agency_uscc), and only that body may send it:
    # an entry it decided by its own procedure (a listing: QZ art. 22-23), never one relayed for another
    decided_by_sender: bool = False
    # its rows are the registration authority's: their legal representative replaces a subject's
    # (any other item's sets one only where a subject has none)
    registers_subjects: bool = False
    credit_reporting: bool = False      # collecting it is 征信业务 (FZ art. 10 para. 3)

    def field(self, code: str) -> FieldDef:
        for f in self.fields:
            if f.code == code:
                return f
        raise CatalogueError(f"unknown field {code!r} in catalogue item {self.code}")

    def field_by_role(self, role: str) -> FieldDef | None:
        return next((f for f in self.fields if f.role == role), None)

    def fields_by_role(self, role: str) -> list[FieldDef]:
        return [f for f in self.fields if f.role == role]

    def header_map(self) -> dict[str, FieldDef]:
        """Every accepted header and alias, as declared and normalised, -> its field."""
        out: dict[str, FieldDef] = {}
        for f in self.fields:
            for h in f.headers:
                out[h] = f
                out[normalise_header(h)] = f
        return out

    def field_for_header(self, header: str) -> FieldDef | None:
        return self.header_map().get(normalise_header(header))

    def resolve_headers(self, headers: list[str]) -> tuple[dict[str, str], list[str], list[str]]:
        """({field code: header}, headers outside the item, "a / b" for two headers naming
        one field). Nothing outside the catalogue may be collected (national rule)."""
        header_map = self.header_map()
        mapping: dict[str, str] = {}
        unknown, clashes = [], []
        for header in headers:
            f = header_map.get(normalise_header(header))
            if f is None:
                unknown.append(header)
            elif f.code in mapping:
                clashes.append(f"{mapping[f.code]} / {header}")
            else:
                mapping[f.code] = header
        return mapping, unknown, clashes

    @property
    def required_fields(self) -> list[FieldDef]:
        return [f for f in self.fields if f.required]


@dataclass(frozen=True)
class Catalogue:
    items: list[CatalogueItem]
    categories: list[Category]

    def get(self, code: str) -> CatalogueItem:
        for item in self.items:
            if item.code == code:
                return item
        raise CatalogueError(f"unknown catalogue item: {code}")

    @property
    def ingestible(self) -> list[CatalogueItem]:
        return [i for i in self.items if i.ingestible]


@lru_cache(maxsize=1)
def file_catalogue() -> Catalogue:
    """The items of the catalogue files alone (national items; never edited from a page)."""
    return load_catalogue(ITEMS_DIR)


def get_catalogue() -> Catalogue:
    """The catalogue in use: the file items plus, inside a request, job or command, the current
    local supplementary items (地方补充目录) kept in the database (xinyong.catalogue.local)."""
    from xinyong.catalogue.local.merge import with_local_items
    return with_local_items(file_catalogue())


def load_catalogue(directory: Path) -> Catalogue:
    directory = Path(directory)
    categories = _load_categories(directory / "_categories.yaml")
    names = directory / "_field_names.yaml"
    names_en = (_read_yaml(names).get("field_names_en") or {}) if names.is_file() else {}
    items = [_load_item(p, categories, names_en) for p in sorted(directory.glob("*.yaml"))
             if not p.name.startswith("_")]
    codes = [i.code for i in items]
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    if duplicates:
        raise CatalogueError(f"duplicate catalogue item codes: {', '.join(duplicates)}")
    items.sort(key=lambda i: (i.category.order, i.order, i.code))
    return Catalogue(items=items, categories=sorted(categories.values(), key=lambda c: c.order))


def _read_yaml(path: Path) -> dict:
    try:
        data = yamlfiles.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogueError(f"{path.name}: cannot read catalogue YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise CatalogueError(f"{path.name}: expected a mapping at the top level")
    return data


def _load_categories(path: Path) -> dict[str, Category]:
    data = _read_yaml(path)
    out = {}
    for n, c in enumerate(data.get("categories") or [], start=1):
        cat = Category(code=c["code"], name_zh=c["name_zh"], name_en=c["name_en"], order=n)
        if cat.code in out:
            raise CatalogueError(f"{path.name}: duplicate category {cat.code}")
        out[cat.code] = cat
    if not out:
        raise CatalogueError(f"{path.name}: no categories")
    return out


def _load_item(path: Path, categories: dict[str, Category], names_en: dict[str, str] | None = None) -> CatalogueItem:
    d = _read_yaml(path)
    where = f"{path.name}"
    if d.get("category") not in categories:
        raise CatalogueError(f"{where}: unknown category {d.get('category')!r} (known: {', '.join(categories)})")
    try:
        category = categories[d["category"]]
        item = CatalogueItem(
            code=d["code"], name_zh=d["name_zh"], name_en=d["name_en"], category=category,
            disclosure=d["disclosure"], publicity_rule=d.get("publicity_rule"),
            severity_rule=d.get("severity_rule"), ingestible=bool(d.get("ingestible", False)),
            fields=tuple(_load_field(f, where, names_en or {}) for f in d["fields"]),
            order=int(d.get("order", 0)), note=d.get("note"), source=str(d.get("source", "public")),
            credit_reporting=bool(d.get("credit_reporting", False)),
            decided_by_sender=bool(d.get("decided_by_sender", False)),
            registers_subjects=bool(d.get("registers_subjects", False)))
    except KeyError as exc:
        raise CatalogueError(f"{where}: missing or unknown key {exc}") from None
    _check_item(item, where)
    return item


def _load_field(f: dict, where: str, names_en: dict[str, str]) -> FieldDef:
    codes, meanings = [], {}
    for entry in f.get("codes") or []:
        value = entry["value"] if isinstance(entry, dict) else entry
        codes.append(str(value))
        if isinstance(entry, dict) and entry.get("maps_to"):
            meanings[str(value)] = entry["maps_to"]
    try:
        return FieldDef(
            code=f["code"], header_zh=f["header_zh"], type=f["type"],
            required=bool(f.get("required", False)), aliases=tuple(f.get("aliases") or ()),
            codes=tuple(codes), meanings=meanings,
            value_aliases=dict(f.get("value_aliases") or {}), multiple=bool(f.get("multiple", False)),
            max_length=f.get("max_length"), data_class=f.get("data_class"), role=f.get("role"),
            note=f.get("note"), header_en=str(f.get("header_en") or names_en.get(f["header_zh"], "")))
    except KeyError as exc:
        raise CatalogueError(f"{where}: field {f.get('code', '?')} lacks {exc}") from None


def _check_item(item: CatalogueItem, where: str) -> None:
    problems = []
    if item.disclosure not in DISCLOSURES:
        problems.append(f"disclosure {item.disclosure!r} not in {sorted(DISCLOSURES)}")
    if item.source not in SOURCES or (item.source == "market") != (item.disclosure == "market"):
        problems.append(f"source {item.source!r}: a market item (and only one) has disclosure market")
    seen_codes, seen_headers, seen_roles = set(), {}, set()
    for f in item.fields:
        problems += _field_problems(f)
        if f.code in seen_codes:
            problems.append(f"duplicate field code {f.code}")
        seen_codes.add(f.code)
        for h in f.headers:
            other = seen_headers.setdefault(normalise_header(h), f.code)
            if other != f.code:
                problems.append(f"header {h!r} used by both {other} and {f.code}")
        if f.role and f.role not in MULTI_ROLES:
            if f.role in seen_roles:
                problems.append(f"role {f.role} given to more than one field")
            seen_roles.add(f.role)
    if item.ingestible:
        missing = [r for r in INGESTIBLE_NEEDS if r not in seen_roles]
        if missing:
            problems.append(f"ingestible item lacks roles: {', '.join(missing)}")
    if problems:
        raise CatalogueError(f"{where} ({item.code}): " + "; ".join(problems))


def _field_problems(f: FieldDef) -> list[str]:
    p = []
    if f.type not in FIELD_TYPES:
        p.append(f"field {f.code}: type {f.type!r} not in {sorted(FIELD_TYPES)}")
    if f.type in ("enum", "subject_kind") and not f.codes:
        p.append(f"field {f.code}: {f.type} needs a code table (codes)")
    if f.data_class not in DATA_CLASSES:
        p.append(f"field {f.code}: data_class {f.data_class!r} not allowed")
    if f.role is not None and f.role not in ROLES:
        p.append(f"field {f.code}: unknown role {f.role!r}")
    # an item for one kind of subject only (natural persons: QZ art. 30 para. 2) lists that kind alone
    if f.type == "subject_kind" and (not f.meanings or len(f.meanings) != len(f.codes)
                                     or not set(f.meanings.values()) <= MEANINGS["subject_kind"]):
        p.append(f"field {f.code}: subject_kind codes must map to {sorted(MEANINGS['subject_kind'])}, each code to one")
    allowed = MEANINGS.get(f.role or "", set())
    for code, meaning in f.meanings.items():
        if meaning not in allowed:
            p.append(f"field {f.code}: code {code} maps to {meaning!r}, not one of {sorted(allowed)}")
    for alias, target in f.value_aliases.items():
        if target not in f.codes:
            p.append(f"field {f.code}: value alias {alias} -> {target} is not in the code table")
    if f.max_length is not None and (not isinstance(f.max_length, int) or f.max_length < 1):
        p.append(f"field {f.code}: max_length must be a positive integer")
    return p
