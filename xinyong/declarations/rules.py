"""Pure rules of self-declared information (自主申报): QZ art. 13 — a subject provides its own
market credit information by statement, voluntary registration or self-report and guarantees
it is lawful, true and accurate; the platform labels it. FZ art. 10 para. 2 — the same, by
statement, self-report or social commitment, lawful, true and complete. Forms, categories,
lengths, label and pledge texts are profile data; every decision carries its citation."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from xinyong.audit.rules import looks_like_resident_id
from xinyong.kit.text import has_control_characters
from xinyong.law.loader import Profile
from xinyong.kit.names import Name

RULE_KEY = "declarations.policy"
REASON_MAX = 500


@dataclass(frozen=True)
class DeclarationPolicy:
    forms: dict[str, Name]
    categories: dict[str, Name]
    title_max: int
    content_max: int
    label: Name
    pledge: Name
    public_by_default: bool
    not_public_kinds: tuple[str, ...]
    citation: str


def policy(profile: Profile, on: dt.date) -> DeclarationPolicy:
    """The declarations rule in force on `on` (RuleNotInForce when there is none)."""
    return _policy(profile.rule(RULE_KEY, on))


def latest_policy(profile: Profile) -> DeclarationPolicy | None:
    """The newest version of the rule, in force or not: what labels declarations already made
    when none is in force today (None: the profile has no such rule)."""
    versions = profile.versions(RULE_KEY)
    return _policy(versions[-1]) if versions else None


def _policy(rule) -> DeclarationPolicy:
    v = rule.value
    return DeclarationPolicy(
        forms={code: Name(n["zh"], n["en"]) for code, n in v["forms"].items()},
        categories={code: Name(n["zh"], n["en"]) for code, n in v["categories"].items()},
        title_max=int(v["title_max"]), content_max=int(v["content_max"]),
        label=Name(v["label"]["zh"], v["label"]["en"]), pledge=Name(v["pledge"]["zh"], v["pledge"]["en"]),
        public_by_default=bool(v["public_by_default"]), not_public_kinds=tuple(v.get("not_public_kinds", ())),
        citation=str(rule.citation))


@dataclass(frozen=True)
class Problem:
    field: str
    code: str
    en: str
    zh: str


def declaration_problem(pol: DeclarationPolicy, *, form: str, category: str, title: str, content: str,
                        pledge_accepted: bool) -> Problem | None:
    """QZ art. 13 / FZ art. 10 para. 2: one of the forms the article names, a category the
    profile lists, a title and content within the profile's lengths, and the subject's pledge
    that the information is lawful, true and accurate (complete). The first problem is named."""
    for name, value in (("form", form), ("category", category), ("title", title), ("content", content)):
        if has_control_characters(value):
            return Problem(name, "control_character", f"{name} may not contain control characters", "文本含有非法字符")
    if form not in pol.forms:
        return Problem("form", "unknown_form", f"form must be one of {sorted(pol.forms)}", "请选择申报形式")
    if category not in pol.categories:
        return Problem("category", "unknown_category", f"category must be one of {sorted(pol.categories)}",
                       "请选择信息类别")
    title, content = title.strip(), content.strip()
    if not title:
        return Problem("title", "title_required", "give a title", "请填写标题")
    if len(title) > pol.title_max:
        return Problem("title", "title_too_long", f"the title may have at most {pol.title_max} characters",
                       f"标题不得超过 {pol.title_max} 字")
    if not content:
        return Problem("content", "content_required", "describe the information declared", "请填写申报内容")
    if len(content) > pol.content_max:
        return Problem("content", "content_too_long", f"the content may have at most {pol.content_max} characters",
                       f"申报内容不得超过 {pol.content_max} 字")
    for name, value in (("title", title), ("content", content)):
        # a declaration is published: a person's ID number must never be (FZ art. 11, masking rules)
        if looks_like_resident_id(value):
            return Problem(name, "personal_identifier", "remove the resident ID number: declarations are published",
                           "申报信息将公开，请勿填写居民身份证号码")
    if not pledge_accepted:
        return Problem("pledge_accepted", "pledge_required",
                       "accept the pledge that the information is lawful and true",
                       "请勾选承诺：所申报信息合法、真实，并由本主体负责")
    return None


def withdraw_problem(*, reason: str, status: str) -> Problem | None:
    """A withdrawal states its reason; the row is kept, so a withdrawn one cannot be withdrawn again."""
    if has_control_characters(reason):
        return Problem("reason", "control_character", "reason may not contain control characters", "文本含有非法字符")
    if not reason.strip():
        return Problem("reason", "reason_required", "give the reason for the withdrawal", "请填写撤回理由")
    if len(reason.strip()) > REASON_MAX:
        return Problem("reason", "reason_too_long", f"the reason may have at most {REASON_MAX} characters",
                       f"撤回理由不得超过 {REASON_MAX} 字")
    if status != "published":
        return Problem("status", "already_withdrawn", "the declaration is already withdrawn", "该申报已撤回")
    return None


def shown_publicly(pol: DeclarationPolicy, subject_kind: str) -> bool:
    """Public by default (profile), never for natural persons (masking of natural persons)."""
    return pol.public_by_default and subject_kind not in pol.not_public_kinds
