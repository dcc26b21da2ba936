"""Free text that enters the platform: one screen, one set of types.

Every text input — request schemas, page forms, query and path parameters — is one of the
types below, so every one is checked the same way (a test walks the app and fails on a bare
``str``):

- control characters (C0 but tab and newlines, DEL, C1) and lone surrogates are refused:
  NUL breaks PostgreSQL, the others corrupt what pages and PDFs show;
- personal data the law forbids to collect (profile rule ``data.forbidden``: religious
  belief, genes, fingerprints, blood type, disease — FZ art. 11 para. 3) is refused in text
  that is published or shared, naming the class and never quoting the value; text kept
  confidential (complaints, evidence) takes it and is held out of every public and shared
  output by the confidentiality of its path.

Types: ``Text`` (published or shared free text), ``PrivateText`` (confidential free text:
control characters only), ``Code`` (codes, identifiers, dates, search terms: one line, screened
like Text), ``BulkCell`` (a batch cell, screened in bulk by ``xinyong.ingest.screening``, never
one value at a time).
"""
from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from typing import Annotated, Any

import polars as pl
from pydantic import GetCoreSchemaHandler, ValidationError
from pydantic_core import PydanticCustomError, core_schema

RULE_KEY = "data.forbidden"
CONTROL_PATTERN = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"  # the same in Python re and Rust regex
_CONTROL = re.compile(CONTROL_PATTERN)
_LINE_BREAK = re.compile(r"[\r\n\t]")
# removed by normalise(): whitespace, format (zero-width, BOM, bidi marks) and combining marks
NORMALISE_STRIP_PATTERN = r"[\s\p{Cf}\p{Mn}]"


def has_control_characters(*values: str | None) -> bool:
    """C0 controls (but tab and newlines), DEL, C1 controls and lone surrogates never enter
    stored text."""
    return any(v and (_CONTROL.search(v) or _has_surrogate(v)) for v in values)


def _has_surrogate(value: str) -> bool:
    return any(0xD800 <= ord(ch) <= 0xDFFF for ch in value)


def strip_control_characters(value: str) -> str:
    """For names the platform keeps but nobody typed as text (an uploaded file's name)."""
    return "".join(ch for ch in _CONTROL.sub("", value) if not 0xD800 <= ord(ch) <= 0xDFFF)


def normalised_expr(expr: pl.Expr) -> pl.Expr:
    """What a screen compares: NFKC (全角 -> ASCII, compatibility ideographs and Kangxi
    radicals -> their ideographs), lower case, and no whitespace, format (zero-width) or
    combining characters: 血 型, 血\u200b型 and ＤＮＡ read as 血型 and dna. One implementation
    for a request's text (``normalise``) and a batch's cells (xinyong.ingest.screening): with
    Python's own unicodedata beside it the two paths disagreed on characters newer than the
    Unicode edition Python ships (U+1E030 read as Cyrillic а in a batch, unchanged in a form)."""
    return expr.str.normalize("NFKC").str.to_lowercase().str.replace_all(NORMALISE_STRIP_PATTERN, "")


# text that ``normalised_expr`` leaves as it is: printable ASCII but upper-case letters and the
# space, CJK punctuation and brackets (U+3001-3003, U+3008-3011, U+3014-301B) and the CJK
# Unified Ideographs of Unicode 1.1 (U+4E00-9FA5). None of them changes under NFKC or lower
# case, none is whitespace, format or combining, and none is the second part of any canonical
# decomposition, so no two of them compose (tests/kit/test_text.py checks all three); the
# names and decision numbers that fill a batch are mostly such text.
ALREADY_NORMAL_PATTERN = r"^[!-@\[-~\x{3001}-\x{3003}\x{3008}-\x{3011}\x{3014}-\x{301B}\x{4E00}-\x{9FA5}]*$"
# text that ``normalised_expr`` only lower-cases: the same with the upper-case letters A-Z, which
# NFKC leaves as they are and which are never part of a composition either (tests/kit/test_text.py);
# decision numbers (泉税罚〔2026〕D1-0004060号) and licence numbers are mostly such text
LOWER_CASE_ONLY_PATTERN = r"^[!-~\x{3001}-\x{3003}\x{3008}-\x{3011}\x{3014}-\x{301B}\x{4E00}-\x{9FA5}]*$"


def normalise(text: str) -> str:
    """``normalised_expr`` of one text (screen keywords and headers, remembered: they recur)."""
    return _normalise_short(text) if len(text) <= 64 else _normalise(text)


def _normalise(text: str) -> str:
    return pl.select(normalised_expr(pl.lit(text, dtype=pl.String))).item()


_normalise_short = functools.lru_cache(maxsize=4096)(_normalise)


# ------------------------------------------------------------------ the forbidden classes
@dataclass(frozen=True)
class ForbiddenClass:
    code: str
    zh: str
    en: str
    header_keywords: tuple[str, ...]
    value_patterns: tuple[str, ...]

    @functools.cached_property
    def value_regex(self) -> re.Pattern:
        return re.compile("|".join(f"(?:{p})" for p in self.value_patterns))


@dataclass(frozen=True)
class ForbiddenData:
    """The profile's data.forbidden rule in usable form."""
    classes: tuple[ForbiddenClass, ...]
    exemptions: tuple[str, ...]
    citation: str

    @functools.cached_property
    def exemption_regex(self) -> re.Pattern | None:
        return re.compile("|".join(f"(?:{e})" for e in self.exemptions)) if self.exemptions else None

    def header_hit(self, header: str) -> ForbiddenClass | None:
        norm = normalise(header)
        return next((c for c in self.classes if any(normalise(k) in norm for k in c.header_keywords)), None)

    def value_hits(self, text: str) -> list[ForbiddenClass]:
        norm = normalise(text)
        if self.exemption_regex is not None:
            norm = self.exemption_regex.sub("", norm)
        return [c for c in self.classes if c.value_regex.search(norm)]


@functools.lru_cache(maxsize=16)
def forbidden_data(rule) -> ForbiddenData:
    """Built once per rule version (its compiled patterns with it): every text input uses it."""
    v = rule.value
    classes = tuple(ForbiddenClass(code, spec.get("zh", code), spec.get("en", code),
                                   tuple(spec.get("header_keywords", ())), tuple(spec.get("value_patterns", ())))
                    for code, spec in v.get("classes", {}).items())
    return ForbiddenData(classes, tuple(v.get("exemptions", ())), str(rule.citation))


def active_forbidden_data(on: dt.date | None = None) -> ForbiddenData | None:
    """The rule in force on ``on`` (today), else its newest version: the classes are the law's
    and an input is never taken unscreened because a rule version has not started yet."""
    from xinyong import clock
    from xinyong.law import active_profile
    profile = active_profile()
    try:
        return forbidden_data(profile.rule(RULE_KEY, on or clock.today()))
    except LookupError:
        versions = profile.versions(RULE_KEY)
        return forbidden_data(versions[-1]) if versions else None


def class_names(hits: list[ForbiddenClass], lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(c.zh if lang == "zh" else c.en for c in hits)


# ------------------------------------------------------------------ the types
MODES = ("public", "confidential", "code", "bulk")


@dataclass(frozen=True)
class TextRule:
    """The check an input text goes through; see the module docstring for the modes."""
    mode: str

    def __post_init__(self):
        if self.mode not in MODES:
            raise ValueError(f"unknown text mode {self.mode!r}")

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        schema = handler(source)
        if self.mode == "bulk":
            return schema
        return core_schema.no_info_after_validator_function(self.check, schema)

    def check(self, value: str | None) -> str | None:
        if value is None:
            return None
        if has_control_characters(value) or (self.mode == "code" and _LINE_BREAK.search(value)):
            raise PydanticCustomError("control_character", "含有控制字符或换行 / contains control characters")
        if self.mode in ("public", "code") and value:   # a code can be shown too (a commitment's number)
            screen = active_forbidden_data()
            hits = screen.value_hits(value) if screen else []
            if hits:
                raise PydanticCustomError(
                    "forbidden_data", "含有禁止采集的个人信息：{classes} / holds personal data the law forbids to "
                    "collect: {classes_en}",
                    {"classes": class_names(hits, "zh"), "classes_en": class_names(hits, "en"),
                     "codes": [c.code for c in hits], "citation": screen.citation})
        return value


Text = Annotated[str, TextRule("public")]
PrivateText = Annotated[str, TextRule("confidential")]
Code = Annotated[str, TextRule("code")]
BulkCell = Annotated[str, TextRule("bulk")]


def text_rule_of(metadata) -> TextRule | None:
    return next((m for m in metadata if isinstance(m, TextRule)), None)


# ------------------------------------------------------------------ errors people read
def problem_message(error: dict) -> tuple[str, str, str] | None:
    """(code, zh, en) for an error raised by a TextRule; None for other validation errors.
    Never quotes the value."""
    kind, ctx = error.get("type"), error.get("ctx") or {}
    if kind == "forbidden_data":
        return ("forbidden_data",
                f"含有禁止采集的{ctx.get('classes')}信息（{ctx.get('citation')}），不予接收，请删除后重新提交",
                f"holds {ctx.get('classes_en')}, personal data the law forbids to collect ({ctx.get('citation')}); "
                "remove it and submit again")
    if kind == "control_character":
        return "control_character", "含有控制字符（如 NUL）或不允许的换行", "contains control characters (e.g. NUL) or line breaks"
    return None


def _field_of(error: dict) -> str:
    return ".".join(str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path", "form"))


def describe_errors(errors: list[dict]) -> dict:
    """The error body for a set of validation errors: the first text problem, if any, names
    its class; otherwise the fields in error."""
    problems = []
    for e in errors:
        known = problem_message(e)
        problems.append({"field": _field_of(e), "code": known[0] if known else e.get("type", "invalid"),
                         "message": known[2] if known else e.get("msg", "")})
    from xinyong.web.wording import word   # a field is named by its label, never its code
    for e in errors:
        known = problem_message(e)
        if known:
            field = _field_of(e)
            zh, en = word("field", field, "zh", "输入内容"), word("field", field, "en", "An input")
            return {"code": known[0], "message": f"{zh}：{known[1]}", "message_en": f"{en}: {known[2]}",
                    "field": field, "details": {"problems": problems}}
    zh = "、".join(word("field", p["field"], "zh", "某项输入") for p in problems)
    en = ", ".join(word("field", p["field"], "en", "an input") for p in problems)
    return {"code": "invalid_input", "message": f"输入有误：{zh}", "message_en": f"invalid input: {en}",
            "field": problems[0]["field"] if problems else None, "details": {"problems": problems}}


def invalid_input(exc: ValidationError):
    """A pydantic ValidationError (a schema built by a page handler) as the InvalidInput error
    the pages show."""
    return _invalid(describe_errors(exc.errors()))


def _invalid(body: dict):
    from xinyong.kit.errors import InvalidInput
    return InvalidInput(body["message"], code=body["code"], field=body["field"] or None,
                        message_en=body["message_en"])


def screen_text(value: str, mode: str = "public", field: str = "text") -> str:
    """One value through its TextRule outside a schema (a form read field by field); raises
    InvalidInput naming the problem."""
    try:
        return TextRule(mode).check(value)
    except PydanticCustomError as exc:
        raise _invalid(describe_errors([{"type": exc.type, "ctx": exc.context, "loc": (field,),
                                         "msg": exc.message()}])) from None


async def screened_form(request, modes: dict[str, str] | None = None, default: str = "public"):
    """The page form helper for handlers that read a form whole (dynamic field names, files):
    every text value goes through its TextRule (``modes`` by field name, else ``default``);
    files are passed through. Returns a FormData of the screened values."""
    from starlette.datastructures import FormData
    form = await request.form()
    items = []
    for key, value in form.multi_items():
        if hasattr(value, "read"):
            items.append((key, value))
        else:
            items.append((key, screen_text(str(value), (modes or {}).get(key, default), field=key)))
    return FormData(items)


# ------------------------------------------------------------------ route parameters
# FastAPI drops an Annotated type's metadata when a parameter's default is Form(...),
# Query(...) or Path(...): these put the TextRule on the parameter itself.
def _param(factory, mode: str, *args, **kw):
    info = factory(*args, **kw)
    info.metadata.append(TextRule(mode))
    return info


def TextForm(default: Any = "", **kw):  # noqa: N802 (named like fastapi.Form)
    from fastapi import Form
    return _param(Form, "public", default, **kw)


def PrivateForm(default: Any = "", **kw):  # noqa: N802
    from fastapi import Form
    return _param(Form, "confidential", default, **kw)


def CodeForm(default: Any = "", **kw):  # noqa: N802
    from fastapi import Form
    return _param(Form, "code", default, **kw)


def CodeQuery(default: Any = None, **kw):  # noqa: N802
    from fastapi import Query
    return _param(Query, "code", default, **kw)


def CodePath(**kw):  # noqa: N802
    from fastapi import Path
    return _param(Path, "code", **kw)
