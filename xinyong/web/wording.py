"""Codes in the words a reader knows, in each language: the one place a page, an error or a PDF
turns a stored code (a role, a basis of access, a state, an error code ...) into words.

The words are data in messages/wording.yaml (keys ``<group>.<code>``) next to the older code
groups of messages.yaml (``access.role.<code>``, ``severity.<code>`` ...), named in GROUPS so a
caller says what the code is, not where its words live. A code without words is shown as
"—" (never the code itself) and the words test (tests/web/test_words.py) names it."""
from __future__ import annotations

import functools
import re

from xinyong.web.i18n import messages

# group -> the messages key prefix holding its words
GROUPS = {
    "role": "access.role",            # users.role, access_log.role
    "actor": "actor",                 # who did something: subject, self, public, staff, platform ...
    "basis": "access.basis",          # access_log.basis_kind
    "severity": "severity",
    "subject_kind": "kind",
    "error": "error.code",            # XinyongError.code
    "channel": "channel",
    "outcome": "outcome",
    "field": "field",                 # a form or API input, by its parameter name
    "holiday": "holiday",             # calendar_days.name as the holiday package names it
    "org_kind": "agency_kind",        # agencies.kind
}


def word(group: str, code: str | None, lang: str = "zh", default: str = "—") -> str:
    """The words of ``code`` in ``group`` (``default`` for an empty or unknown code)."""
    if not code:
        return default
    entry = messages().get(f"{GROUPS[group]}.{code}")
    if entry is None:
        return default
    return entry.get(lang) or entry["zh"]


def known_codes() -> set[str]:
    """Every code that has words: shown as text alone, it is a code that escaped its words."""
    prefixes = tuple(p + "." for p in GROUPS.values())
    return {code for key in messages() if key.startswith(prefixes)
            for code in [key.rsplit(".", 1)[1]] if re.fullmatch(r"[a-z][a-z0-9_]*", code)}


@functools.lru_cache(maxsize=1)
def _field_labels_en() -> dict[str, str]:
    from xinyong.catalogue import get_catalogue
    return {f.header_zh: f.header_en for item in get_catalogue().items for f in item.fields if f.header_en}


def field_label(header: str | None, lang: str = "zh") -> str:
    """A catalogue field named by its header (as stored with a record or a form) in the reader's
    language: validation errors, record facts and correction forms name a field by this label."""
    if not header:
        return ""
    return _field_labels_en().get(header, header) if lang == "en" else header


@functools.lru_cache(maxsize=1)
def _item_names() -> dict[str, tuple[str, str]]:
    from xinyong.catalogue import get_catalogue
    return {i.code: (i.name_zh, i.name_en or i.name_zh) for i in get_catalogue().items}


def item_name(code: str | None, lang: str = "zh") -> str:
    """A catalogue item (penalty, contract_performance ...) by its name in the reader's language;
    "—" for an unknown code, never the code itself."""
    names = _item_names().get(code or "")
    return "—" if names is None else names[lang == "en"]


@functools.lru_cache(maxsize=1)
def _legal_basis_names() -> dict[str, dict[str, str]]:
    """Every legal basis of query (profile rule ``query.legal_bases``, each version) by its id."""
    from xinyong.law import active_profile
    profile = active_profile()
    return {b["id"]: b["name"] for rule in profile.versions("query.legal_bases")
            for b in (rule.value or {}).get("bases", ()) if isinstance(b.get("name"), dict)}


def legal_basis_name(basis_id: str | None, lang: str = "zh") -> str | None:
    """A legal basis of query (civil_court_inquiry ...) by its name in the reader's language."""
    name = _legal_basis_names().get(basis_id or "")
    return None if name is None else (name.get(lang) or name["zh"])


def basis_reference(kind: str | None, ref: str | None, lang: str = "zh") -> str:
    """What an access log keeps beside its basis, for a reader: a legal basis is stored as
    "<basis id>: <document number>" and is shown by the basis's name."""
    if not ref:
        return ""
    if kind == "legal_basis":
        basis_id, sep, reference = ref.partition(":")
        name = legal_basis_name(basis_id.strip(), lang)
        if name is not None:
            return f"{name}{'：' if lang == 'zh' else ': '}{reference.strip()}" if sep else name
    return ref


_HAN = re.compile(r"[\u4e00-\u9fff]")


def account_name(name: str | None, lang: str = "zh") -> str:
    """An account's display name in the reader's language when it is kept in both, written
    "中文 / English" (the demo's "平台管理员 / administrator"); any other name as it is."""
    if not name:
        return ""
    parts = [p.strip() for p in name.split(" / ")]
    if len(parts) == 2 and all(parts) and _HAN.search(parts[0]) and not _HAN.search(parts[1]):
        return parts[0] if lang == "zh" else parts[1]
    return name
