"""Pure rules of the register of credit service agencies (QZ art. 40-42; FZ art. 26-27): what a
filing, a published rule and a supervision record must carry, and which of it the public sees.
Every decision carries its citation; the lists come from the profile (credit_service.register)."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from xinyong.kit.text import has_control_characters
from xinyong.law.loader import Profile

RULE_KEY = "credit_service.register"
RULE_KINDS = ("objection", "complaint", "service")     # 异议处理规则 | 投诉处理规则 | 服务规则
CHANNEL_KINDS = ("objection", "complaint")             # a rule that receives people names its channel
NAME_MAX, FILING_NO_MAX, TEXT_MAX, TITLE_MAX = 200, 64, 20000, 400
# a filing number as departments write them: letters, digits and the usual punctuation of 文号
FILING_NO = re.compile(r"[0-9A-Z\u4e00-\u9fff〔〕\[\]()\-—_/·.]{1,64}")


@dataclass(frozen=True)
class RegisterPolicy:
    supervision_kinds: tuple[str, ...]
    supervision_outcomes: tuple[str, ...]
    public_fields: tuple[str, ...]
    public_supervision: tuple[str, ...]
    staff_roles: tuple[str, ...]
    citation: str


def policy(profile: Profile, on: dt.date) -> RegisterPolicy:
    rule = profile.rule(RULE_KEY, on)
    v = rule.value
    return RegisterPolicy(tuple(v["supervision_kinds"]), tuple(v["supervision_outcomes"]),
                          tuple(v["public_fields"]), tuple(v["public_supervision"]), tuple(v["staff_roles"]),
                          str(rule.citation))


@dataclass(frozen=True)
class Problem:
    field: str
    code: str
    en: str
    zh: str


def parse_filing_no(text: str) -> str | None:
    """A filing number (备案编号) compared as written: NFKC (full-width to half-width), no
    whitespace, Latin letters upper case; None when it is empty, too long or has other characters."""
    value = "".join(unicodedata.normalize("NFKC", text or "").split()).upper()
    return value if FILING_NO.fullmatch(value) else None


def _length_problem(field: str, value: str, most: int, zh: str, en: str) -> Problem | None:
    if has_control_characters(value) or not value.strip() or len(value.strip()) > most:
        return Problem(field, f"{field}_required", f"give the {en} (at most {most} characters)",
                       f"请填写{zh}（不超过 {most} 字）")
    return None


def filing_problem(*, name: str, filing_no: str, filed_on: dt.date, business_scope: str, contact: str,
                   today: dt.date) -> Problem | None:
    """QZ art. 40: the register names the agency, its filing (number and date) and its business
    scope, so that the departments can supervise what it was filed to do."""
    problem = (_length_problem("name", name, NAME_MAX, "机构名称", "agency's name")
               or _length_problem("business_scope", business_scope, TEXT_MAX, "业务范围", "business scope"))
    if problem:
        return problem
    if parse_filing_no(filing_no) is None:
        return Problem("filing_no", "filing_no_invalid", "give the filing number as issued (letters, digits, 〔〕-/)",
                       "请按备案证明填写备案编号")
    if filed_on > today:
        return Problem("filed_on", "future_date", "the filing date is after today", "备案日期不能晚于今天")
    if has_control_characters(contact) or len(contact) > 1000:
        return Problem("contact", "contact_invalid", "the contact is too long or has control characters",
                       "联系方式过长或含有非法字符")
    return None


def rule_problem(*, kind: str, title: str, body: str, channel: str) -> Problem | None:
    """QZ art. 34 para. 2 and art. 42: an agency publishes its objection and complaint rules with
    the channel that receives them, and its service rules (基本行为准则和业务规范)."""
    if kind not in RULE_KINDS:
        return Problem("kind", "unknown_kind", "choose the kind of rule", "请选择规则类型")
    problem = (_length_problem("title", title, TITLE_MAX, "规则名称", "rule's title")
               or _length_problem("body", body, TEXT_MAX, "规则内容", "rule's text"))
    if problem:
        return problem
    if kind in CHANNEL_KINDS and (not channel.strip() or has_control_characters(channel) or len(channel) > 1000):
        return Problem("channel", "channel_required", "say where objections or complaints are received",
                       "请填写受理渠道（地址、电话或网址）")
    return None


def supervision_problem(pol: RegisterPolicy, *, kind: str, outcome: str, inspected_on: dt.date, department: str,
                        findings: str, basis: str, rectification_due: dt.date | None,
                        today: dt.date) -> Problem | None:
    """QZ art. 40 (日常监督检查，及时查处): a supervision names the department, the date, what was
    found and the provision it rests on; an order to rectify carries its deadline."""
    if kind not in pol.supervision_kinds:
        return Problem("kind", "unknown_kind", f"kind must be one of {pol.supervision_kinds}", "请选择检查类型")
    if outcome not in pol.supervision_outcomes:
        return Problem("outcome", "unknown_outcome", f"outcome must be one of {pol.supervision_outcomes}",
                       "请选择检查结论")
    if inspected_on > today:
        return Problem("inspected_on", "future_date", "the inspection date is after today", "检查日期不能晚于今天")
    problem = (_length_problem("department", department, NAME_MAX, "检查部门", "inspecting department")
               or _length_problem("findings", findings, TEXT_MAX, "检查发现", "findings")
               or _length_problem("basis", basis, 2000, "依据", "provision relied on"))
    if problem:
        return problem
    if outcome == "rectification_ordered" and (rectification_due is None or rectification_due < inspected_on):
        return Problem("rectification_due", "rectification_due_required",
                       "an order to rectify carries a deadline on or after the inspection",
                       "责令整改须填写不早于检查日期的整改期限")
    return None


def rectification_problem(*, outcome: str, inspected_on: dt.date, rectified_on: dt.date, rectification: str,
                          already: bool, today: dt.date) -> Problem | None:
    """The rectification of an order to rectify, recorded once, dated between the inspection and today."""
    if outcome != "rectification_ordered":
        return Problem("rectified_on", "no_order", "only an order to rectify is rectified", "该检查未责令整改")
    if already:
        return Problem("rectified_on", "already_rectified", "the rectification is recorded already", "已登记整改情况")
    if not inspected_on <= rectified_on <= today:
        return Problem("rectified_on", "date_out_of_range", "the rectification date lies between the inspection and today",
                       "整改完成日期应在检查日期与今天之间")
    return _length_problem("rectification", rectification, TEXT_MAX, "整改情况", "rectification made")


def public_view(values: dict, fields: tuple[str, ...]) -> dict:
    """Only the fields the profile makes public (the rest — contact — stays with staff)."""
    return {k: v for k, v in values.items() if k in fields}


def complaint_summary(rows: list[tuple[str, str | None, int]]) -> dict:
    """QZ art. 37: what the public learns of complaints against an agency is how many were
    received, how many are handled and their findings — never a complainant or a summary."""
    received = sum(n for _, _, n in rows)
    handled = sum(n for status, _, n in rows if status == "handled")
    outcomes: dict[str, int] = {}
    for status, outcome, n in rows:
        if status == "handled" and outcome:
            outcomes[outcome] = outcomes.get(outcome, 0) + n
    return {"received": received, "handled": handled, "outcomes": dict(sorted(outcomes.items()))}
