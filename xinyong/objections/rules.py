"""Objections (异议): who may object, on which grounds, with which evidence files, which
fields the source agency may correct and whether the new values are valid.

Pure functions, no I/O. Every decision carries its reason (zh and en) and the citation of the
profile rule it rests on (FZ art. 25; QZ art. 34; remedies QZ art. 38).
"""
from __future__ import annotations

import datetime as dt
import decimal
import re
from dataclasses import dataclass, field

from xinyong.law import Profile

WHO_KEY = "objection.who"
GROUNDS_KEY = "objection.grounds"
CORRECTABLE_KEY = "objection.correctable"
EVIDENCE_KEY = "objection.evidence"
REMEDIES_KEY = "objection.remedies"
OUTCOMES = ("corrected", "upheld")
# magic numbers of the evidence types the profile may allow
SIGNATURES = {"pdf": (b"%PDF-",), "png": (b"\x89PNG\r\n\x1a\n",), "jpg": (b"\xff\xd8\xff",)}
SUFFIXES = {"pdf": (".pdf",), "png": (".png",), "jpg": (".jpg", ".jpeg")}
DATE_FORMATS = (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"))


@dataclass(frozen=True)
class Decision:
    allowed: bool
    code: str
    reason_zh: str
    reason_en: str
    citation: str
    field: str | None = None


def _ok(citation: str, zh: str = "符合规定", en: str = "allowed") -> Decision:
    return Decision(True, "ok", zh, en, citation)


def _no(citation: str, code: str, zh: str, en: str, field: str | None = None) -> Decision:
    return Decision(False, code, zh, en, citation, field)


def citation_of(profile: Profile, key: str, on: dt.date) -> str:
    return str(profile.rule(key, on).citation)


# ---- who may object ------------------------------------------------------------------------------

def may_file(profile: Profile, on: dt.date, *, role: str, own_subject_id: int | None, record_subject_id: int,
             agent_ref: str = "") -> Decision:
    """FZ art. 25 / QZ art. 34: the information subject objects to its own records — itself, or
    through an agent at the service window who records the subject's written authorisation."""
    rule = profile.rule(WHO_KEY, on)
    cite, value = str(rule.citation), rule.value
    if role in value.get("self_roles", ()):
        if own_subject_id is None or own_subject_id != record_subject_id:
            return _no(cite, "not_own_record", "只能对本主体的信用记录提出异议",
                       "a subject objects only to its own records", "record")
        return _ok(cite, "信用主体本人提出异议", "the subject objects itself")
    if role in value.get("agent_roles", ()):
        if value.get("agent_needs_authorisation_ref") and not (agent_ref or "").strip():
            return _no(cite, "agent_needs_authorisation", "代为提出异议须登记信用主体的书面授权书编号",
                       "an agent must record the subject's written authorisation", "agent_authorisation_ref")
        return _ok(cite, "服务窗口受信用主体委托代为提出异议", "filed at the window on the subject's behalf")
    return _no(cite, "role_may_not_object", "只有信用主体本人或其委托的服务窗口可以提出异议",
               "only the subject, or the service window on its behalf, may object")


# ---- grounds and reasons -------------------------------------------------------------------------

def grounds_of(profile: Profile, on: dt.date) -> dict[str, dict[str, str]]:
    return dict(profile.rule(GROUNDS_KEY, on).value["grounds"])


def check_grounds(profile: Profile, on: dt.date, grounds: list[str], reasons: str) -> Decision:
    """The grounds the article names — error, omission, infringement of trade secrets, privacy or
    other lawful rights — and a statement of reasons."""
    rule = profile.rule(GROUNDS_KEY, on)
    cite, allowed = str(rule.citation), rule.value["grounds"]
    chosen = list(dict.fromkeys(g.strip() for g in grounds if g and g.strip()))
    if not chosen:
        return _no(cite, "no_grounds", "请勾选至少一项异议情形（错误、遗漏或侵犯合法权益）",
                   "tick at least one of the grounds (error, omission or infringement)", "grounds")
    unknown = [g for g in chosen if g not in allowed]
    if unknown:
        return _no(cite, "unknown_grounds", f"不属于法定异议情形：{'、'.join(unknown)}",
                   f"not a ground the regulation names: {', '.join(unknown)}", "grounds")
    text = (reasons or "").strip()
    low, high = int(rule.value.get("min_reasons_chars", 1)), int(rule.value.get("max_reasons_chars", 4000))
    if len(text) < low:
        return _no(cite, "reasons_too_short", f"请说明异议的具体理由（至少{low}个字）",
                   f"state the reasons (at least {low} characters)", "reasons")
    if len(text) > high:
        return _no(cite, "reasons_too_long", f"异议理由过长（至多{high}个字）",
                   f"the reasons are too long (at most {high} characters)", "reasons")
    names = "、".join(allowed[g]["zh"] for g in chosen)
    return _ok(cite, f"异议情形：{names}", "grounds: " + ", ".join(allowed[g]["en"] for g in chosen))


# ---- evidence files ------------------------------------------------------------------------------

@dataclass(frozen=True)
class EvidenceFile:
    filename: str
    size: int
    head: bytes          # the first bytes (at least 8) for the type check


@dataclass(frozen=True)
class EvidenceCheck:
    decision: Decision
    kinds: list[str] = field(default_factory=list)     # pdf | jpg | png per accepted file
    content_types: list[str] = field(default_factory=list)


def kind_of(filename: str, head: bytes) -> str | None:
    """The file's type when its name and its first bytes agree; None otherwise."""
    name = (filename or "").lower()
    for kind, signatures in SIGNATURES.items():
        if name.endswith(SUFFIXES[kind]) and any(head.startswith(s) for s in signatures):
            return kind
    return None


def check_evidence(profile: Profile, on: dt.date, files: list[EvidenceFile]) -> EvidenceCheck:
    """Evidence: only the profile's types (checked by content, not only by name), each within
    the size limit, at most so many files. No file is also allowed."""
    rule = profile.rule(EVIDENCE_KEY, on)
    cite, value = str(rule.citation), rule.value
    types, limit, count = dict(value["types"]), int(value["max_file_bytes"]), int(value["max_files"])
    if len(files) > count:
        return EvidenceCheck(_no(cite, "too_many_files", f"证明材料至多{count}个文件",
                                 f"at most {count} evidence files", "evidence"))
    kinds, ctypes = [], []
    for f in files:
        if f.size <= 0:
            return EvidenceCheck(_no(cite, "empty_file", f"文件为空：{f.filename}", f"empty file: {f.filename}",
                                     "evidence"))
        if f.size > limit:
            mb = limit / 1024 / 1024
            return EvidenceCheck(_no(cite, "file_too_large", f"文件超过{mb:g}MB：{f.filename}",
                                     f"file larger than {mb:g} MB: {f.filename}", "evidence"))
        kind = kind_of(f.filename, f.head)
        if kind is None or kind not in types:
            allowed = "/".join(k.upper() for k in types)
            return EvidenceCheck(_no(cite, "file_type", f"只接受 {allowed} 文件：{f.filename}",
                                     f"only {allowed} files are accepted: {f.filename}", "evidence"))
        kinds.append(kind)
        ctypes.append(types[kind])
    return EvidenceCheck(_ok(cite), kinds, ctypes)


# ---- corrections ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class FieldSpec:
    """A field of the record the source may correct: a typed column or a catalogue field."""
    code: str
    label: str
    type: str = "string"          # string | date | decimal | severity | enum
    required: bool = False
    typed: bool = False           # a column of the record (not in its fields JSON)
    choices: tuple[str, ...] = ()  # the catalogue's code table of an enum field
    label_en: str = ""             # the label in English (an English error names the field by it)

    @property
    def label_in_english(self) -> str:
        return self.label_en or self.label


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    old: str | None
    new: str | None
    typed: bool


@dataclass(frozen=True)
class CorrectionCheck:
    decision: Decision
    changes: list[Change] = field(default_factory=list)


def typed_fields(profile: Profile, on: dt.date) -> list[str]:
    return list(profile.rule(CORRECTABLE_KEY, on).value["typed"])


def parse_date(text: str) -> dt.date | None:
    """YYYY-MM-DD or YYYY/MM/DD (the 双公示 standard's two spellings); None if not a date."""
    for pattern in DATE_FORMATS:
        m = pattern.match(text.strip())
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                return None
    return None


def _normalise(spec: FieldSpec, raw: str, severities: list[str], today: dt.date) -> tuple[str | None, str | None]:
    """(normalised value, problem code) for one submitted value."""
    text = (raw or "").strip()
    if not text:
        return (None, "required") if spec.required else (None, None)
    if spec.type == "date":
        day = parse_date(text)
        if day is None:
            shaped = any(pattern.match(text) for pattern in DATE_FORMATS)   # "2021-13-40": the shape, no such day
            return None, "no_such_date" if shaped else "bad_date"
        if spec.code == "decision_date" and day > today:
            return None, "future_date"
        return day.isoformat(), None
    if spec.type == "severity":
        return (text, None) if text in severities else (None, "bad_severity")
    if spec.type == "enum":
        return (text, None) if text in spec.choices else (None, "bad_choice")
    if spec.type == "decimal":
        try:
            number = decimal.Decimal(text)
        except decimal.InvalidOperation:
            return None, "bad_number"
        return (str(number), None) if number.is_finite() and number >= 0 else (None, "bad_number")
    return text, None


PROBLEMS = {
    "required": ("该项不能为空", "this field cannot be empty"),
    "bad_date": ("日期格式应为 YYYY-MM-DD 或 YYYY/MM/DD", "a date must be YYYY-MM-DD or YYYY/MM/DD"),
    "no_such_date": ("日期不存在（请核对月份和日）", "no such date (check the month and the day)"),
    "future_date": ("决定日期不能晚于今天", "the decision date cannot be in the future"),
    "bad_severity": ("失信程度只能是 轻微(minor)、一般(general)、严重(serious)",
                     "severity must be minor, general or serious"),
    "bad_number": ("应为不小于零的数字", "must be a number not below zero"),
    "too_long": ("内容过长", "the value is too long"),
    "bad_choice": ("不是目录规定的代码值", "not a value of the catalogue's code table"),
}


def check_corrections(profile: Profile, on: dt.date, specs: dict[str, FieldSpec], current: dict[str, str | None],
                      submitted: dict[str, str]) -> CorrectionCheck:
    """The source agency's corrected values (FZ art. 25 要求更正; QZ art. 34): only correctable
    fields, each value valid, and at least one real change. ``current`` holds the record's
    values as text (dates ISO); the answer lists field-level old and new values."""
    rule = profile.rule(CORRECTABLE_KEY, on)
    cite, value = str(rule.citation), rule.value
    severities, longest = list(value["severities"]), int(value.get("max_value_chars", 2000))
    unknown = [f for f in submitted if f not in specs]
    if unknown:
        return CorrectionCheck(_no(cite, "not_correctable", f"以下字段不能更正：{'、'.join(unknown)}",
                                   f"these fields cannot be corrected: {', '.join(unknown)}", unknown[0]))
    changes = []
    for code, raw in submitted.items():
        spec = specs[code]
        if raw is not None and len(raw) > longest:
            zh, en = PROBLEMS["too_long"]
            return CorrectionCheck(_no(cite, "too_long", f"{spec.label}：{zh}", f"{spec.label_in_english}: {en}", code))
        new, problem = _normalise(spec, raw or "", severities, on)
        if problem:
            zh, en = PROBLEMS[problem]
            return CorrectionCheck(_no(cite, problem, f"{spec.label}：{zh}", f"{spec.label_in_english}: {en}", code))
        old = current.get(code)
        if (old or None) != new:
            changes.append(Change(code, spec.label, old, new, spec.typed))
    if not changes:
        return CorrectionCheck(_no(cite, "no_change", "更正须至少改变一个字段的值；信息无误请选择“维持”",
                                   "a correction must change at least one value; choose upheld if nothing is wrong",
                                   "changes"))
    return CorrectionCheck(_ok(cite, f"更正{len(changes)}个字段", f"{len(changes)} field(s) corrected"), changes)


def check_outcome(outcome: str, reasons: str) -> Decision:
    """Either way the subject is told the reasons (QZ art. 34; FZ art. 25)."""
    if outcome not in OUTCOMES:
        return _no("", "bad_outcome", "请选择处理结果：更正或维持", "Choose the outcome: corrected or upheld",
                   "outcome")
    if len((reasons or "").strip()) < 4:
        return _no("", "reasons_required", "请说明处理理由", "state the reasons for the outcome", "reasons")
    return _ok("")


def remedies(profile: Profile, on: dt.date) -> tuple[str, str, str]:
    """(zh, en, citation) of the remedies that remain after the result (QZ art. 38)."""
    rule = profile.rule(REMEDIES_KEY, on)
    return rule.value["zh"], rule.value["en"], str(rule.citation)
