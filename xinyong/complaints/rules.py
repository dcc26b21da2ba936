"""Pure rules of complaints and reports (QZ art. 37): what may be filed, who assigns and who
handles, and who may see the complainant's identity. Every decision carries its citation."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from xinyong.law.loader import Profile

RULE_KEY = "complaint.channel"
KINDS = ("complaint", "report")
SUMMARY_MIN, SUMMARY_MAX = 10, 5000
TEXT_MAX = 5000
NAME_MAX, CONTACT_MAX, ID_MAX = 100, 200, 40


@dataclass(frozen=True)
class ChannelPolicy:
    stages: tuple[str, ...]
    outcomes: tuple[str, ...]
    assigner_roles: tuple[str, ...]
    handler_roles: tuple[str, ...]
    citation: str


def channel(profile: Profile, on: dt.date) -> ChannelPolicy:
    rule = profile.rule(RULE_KEY, on)
    v = rule.value
    return ChannelPolicy(tuple(v["stages"]), tuple(v["outcomes"]), tuple(v["assigner_roles"]),
                         tuple(v["handler_roles"]), str(rule.citation))


@dataclass(frozen=True)
class Problem:
    field: str
    code: str
    en: str
    zh: str


def filing_problem(policy: ChannelPolicy, *, kind: str, stage: str, summary: str, anonymous: bool,
                   name: str, contact: str, signed_in: bool) -> Problem | None:
    """QZ art. 37: a complaint or report about one of the stages of handling credit information.
    A named filer gives a name and (unless signed in, when the account is the channel) a contact."""
    if any("\x00" in v for v in (summary, name, contact)):
        return Problem("summary", "control_character", "text may not contain NUL characters", "文本含有非法字符")
    if kind not in KINDS:
        return Problem("kind", "unknown_kind", f"kind must be one of {KINDS}", "请选择投诉或举报")
    if stage not in policy.stages:
        return Problem("stage", "unknown_stage", f"stage must be one of {policy.stages}", "请选择所涉环节")
    text = summary.strip()
    if not SUMMARY_MIN <= len(text) <= SUMMARY_MAX:
        return Problem("summary", "summary_length", f"describe the matter in {SUMMARY_MIN}-{SUMMARY_MAX} characters",
                       f"请用 {SUMMARY_MIN} 至 {SUMMARY_MAX} 字说明情况")
    if not anonymous:
        if not name.strip():
            return Problem("name", "name_required", "give your name, or file anonymously", "请填写姓名，或选择匿名")
        if not signed_in and not contact.strip():
            return Problem("contact", "contact_required", "give a contact, or file anonymously",
                           "请填写联系方式，或选择匿名")
    return None


def assign_refusal(policy: ChannelPolicy, assigner_role: str, handler_role: str | None, handler_active: bool,
                   status: str) -> str | None:
    """The credit department assigns one handler (QZ art. 37: 有关公共管理机构应当依法处理)."""
    if assigner_role not in policy.assigner_roles:
        return "not_an_assigner"
    if handler_role not in policy.handler_roles or not handler_active:
        return "not_a_handler"
    if status == "handled":
        return "already_handled"
    return None


def may_see_identity(viewer_user_id: int | None, handler_user_id: int | None) -> bool:
    """QZ art. 37: 对投诉人、举报人信息严格保密 — only the assigned handler, nobody else (not the
    subject, not the public, not other staff, not the assigner, not administrators)."""
    return viewer_user_id is not None and handler_user_id is not None and viewer_user_id == handler_user_id


def handling_problem(policy: ChannelPolicy, *, outcome: str, handling: str, result: str) -> Problem | None:
    if any("\x00" in v for v in (handling, result)):
        return Problem("handling", "control_character", "text may not contain NUL characters", "文本含有非法字符")
    if outcome not in policy.outcomes:
        return Problem("outcome", "unknown_outcome", f"outcome must be one of {policy.outcomes}", "请选择处理结论")
    if not handling.strip() or len(handling) > TEXT_MAX:
        return Problem("handling", "handling_required", "record what was done", "请填写处理情况")
    if not result.strip() or len(result) > TEXT_MAX:
        return Problem("result", "result_required", "write the result told to the complainant",
                       "请填写告知投诉人的处理结果")
    return None
