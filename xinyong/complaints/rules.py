"""Pure rules of complaints and reports (QZ art. 37): what may be filed, who assigns and who
handles (four eyes on any change of handler), and who may see the complainant's identity. Every decision carries its citation."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from xinyong.kit.text import has_control_characters
from xinyong.law.loader import Profile

RULE_KEY = "complaint.channel"
CATEGORIES_KEY = "complaint.categories"
REASSIGN_KEY = "complaint.reassignment"
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
        return Problem("kind", "unknown_kind", "choose a complaint or a report", "请选择投诉或举报")
    if stage not in policy.stages:
        return Problem("stage", "unknown_stage", "choose the stage of handling concerned", "请选择所涉环节")
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


@dataclass(frozen=True)
class Category:
    """A category of complaint the profile names, with the stage it concerns and what it is
    against (``credit_service``: a registered credit service agency)."""
    code: str
    name_zh: str
    name_en: str
    against: str
    stage: str

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_zh


@dataclass(frozen=True)
class Categories:
    items: tuple[Category, ...]
    citation: str

    def get(self, code: str | None) -> Category | None:
        return next((c for c in self.items if c.code == code), None)


def categories(profile: Profile, on: dt.date) -> Categories:
    rule = profile.rule(CATEGORIES_KEY, on)
    items = tuple(Category(str(c["code"]), str(c["name_zh"]), str(c["name_en"]), str(c.get("against") or ""),
                           str(c.get("stage") or "")) for c in rule.value.get("categories") or ())
    return Categories(items, str(rule.citation))


def category_problem(cats: Categories, *, category: str, credit_service_id: int | None) -> Problem | None:
    """QZ art. 42, FZ art. 27 para. 2: a complaint in a category about a credit service agency's
    conduct names the agency from the register; no category outside the profile's list."""
    if not category:
        return None
    found = cats.get(category)
    if found is None:
        return Problem("category", "unknown_category", "choose a category the platform lists", "请选择所列的投诉类别")
    if found.against == "credit_service" and credit_service_id is None:
        return Problem("credit_service_id", "credit_service_required",
                       "name the credit service agency complained about", "请选择被投诉的信用服务机构")
    return None


@dataclass(frozen=True)
class ReassignmentPolicy:
    approver_roles: tuple[str, ...]
    reason_min: int
    reason_max: int
    citation: str


def reassignment(profile: Profile, on: dt.date) -> ReassignmentPolicy:
    rule = profile.rule(REASSIGN_KEY, on)
    v = rule.value
    return ReassignmentPolicy(tuple(v["approver_roles"]), int(v["reason_min"]), int(v["reason_max"]),
                              str(rule.citation))


@dataclass(frozen=True)
class Staffer:
    """An account as the assignment rules see it."""
    user_id: int | None
    role: str | None
    active: bool = True


def assign_refusal(policy: ChannelPolicy, *, assigner: Staffer, handler: Staffer, status: str,
                   current_handler_id: int | None) -> str | None:
    """The credit department assigns one handler (QZ art. 37: 有关公共管理机构应当依法处理), once:
    never to the assigner themself (who would then read the complainant), and an assigned
    complaint moves only by a re-assignment request a second person approves (four eyes)."""
    if assigner.role not in policy.assigner_roles:
        return "not_an_assigner"
    if handler.role not in policy.handler_roles or not handler.active:
        return "not_a_handler"
    if status == "handled":
        return "already_handled"
    if handler.user_id == assigner.user_id:
        return "self_assignment"
    if current_handler_id is not None or status != "filed":
        return "reassignment_needs_approval"
    return None


def reassign_request_problem(channel_policy: ChannelPolicy, policy: ReassignmentPolicy, *, requester: Staffer,
                             to: Staffer, status: str, current_handler_id: int | None, reason: str,
                             pending: bool) -> Problem | None:
    """QZ art. 37 with art. 14 para. 2: an assigned complaint passes to another handler only on
    a recorded reason, asked by an assigner (or the handler handing it over) for someone else."""
    if requester.role not in channel_policy.assigner_roles and requester.user_id != current_handler_id:
        return Problem("to_user_id", "not_an_assigner", "only an assigner or the handler asks", "只有指派人员或承办人可以申请")
    if status != "assigned" or current_handler_id is None:
        return Problem("to_user_id", "not_assigned", "only an assigned, unhandled complaint is re-assigned",
                       "只能对已指派且未办结的投诉举报申请改派")
    if to.role not in channel_policy.handler_roles or not to.active:
        return Problem("to_user_id", "not_a_handler", "choose a credit-department handler account",
                       "请选择信用主管部门的承办人")
    if to.user_id == requester.user_id:
        return Problem("to_user_id", "self_assignment", "nobody re-assigns a complaint to themself", "不能改派给本人")
    if to.user_id == current_handler_id:
        return Problem("to_user_id", "same_handler", "that account handles it already", "该账户已是承办人")
    text = reason.strip()
    if has_control_characters(reason) or not policy.reason_min <= len(text) <= policy.reason_max:
        return Problem("reason", "reason_required",
                       f"give the reason in {policy.reason_min}-{policy.reason_max} characters",
                       f"请用 {policy.reason_min} 至 {policy.reason_max} 字说明改派理由")
    if pending:
        return Problem("to_user_id", "request_pending", "a re-assignment request awaits a decision already",
                       "已有待审批的改派申请")
    return None


def approval_refusal(policy: ReassignmentPolicy, *, approver: Staffer, requester_id: int, to_user_id: int,
                     from_user_id: int, request_status: str, complaint_status: str,
                     current_handler_id: int | None) -> str | None:
    """Four eyes (QZ art. 14 para. 2, art. 37): a second, different person in a supervising role
    approves; never the requester, the new handler or the handler displaced."""
    if approver.role not in policy.approver_roles:
        return "not_a_supervisor"
    if approver.user_id in (requester_id, to_user_id, from_user_id):
        return "four_eyes"
    if request_status != "pending":
        return "not_pending"
    if complaint_status != "assigned" or current_handler_id != from_user_id:
        return "stale_request"
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
