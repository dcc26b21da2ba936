"""What a local supplementary item (地方补充目录) may be: pure checks, no I/O.

A local item is defined exactly as a catalogue file is (same keys, same checks as
xinyong.catalogue.loader), with three more limits: its code is not a national/file item's (a local
item may neither edit nor shadow one), its category is one of the national catalogue's, and its
publicity and severity rules are rules the platform already applies to a file item and that the
active law profile holds (a rule reference no code knows would be silently ignored)."""
from __future__ import annotations

import re

from xinyong.catalogue.loader import (Catalogue, CatalogueError, CatalogueItem, _check_item,  # noqa: PLC2701
                                      _load_field)

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,62}[a-z0-9]$")
TOP_KEYS = {"code", "name_zh", "name_en", "category", "order", "disclosure", "publicity_rule",
            "severity_rule", "ingestible", "fields", "note", "source", "credit_reporting", "decided_by_sender", "registers_subjects"}
FIELD_KEYS = {"code", "header_zh", "header_en", "type", "required", "aliases", "codes", "value_aliases",
              "multiple", "max_length", "data_class", "role", "note"}
MAX_FIELDS = 60


class LocalItemError(CatalogueError):
    status = 422
    code = "invalid_local_item"


class ShadowsNationalItem(LocalItemError):
    status = 409
    code = "shadows_national_item"


def rule_references(files: Catalogue, profile_keys: set[str]) -> dict[str, set[str]]:
    """The publicity and severity rules a local item may name: those file items use, in the profile."""
    publicity = {i.publicity_rule for i in files.items if i.publicity_rule} & profile_keys
    severity = {i.severity_rule for i in files.items if i.severity_rule} & profile_keys
    return {"publicity_rule": publicity, "severity_rule": severity}


def item_from_definition(definition: object, files: Catalogue, rules: dict[str, set[str]],
                         names_en: dict[str, str] | None = None) -> CatalogueItem:
    """The catalogue item a definition describes; LocalItemError naming every problem found."""
    if not isinstance(definition, dict):
        raise LocalItemError("信息项定义须为键值映射", message_en="an item definition must be a mapping")
    code = definition.get("code")
    if not isinstance(code, str) or not CODE_PATTERN.match(code):
        raise LocalItemError("代码须为 3–64 位小写字母、数字或下划线，以字母开头", field="code",
                             message_en="code: 3-64 lower-case letters, digits or _, starting with a letter")
    if any(i.code == code for i in files.items):
        raise ShadowsNationalItem(f"{code} 是国家目录（目录文件）中的信息项，地方补充目录不得修改或覆盖", field="code",
                                  message_en=f"{code} is a national (file) catalogue item; a local item may "
                                             "neither edit nor shadow it")
    problems = _shape_problems(definition, files, rules)
    if problems:
        raise LocalItemError("信息项定义有误：" + "；".join(problems),
                             message_en="invalid item definition: " + "; ".join(problems))
    return _build(definition, files, names_en or {})


def _shape_problems(d: dict, files: Catalogue, rules: dict[str, set[str]]) -> list[str]:
    p = [f"unknown key {k!r}" for k in sorted(set(d) - TOP_KEYS, key=str)]
    for key in ("name_zh", "name_en"):
        if not isinstance(d.get(key), str) or not d[key].strip() or len(d[key]) > 200:
            p.append(f"{key} must be 1-200 characters")
    if not isinstance(d.get("category"), str) or d["category"] not in {c.code for c in files.categories}:
        p.append(f"unknown category {d.get('category')!r}")
    if not isinstance(d.get("disclosure"), str):
        p.append("disclosure must be text")
    for key, allowed in rules.items():
        if d.get(key) is not None and (not isinstance(d.get(key), str) or d[key] not in allowed):
            p.append(f"{key} {d.get(key)!r} not one of {sorted(allowed)}")
    if not isinstance(d.get("ingestible", False), bool):
        p.append("ingestible must be true or false")
    for flag in ("credit_reporting", "decided_by_sender", "registers_subjects"):
        if not isinstance(d.get(flag, False), bool):
            p.append(f"{flag} must be true or false")
    if not isinstance(d.get("source", "public"), str):
        p.append("source must be text")
    if not isinstance(d.get("order", 0), int) or isinstance(d.get("order", 0), bool):
        p.append("order must be an integer")
    if d.get("note") is not None and not isinstance(d.get("note"), str):
        p.append("note must be text")
    fields = d.get("fields")
    if not isinstance(fields, list) or not fields or len(fields) > MAX_FIELDS:
        return [*p, f"fields must be a list of 1-{MAX_FIELDS} fields"]
    for n, f in enumerate(fields, start=1):
        p += _field_shape(f, n)
    return p


def _field_shape(f: object, n: int) -> list[str]:
    if not isinstance(f, dict):
        return [f"field {n} must be a mapping"]
    p = [f"field {n}: unknown key {k!r}" for k in sorted(set(f) - FIELD_KEYS, key=str)]
    for key in ("code", "header_zh", "type"):
        if not isinstance(f.get(key), str) or not f[key].strip():
            p.append(f"field {n}: {key} is required text")
    codes, aliases = f.get("codes") or [], f.get("aliases") or []
    if not isinstance(codes, list) or not all(_is_code_entry(e) for e in codes):
        p.append(f"field {n}: codes must be a list of values or {{value, maps_to}}")
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        p.append(f"field {n}: aliases must be a list of text")
    aliases = f.get("value_aliases") or {}
    if not isinstance(aliases, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in aliases.items()):
        p.append(f"field {n}: value_aliases must map text to text")
    for key in ("header_en", "role", "data_class", "note"):
        if f.get(key) is not None and not isinstance(f.get(key), str):
            p.append(f"field {n}: {key} must be text")
    for key in ("required", "multiple"):
        if not isinstance(f.get(key, False), bool):
            p.append(f"field {n}: {key} must be true or false")
    return p


def _is_code_entry(entry: object) -> bool:
    if isinstance(entry, dict):
        return (set(entry) <= {"value", "maps_to"} and isinstance(entry.get("value"), (str, int))
                and isinstance(entry.get("maps_to") or "", str))
    return isinstance(entry, (str, int))


def _build(d: dict, files: Catalogue, names_en: dict[str, str]) -> CatalogueItem:
    where = f"local item {d['code']}"
    category = next(c for c in files.categories if c.code == d["category"])
    try:
        item = CatalogueItem(
            code=d["code"], name_zh=d["name_zh"].strip(), name_en=d["name_en"].strip(), category=category,
            disclosure=d.get("disclosure"), publicity_rule=d.get("publicity_rule"),
            severity_rule=d.get("severity_rule"), ingestible=bool(d.get("ingestible", False)),
            fields=tuple(_load_field(f, where, names_en) for f in d["fields"]),
            order=int(d.get("order", 0)), note=d.get("note"), source=str(d.get("source", "public")),
            credit_reporting=bool(d.get("credit_reporting", False)),
            decided_by_sender=bool(d.get("decided_by_sender", False)),
            registers_subjects=bool(d.get("registers_subjects", False)))
        _check_item(item, where)
    except LocalItemError:
        raise
    except CatalogueError as exc:
        raise LocalItemError(f"信息项定义有误：{exc.message}", message_en=f"invalid item definition: {exc.message}") from None
    except (TypeError, ValueError, KeyError, AttributeError) as exc:   # a value of the wrong kind
        raise LocalItemError(f"信息项定义有误：{exc!r}", message_en=f"invalid item definition: {exc!r}") from None
    return item


def diff(before: dict | None, after: dict) -> list[dict]:
    """What one version changed against the one before: top-level keys, then fields by code."""
    before = before or {}
    out = [{"path": k, "before": before.get(k), "after": after.get(k)}
           for k in sorted((set(before) | set(after)) - {"fields"}, key=str) if before.get(k) != after.get(k)]
    old = {f.get("code"): f for f in before.get("fields") or [] if isinstance(f, dict)}
    new = {f.get("code"): f for f in after.get("fields") or [] if isinstance(f, dict)}
    for code in [*old, *(c for c in new if c not in old)]:
        if old.get(code) != new.get(code):
            out.append({"path": f"fields.{code}", "before": old.get(code), "after": new.get(code)})
    return out
