"""Pure rules of bulletins (通知公告 / 政策法规). QZ art. 10 para. 2: the platform's website is the
one carrier through which public credit information is made public; FZ art. 6: the credit
department makes and publishes policy. Categories, lengths and attachment limits are profile
data (``bulletins.policy``); every refusal carries the rule's citation.

A bulletin is in public view while it is published and its publication date has come
(``in_public_view``; its SQL twin is ``xinyong.bulletins.repository.public_condition``). Its body
is plain text: it is shown as paragraphs, never as markup."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from xinyong.kit.text import has_control_characters
from xinyong.law.loader import Profile, RuleNotInForce
from xinyong.objections.rules import kind_of
from xinyong.kit.names import Name

RULE_KEY = "bulletins.policy"
REASON_MAX = 500
ISSUER_MAX = 200
DOCUMENT_NO_MAX = 64
PATH_MAX = 200
# a page of this site: one leading slash, then path characters only (no scheme, no "//" host)
SITE_PATH = re.compile(r"^/(?!/)[A-Za-z0-9._~/\-]*(\?[A-Za-z0-9._~=&\-]*)?$")
TRANSITIONS = {"publish": ("draft", "withdrawn"), "withdraw": ("published",)}


@dataclass(frozen=True)
class BulletinPolicy:
    categories: dict[str, Name]
    title_max: int
    body_max: int
    types: dict[str, str]        # kind -> content type
    max_file_bytes: int
    max_files: int
    citation: str


@dataclass(frozen=True)
class Problem:
    code: str
    zh: str
    en: str
    field: str | None = None
    citation: str = ""


@dataclass(frozen=True)
class UploadFile:
    filename: str
    size: int
    head: bytes


@dataclass(frozen=True)
class AttachmentCheck:
    problem: Problem | None
    content_types: list[str] = field(default_factory=list)


def policy(profile: Profile, on: dt.date) -> BulletinPolicy:
    """The rule in force on ``on``; before it, its earliest version (the portal publishes
    notices whatever the date, under the platform's own policy)."""
    try:
        rule = profile.rule(RULE_KEY, on)
    except RuleNotInForce:
        versions = profile.versions(RULE_KEY)
        if not versions:
            raise
        rule = versions[0]
    v, att = rule.value, rule.value["attachments"]
    return BulletinPolicy(categories={c: Name(n["zh"], n["en"]) for c, n in v["categories"].items()},
                          title_max=int(v["title_max"]), body_max=int(v["body_max"]), types=dict(att["types"]),
                          max_file_bytes=int(att["max_file_bytes"]), max_files=int(att["max_files"]),
                          citation=str(rule.citation))


def in_public_view(status: str, published_on: dt.date, today: dt.date) -> bool:
    """Published, and its publication date has come."""
    return status == "published" and published_on <= today


def paragraphs(body: str) -> list[str]:
    """The body as paragraphs: split at blank lines, each paragraph's lines kept as typed."""
    blocks = re.split(r"\n\s*\n", (body or "").replace("\r\n", "\n").replace("\r", "\n"))
    return [b.strip() for b in blocks if b.strip()]


def _no(code: str, zh: str, en: str, field_: str | None, p: BulletinPolicy) -> Problem:
    return Problem(code, zh, en, field_, p.citation)


def bulletin_problem(p: BulletinPolicy, *, category: str, title: str, body: str, issuer: str = "",
                     document_no: str = "", related_path: str = "") -> Problem | None:
    """What is wrong with a bulletin as typed, or None."""
    if category not in p.categories:
        names = "、".join(n.zh for n in p.categories.values())
        return _no("category", f"请选择栏目：{names}", "choose a category: " + ", ".join(
            n.en for n in p.categories.values()), "category", p)
    title, body = (title or "").strip(), (body or "").strip()
    if not title or len(title) > p.title_max:
        return _no("title", f"标题须为1至{p.title_max}个字", f"the title needs 1 to {p.title_max} characters", "title", p)
    if not body or len(body) > p.body_max:
        return _no("body", f"正文须为1至{p.body_max}个字", f"the text needs 1 to {p.body_max} characters", "body", p)
    if len(issuer or "") > ISSUER_MAX or len(document_no or "") > DOCUMENT_NO_MAX:
        return _no("too_long", "发布机关或文号过长", "the issuer or document number is too long", "issuer", p)
    if has_control_characters(title, issuer, document_no):
        return _no("control", "标题、发布机关或文号含有控制字符", "control characters in the title, issuer or number",
                   "title", p)
    if related_path and (len(related_path) > PATH_MAX or not SITE_PATH.match(related_path)):
        return _no("related_path", "相关页面须为本站地址，以“/”开头", "the related page must be a path of this site, "
                   "starting with /", "related_path", p)
    return None


def transition_problem(action: str, status: str, reason: str = "") -> Problem | None:
    """publish: a draft or a withdrawn bulletin; withdraw: a published one, with a reason."""
    if status not in TRANSITIONS[action]:
        return Problem("state", f"当前状态不能{'发布' if action == 'publish' else '撤回'}",
                       f"a {status} bulletin cannot be {action}ed", None)
    if action == "withdraw" and not (reason or "").strip():
        return Problem("reason", "请填写撤回理由", "give the reason for the withdrawal", "reason")
    if action == "withdraw" and len(reason.strip()) > REASON_MAX:
        return Problem("reason", f"撤回理由至多{REASON_MAX}个字", f"at most {REASON_MAX} characters", "reason")
    return None


def check_attachments(p: BulletinPolicy, files: list[UploadFile], already: int = 0) -> AttachmentCheck:
    """Only the policy's types (by name and content), each within the size limit, at most so
    many files on one bulletin (``already`` counts those it has)."""
    if already + len(files) > p.max_files:
        return AttachmentCheck(_no("too_many_files", f"附件至多{p.max_files}个", f"at most {p.max_files} attachments",
                                   "attachments", p))
    types = []
    for f in files:
        if f.size <= 0:
            return AttachmentCheck(_no("empty_file", f"文件为空：{f.filename}", f"empty file: {f.filename}",
                                       "attachments", p))
        if f.size > p.max_file_bytes:
            mb = p.max_file_bytes / 1024 / 1024
            return AttachmentCheck(_no("file_too_large", f"文件超过{mb:g}MB：{f.filename}",
                                       f"file larger than {mb:g} MB: {f.filename}", "attachments", p))
        kind = kind_of(f.filename, f.head)
        if kind is None or kind not in p.types:
            allowed = "/".join(k.upper() for k in p.types)
            return AttachmentCheck(_no("file_type", f"只接受 {allowed} 文件：{f.filename}",
                                       f"only {allowed} files are accepted: {f.filename}", "attachments", p))
        types.append(p.types[kind])
    return AttachmentCheck(None, types)


def safe_filename(name: str) -> str:
    """The stored name: no directories, no control characters, at most 120 characters."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if c.isprintable() and c not in '"<>:|?*').strip(" .")
    return base[-120:] or "attachment"
