"""Jurisdiction profiles: the law kept as data.

A profile is a YAML file in ``profiles/`` declaring its regulations and its rules. Every rule
is a dated version of a key (``publicity.penalty``, ``masking.natural_person`` ...) with the
citation it rests on; the version applied to an act is the one in force on the act's date.
Rules may be split over fragment files ``profiles/<name>.d/*.yaml`` (one per domain).
A profile may ``inherits:`` another (``quanzhou`` and ``fuzhou`` inherit ``national``); a
profile's own versions of a key replace every inherited version of that key.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from xinyong.kit import yamlfiles

PROFILES_DIR = Path(__file__).resolve().parent / "profiles"
_DEFAULT_DIRECTORY = str(PROFILES_DIR)  # already resolved


NOT_IN_OUR_SOURCES = "not in our sources"
# rules whose only effect is to refuse what a subject applies for: each version declares the
# right it refuses, and the loader refuses one that rests on a text not in our sources
RIGHT_REFUSING_KEYS = frozenset({"repair.non_repairable", "repair.fraud_bar"})


class ProfileError(ValueError):
    """A profile is unknown or its file is malformed; the message names file and rule."""


class RuleNotInForce(LookupError):
    """No version of a rule key is in force on the requested date."""

    def __init__(self, key: str, on: dt.date, profile: str = "", detail: str = "") -> None:
        self.key, self.on, self.profile = key, on, profile
        where = f" in profile {profile!r}" if profile else ""
        msg = f"no version of rule {key!r} is in force on {on.isoformat()}{where}"
        super().__init__(f"{msg}: {detail}" if detail else msg)


@dataclass(frozen=True)
class Regulation:
    id: str
    title_zh: str
    title_en: str
    effective_from: dt.date | None
    effective_to: dt.date | None
    label_en: str = ""  # short English name for reasons, e.g. "NDRC Order 36"
    text: str = ""      # the file of its text in our sources (shared/law); "" = not in our sources
    doc_no_zh: str = ""  # its document number as cited after the title, e.g. 国家发展改革委令第36号

    @property
    def in_our_sources(self) -> bool:
        return bool(self.text)

    @property
    def label(self) -> str:
        return self.label_en or self.id


@dataclass(frozen=True)
class Citation:
    regulation_id: str
    regulation_title: str
    article: str = ""
    article_zh: str = ""
    note: str = ""
    # False when the text the rule rests on is not in our sources: the regulation's text is
    # missing, or the rule marks itself `source: not in our sources` (e.g. a city article that
    # defers to interim measures we do not have)
    sourced: bool = True

    def __str__(self) -> str:
        head = f"{self.regulation_id} {self.article}".strip()
        tail = f"{self.regulation_title} {self.article_zh}".strip()
        return f"{head} ({tail})" if tail else head


@dataclass(frozen=True)
class Rule:
    """One dated version of a rule. ``value`` is shared with the profile cache: read only.

    ``effective_from`` None means the version has no start (it covers every earlier date).
    """

    key: str
    effective_from: dt.date | None
    effective_to: dt.date | None
    citation: Citation
    value: dict[str, Any]
    source: str = ""  # the profile file that defined this version
    regulation_label: str = ""
    refuses: str = ""  # the right this rule can refuse (e.g. "repair"); needs a sourced citation

    def __hash__(self) -> int:  # value is a dict; a version is identified by key, start, source
        return hash((self.key, self.effective_from, self.source))

    def in_force(self, on: dt.date) -> bool:
        after_start = self.effective_from is None or self.effective_from <= on
        return after_start and (self.effective_to is None or on <= self.effective_to)


@dataclass(frozen=True, eq=False)
class Profile:
    name: str
    title_zh: str
    title_en: str
    regulations: dict[str, Regulation]
    lists_mode: str | None = None
    lists_mode_citation: Citation | None = None
    inherits: str | None = None
    _rules: dict[str, tuple[Rule, ...]] = field(default_factory=dict, repr=False)

    def rule(self, key: str, on: dt.date) -> Rule:
        """The version of ``key`` in force on ``on``; RuleNotInForce when there is none."""
        versions = self._rules.get(key)
        if not versions:
            raise RuleNotInForce(key, on, self.name, "the profile has no rule with this key")
        for version in versions:
            if version.in_force(on):
                return version
        spans = ", ".join(_span(v) for v in versions)
        raise RuleNotInForce(key, on, self.name, f"versions cover {spans}")

    def versions(self, key: str) -> list[Rule]:
        """Every version of ``key``, oldest first (empty when the key is unknown)."""
        return list(self._rules.get(key, ()))

    def keys(self) -> list[str]:
        return sorted(self._rules)

    def rules_in_force(self, on: dt.date) -> list[Rule]:
        """One rule per key in force on ``on``, sorted by key (keys not in force are left out)."""
        found = []
        for key in self.keys():
            found.extend(v for v in self._rules[key] if v.in_force(on))
        return found


def _span(rule: Rule) -> str:
    start = rule.effective_from.isoformat() if rule.effective_from else "(no start)"
    end = rule.effective_to.isoformat() if rule.effective_to else "(no end)"
    return f"{start}..{end}"


# --- parsing -------------------------------------------------------------------------------

def _date(raw: Any, where: str, what: str) -> dt.date | None:
    if raw is None:
        return None
    if isinstance(raw, dt.datetime):
        raise ProfileError(f"{where}: {what} must be a date, not a date-time ({raw!r})")
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, str):
        try:
            return dt.date.fromisoformat(raw.strip())
        except ValueError:
            pass
    raise ProfileError(f"{where}: {what} must be an ISO date (YYYY-MM-DD) or null, got {raw!r}")


def _text(raw: Any, where: str, what: str, required: bool = True) -> str:
    if raw is None and not required:
        return ""
    if not isinstance(raw, str) or (required and not raw.strip()):
        raise ProfileError(f"{where}: {what} must be a non-empty string, got {raw!r}")
    return raw.strip()


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yamlfiles.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ProfileError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ProfileError(f"{path}: a profile must be a YAML mapping")
    return data


def _parse_regulations(raw: Any, where: str) -> dict[str, Regulation]:
    if raw is None:
        return {}
    if not isinstance(raw, list):
        raise ProfileError(f"{where}: 'regulations' must be a list")
    found: dict[str, Regulation] = {}
    for i, item in enumerate(raw):
        here = f"{where}: regulations[{i}]"
        if not isinstance(item, dict):
            raise ProfileError(f"{here} must be a mapping")
        reg = Regulation(
            id=_text(item.get("id"), here, "id"),
            title_zh=_text(item.get("title_zh"), here, "title_zh"),
            title_en=_text(item.get("title_en"), here, "title_en"),
            effective_from=_date(item.get("effective_from"), here, "effective_from"),
            effective_to=_date(item.get("effective_to"), here, "effective_to"),
            label_en=_text(item.get("label_en"), here, "label_en", required=False),
            text=_text(item.get("text"), here, "text", required=False),
            doc_no_zh=_text(item.get("doc_no_zh"), here, "doc_no_zh", required=False),
        )
        if reg.id in found:
            raise ProfileError(f"{here}: regulation {reg.id!r} declared twice")
        found[reg.id] = reg
    return found


def _parse_citation(raw: Any, here: str, regulations: dict[str, Regulation]) -> Citation:
    if not isinstance(raw, dict):
        raise ProfileError(f"{here}: missing citation (a mapping with 'regulation' and 'article')")
    reg_id = _text(raw.get("regulation"), here, "citation.regulation")
    if reg_id not in regulations:
        known = ", ".join(sorted(regulations)) or "none"
        raise ProfileError(f"{here}: citation names unknown regulation {reg_id!r} (known: {known})")
    article = _text(raw.get("article"), here, "citation.article", required=False)
    article_zh = _text(raw.get("article_zh"), here, "citation.article_zh", required=False)
    note = _text(raw.get("note"), here, "citation.note", required=False)
    if not (article or article_zh or note):
        raise ProfileError(f"{here}: citation needs an article, or a note saying why there is none")
    source = raw.get("source")
    if source not in (None, NOT_IN_OUR_SOURCES):
        raise ProfileError(f"{here}: citation.source may only say {NOT_IN_OUR_SOURCES!r}, got {source!r}")
    sourced = regulations[reg_id].in_our_sources and source is None
    return Citation(reg_id, regulations[reg_id].title_zh, article, article_zh, note, sourced)


def _parse_rule(item: Any, here: str, regulations: dict[str, Regulation], source: str) -> Rule:
    if not isinstance(item, dict):
        raise ProfileError(f"{here} must be a mapping")
    key = _text(item.get("key"), here, "key")
    here = f"{here} ({key})"
    if "effective_from" not in item:
        raise ProfileError(f"{here}: effective_from is required (null means no start)")
    start = _date(item.get("effective_from"), here, "effective_from")
    end = _date(item.get("effective_to"), here, "effective_to")
    if start and end and end < start:
        raise ProfileError(f"{here}: effective_to {end} is before effective_from {start}")
    if "citation" not in item:
        raise ProfileError(f"{here}: missing citation")
    citation = _parse_citation(item["citation"], here, regulations)
    value = item.get("value")
    if not isinstance(value, dict):
        raise ProfileError(f"{here}: value must be a mapping")
    _check_json_compatible(value, f"{here}: value")
    _check_value(key, value, here)
    refuses = _text(item.get("refuses"), here, "refuses", required=False)
    if key in RIGHT_REFUSING_KEYS and not refuses:
        raise ProfileError(f"{here}: a {key} rule refuses a right: declare it with `refuses: <right>`")
    if refuses and not citation.sourced:
        raise ProfileError(f"{here}: refuses {refuses!r} on a reading not in our sources; an unsourced reading "
                           f"may not refuse a right (add the text to our sources, or drop the rule)")
    label = regulations[citation.regulation_id].label
    return Rule(key, start, end, citation, value, source, label, refuses)


def _check_json_compatible(value: Any, where: str) -> None:
    """Values are shown and stored as JSON: dates inside them must be quoted strings."""
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                raise ProfileError(f"{where}: key {k!r} must be a string (quote it)")
            _check_json_compatible(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check_json_compatible(v, f"{where}[{i}]")
    elif value is not None and not isinstance(value, (str, int, float, bool)):
        raise ProfileError(f"{where}: {value!r} is not JSON-compatible (quote dates)")


def _check_value(key: str, value: dict[str, Any], here: str) -> None:
    """Schema checks for the keys other modules compute with."""
    if key == "publicity.penalty":
        by_sev = value.get("by_severity")
        if not isinstance(by_sev, dict) or set(by_sev) != {"minor", "general", "serious"}:
            raise ProfileError(f"{here}: by_severity must define exactly minor, general, serious")
        for sev, spec in by_sev.items():
            lo, hi = spec.get("min_months"), spec.get("max_months")
            ok = isinstance(spec.get("published"), bool) and all(
                isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in (lo, hi))
            if not ok or lo > hi:
                raise ProfileError(f"{here}: by_severity.{sev} needs published (bool) and "
                                   f"0 <= min_months <= max_months (ints)")
        sectors = value.get("sector_min_months")
        if not isinstance(sectors, dict) or not all(
                isinstance(n, int) and n >= 0 for n in sectors.values()):
            raise ProfileError(f"{here}: sector_min_months must map sector -> months")
    elif key == "data.forbidden":
        _check_forbidden(value, here)
    elif key == "publicity.licence":
        if value.get("until") != "valid_to":
            raise ProfileError(f"{here}: until must be 'valid_to'")
        if not isinstance(value.get("long_term_date"), str):
            raise ProfileError(f"{here}: long_term_date must be a quoted ISO date")
        _date(value["long_term_date"], here, "long_term_date")
        months = value.get("default_months")
        if months is not None and (not isinstance(months, int) or months < 0):
            raise ProfileError(f"{here}: default_months must be null or a non-negative int")


def _check_overlaps(rules: dict[str, list[Rule]], where: str) -> dict[str, tuple[Rule, ...]]:
    ordered: dict[str, tuple[Rule, ...]] = {}
    for key, versions in rules.items():
        versions = sorted(versions, key=lambda r: r.effective_from or dt.date.min)
        for earlier, later in zip(versions, versions[1:]):
            earlier_end = earlier.effective_to or dt.date.max
            later_start = later.effective_from or dt.date.min
            if later_start <= earlier_end:
                raise ProfileError(
                    f"{where}: rule {key!r} has overlapping versions "
                    f"{_span(earlier)} and {_span(later)}")
        ordered[key] = tuple(versions)
    return ordered


def load_profile(name: str, directory: Path | str | None = None, _chain: tuple = ()) -> Profile:
    """Parse ``<directory>/<name>.yaml`` and its ancestors (no cache; see get_profile)."""
    directory = Path(directory) if directory is not None else PROFILES_DIR
    path = directory / f"{name}.yaml"
    if name in _chain:
        raise ProfileError(f"{path}: inheritance cycle {' -> '.join(_chain + (name,))}")
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in directory.glob("*.yaml"))) or "none"
        raise ProfileError(f"unknown profile {name!r}: no {path} (available: {known})")
    data = _read_yaml(path)
    where = str(path)
    if data.get("profile", name) != name:
        raise ProfileError(f"{where}: declares profile {data.get('profile')!r}, file name says {name!r}")
    parent_name = data.get("inherits")
    parent = load_profile(parent_name, directory, _chain + (name,)) if parent_name else None

    own_regs = _parse_regulations(data.get("regulations"), where)
    regulations = {**(parent.regulations if parent else {}), **own_regs}
    # a profile's rules may be split over fragments in <name>.d/*.yaml (one per domain);
    # a fragment may declare more regulations and holds only rules
    fragments = [(where, data)] + [(str(p), _read_yaml(p)) for p in sorted((directory / f"{name}.d").glob("*.yaml"))]
    for frag_where, frag in fragments[1:]:
        extra = set(frag) - {"regulations", "rules"}
        if extra:
            raise ProfileError(f"{frag_where}: a fragment holds only regulations and rules, not {sorted(extra)}")
        for reg_id, reg in _parse_regulations(frag.get("regulations"), frag_where).items():
            if reg_id in own_regs:
                raise ProfileError(f"{frag_where}: regulation {reg_id!r} declared twice")
            own_regs[reg_id] = regulations[reg_id] = reg
    rules: dict[str, list[Rule]] = {}
    for frag_where, frag in fragments:
        raw_rules = frag.get("rules") or []
        if not isinstance(raw_rules, list):
            raise ProfileError(f"{frag_where}: 'rules' must be a list")
        for i, item in enumerate(raw_rules):
            rule = _parse_rule(item, f"{frag_where}: rules[{i}]", regulations, name)
            rules.setdefault(rule.key, []).append(rule)
    merged = {k: list(v) for k, v in (parent._rules if parent else {}).items()}
    merged.update(rules)  # own versions of a key replace every inherited version of it

    lists_cite = data.get("lists_mode_citation")
    return Profile(
        name=name,
        title_zh=_text(data.get("title_zh"), where, "title_zh"),
        title_en=_text(data.get("title_en"), where, "title_en"),
        regulations=regulations,
        lists_mode=data.get("lists_mode") or (parent.lists_mode if parent else None),
        lists_mode_citation=(_parse_citation(lists_cite, f"{where}: lists_mode_citation", regulations)
                             if lists_cite else (parent.lists_mode_citation if parent else None)),
        inherits=parent_name,
        _rules=_check_overlaps(merged, where),
    )


def _check_forbidden(value: dict[str, Any], here: str) -> None:
    """The forbidden classes screen every input text (xinyong.kit.text): a class without its
    names, or a pattern that does not compile, must fail at load, not at the first request."""
    classes = value.get("classes")
    if not isinstance(classes, dict) or not classes:
        raise ProfileError(f"{here}: classes must map class code -> spec")
    if not all(isinstance(e, str) and e for e in value.get("exemptions", [])):
        raise ProfileError(f"{here}: exemptions must be non-empty strings")
    for pattern in value.get("exemptions", []):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ProfileError(f"{here}: exemption {pattern!r} does not compile: {exc}") from None
    for code, spec in classes.items():
        if not isinstance(spec, dict) or not all(isinstance(spec.get(k), str) for k in ("zh", "en")):
            raise ProfileError(f"{here}: class {code} needs zh and en names")
        for list_key in ("header_keywords", "value_patterns"):
            items = spec.get(list_key, [])
            if not isinstance(items, list) or not all(isinstance(i, str) and i for i in items):
                raise ProfileError(f"{here}: class {code}: {list_key} must be a list of non-empty strings")
        for pattern in spec.get("value_patterns", []):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ProfileError(f"{here}: class {code}: pattern {pattern!r} does not compile: {exc}") from None


@functools.lru_cache(maxsize=32)
def _cached_profile(name: str, directory: str) -> Profile:
    return load_profile(name, directory)


def get_profile(name: str, directory: Path | str | None = None) -> Profile:
    """The named profile, parsed once and cached (``reset_profiles`` forgets the cache)."""
    if not isinstance(name, str) or not name.strip():
        raise ProfileError(f"a profile name is required, got {name!r}")
    # resolving a path costs a dozen lstat calls (~75 us): the rules are read several times a request
    where = _DEFAULT_DIRECTORY if directory is None else str(Path(directory).resolve())
    return _cached_profile(name.strip().lower(), where)


def active_profile() -> Profile:
    """The profile named by the settings (XINYONG_PROFILE, default ``quanzhou``)."""
    from xinyong.config import get_settings

    name = get_settings().profile
    try:
        return get_profile(name)
    except ProfileError as exc:
        raise ProfileError(f"XINYONG_PROFILE={name!r} cannot be used: {exc}") from exc


def available_profiles(directory: Path | str | None = None) -> list[str]:
    directory = Path(directory) if directory is not None else PROFILES_DIR
    return sorted(p.stem for p in directory.glob("*.yaml"))


def reset_profiles() -> None:
    """Forget parsed profiles (tests edit profile files or switch the active profile)."""
    _cached_profile.cache_clear()
