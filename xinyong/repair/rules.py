"""Credit repair law, pure: can this record be repaired, from which date, and if not why —
every reason with the article it rests on (FZ art. 20-23; QZ art. 22, 35-36; NDRC Order 58
until 2026-03-31 and Order 36 from 2026-04-01).

Which rule version applies (DOMAIN.md "use the rule in force on the relevant date"):
- repair.eligibility and repair.materials: the version in force on the record's decision date
  (Order 58 for decisions before 2026-04-01, Order 36 after);
- repair.non_repairable, repair.fraud_bar: the version in force on the day of the decision on
  the application (today). Only a sourced text may refuse repair (law/loader.py): Fuzhou's
  art. 22 does; Quanzhou's art. 22 limits who may be listed and art. 36 para. 2 makes repair
  take the subject off the list, so a Quanzhou listing bars nothing.

No I/O here: the service loads the facts and passes them in with the profile.
"""
from __future__ import annotations

import calendar
import dataclasses
import datetime as dt

from xinyong.kit.limits import human_size
from xinyong.law import Profile, RuleNotInForce
from xinyong.lists.rules import list_wording

MATERIAL_KINDS = ("commitment_letter", "proof_of_performance", "training_certificate", "credit_report")
MATERIAL_NAMES = {
    "commitment_letter": ("信用修复承诺书", "credit repair commitment letter"),
    # FZ art. 21 para. 2 (4): the penalty decision performed, e.g. the receipt for a paid fine
    "proof_of_performance": ("履行义务证明材料（如罚款缴款凭证）", "proof of performance (e.g. the receipt for a paid fine)"),
    "training_certificate": ("信用修复培训证明", "credit repair training certificate"),
    "credit_report": ("第三方信用报告", "third-party credit report"),
}
SERIOUS_LIST_KINDS = ("serious_dishonesty", "black")
SIGNATURES = {  # magic bytes of the accepted file types
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}


@dataclasses.dataclass(frozen=True)
class Reason:
    code: str
    text_zh: str
    text_en: str
    citation: str
    blocking: bool = True   # False: a condition to meet in the application, not a bar


@dataclasses.dataclass(frozen=True)
class RecordFacts:
    id: int
    item_code: str
    severity: str | None
    decision_date: dt.date
    status: str                       # active | repaired
    under_objection: bool
    publicity_published: bool
    publicity_min_end: dt.date | None
    publicity_end: dt.date | None
    publicity_citation: str
    # the category of an active serious-dishonesty (or black) list entry resting on this
    # record, None when there is none (read from list_entries by the service)
    serious_list_category: str | None = None
    open_application_id: int | None = None


@dataclasses.dataclass(frozen=True)
class FraudFinding:
    """A repair of this subject revoked for fraud, concealment or a broken commitment (FZ art. 23)."""
    application_id: int
    revoked_on: dt.date
    kind: str


@dataclasses.dataclass(frozen=True)
class Eligibility:
    record_id: int
    eligible: bool
    from_date: dt.date | None
    reasons: tuple[Reason, ...]
    regime: str                       # regulation id of the eligibility rule applied
    citation: str                     # the eligibility rule's citation
    materials: tuple[str, ...]        # material kinds the application must carry

    @property
    def blocking(self) -> list[Reason]:
        return [r for r in self.reasons if r.blocking]


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months, clamped to the month's last day (2026-01-31 + 1 month = 2026-02-28)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _rule(profile: Profile, key: str, on: dt.date):
    try:
        return profile.rule(key, on)
    except RuleNotInForce:
        return None


def materials_required(profile: Profile, severity: str | None, decision_date: dt.date) -> tuple[tuple[str, ...], str]:
    """(material kinds, citation) for a record of this severity, by the rule of its decision date.
    An unknown severity is treated as general (the middle class)."""
    rule = _rule(profile, "repair.materials", decision_date)
    if rule is None:
        return ("commitment_letter",), ""
    by_sev = rule.value.get("by_severity", {})
    kinds = by_sev.get(severity or "general") or by_sev.get("general") or ["commitment_letter"]
    return tuple(k for k in MATERIAL_KINDS if k in kinds), str(rule.citation)


def material_limits(profile: Profile, on: dt.date) -> tuple[int, tuple[str, ...]]:
    rule = _rule(profile, "repair.materials", on)
    value = rule.value if rule else {}
    return int(value.get("max_file_bytes", 5 * 1024 * 1024)), tuple(value.get("content_types", SIGNATURES))


def file_problem(data: bytes, content_type: str, max_bytes: int, allowed: tuple[str, ...]) -> tuple[str, str] | None:
    """(zh, en) of what is wrong with an uploaded file, or None: PDF, JPG or PNG within the limit,
    and the content really is what it claims (magic bytes), whatever the name says."""
    if not data:
        return "文件为空", "the file is empty"
    if len(data) > max_bytes:
        size = human_size(max_bytes)
        return f"文件超过 {size}", f"the file is larger than {size}"
    ctype = "image/jpeg" if content_type == "image/jpg" else content_type
    if ctype not in allowed or not data.startswith(SIGNATURES.get(ctype, (b"\0\0\0\0\0\0\0\0\0\0",))):
        sniffed = next((t for t, sigs in SIGNATURES.items() if t in allowed and data.startswith(sigs)), None)
        if sniffed is None:
            return "仅接受 PDF、JPG、PNG 文件", "only PDF, JPG and PNG files are accepted"
    return None


def sniff(data: bytes) -> str | None:
    return next((t for t, sigs in SIGNATURES.items() if data.startswith(sigs)), None)


def fraud_bar_end(profile: Profile, findings: list[FraudFinding], today: dt.date) -> tuple[dt.date | None, str, FraudFinding | None]:
    """The last day + 1 of the bar after a repair revoked for fraud (FZ art. 23), if it runs today."""
    rule = _rule(profile, "repair.fraud_bar", today)
    if rule is None:
        return None, "", None
    months, kinds = int(rule.value.get("months", 0)), set(rule.value.get("kinds", ()))
    ends = [(add_months(f.revoked_on, months), f) for f in findings if f.kind in kinds]
    running = [(end, f) for end, f in ends if end > today]
    if not running:
        return None, str(rule.citation), None
    end, finding = max(running, key=lambda pair: pair[0])
    return end, str(rule.citation), finding


def decide(profile: Profile, record: RecordFacts, today: dt.date, fraud: list[FraudFinding] = ()) -> Eligibility:
    """Whether `record` can be repaired today and from when. Every bar that applies is listed;
    from_date is the day every dated bar has passed (None while an undated bar stands)."""
    rule = _rule(profile, "repair.eligibility", record.decision_date)
    if rule is None:
        reason = Reason("no_rule", f"{record.decision_date.isoformat()} 作出的决定没有适用的信用修复规则",
                        f"no credit repair rule covers decisions of {record.decision_date.isoformat()}", "")
        return Eligibility(record.id, False, None, (reason,), "", "", ())
    cite, value = str(rule.citation), rule.value
    materials, materials_cite = materials_required(profile, record.severity, record.decision_date)
    reasons: list[Reason] = []
    dated: list[dt.date] = []

    def bar(code, zh, en, citation, until=None):
        reasons.append(Reason(code, zh, en, citation))
        if until is not None:
            dated.append(until)

    if record.item_code not in value.get("dishonesty_items", ()):
        bar("not_dishonesty", "该信息不是失信信息（如行政许可），无需信用修复",
            "this is not a dishonesty record (e.g. a licence): there is nothing to repair", cite)
        return _result(record, reasons, dated, rule, cite, materials)
    if record.status == "repaired":
        bar("already_repaired", "该记录已完成信用修复，已停止公示", "this record has already been repaired; its publication has ended",
            cite)
    elif record.status != "active":
        bar("not_active", f"该记录状态为 {record.status}，不能申请信用修复", f"the record is {record.status}, not active", cite)
    _non_repairable(profile, record, today, bar)
    bar_end, bar_cite, finding = fraud_bar_end(profile, list(fraud), today)
    if bar_end is not None:
        bar("fraud_bar", f"此前的信用修复因弄虚作假、隐瞒事实或未履行承诺已于 {finding.revoked_on.isoformat()} 被撤销，"
            f"{bar_end.isoformat()} 前不予受理信用修复申请",
            f"an earlier repair was revoked on {finding.revoked_on.isoformat()} for {finding.kind.replace('_', ' ')}; "
            f"no application is accepted before {bar_end.isoformat()}", bar_cite, until=bar_end)
    if record.status == "active":
        if not record.publicity_published:
            bar("not_published", "该记录依规不予公示，无需信用修复", "this record is not published, so it needs no repair",
                record.publicity_citation)
        elif record.publicity_end is not None and record.publicity_end <= today and record.serious_list_category is None:
            # (a listing in force resting on it still runs: repair is then how the subject leaves the
            # list early, QZ art. 36 para. 2, though the record itself is no longer published)
            bar("publicity_ended", f"该记录的公示期已于 {record.publicity_end.isoformat()} 届满，已停止公示，无需信用修复",
                f"its publicity period ended on {record.publicity_end.isoformat()}; it is no longer published",
                record.publicity_citation)
        elif record.publicity_min_end is not None and today < record.publicity_min_end:
            bar("minimum_period", f"最短公示期至 {record.publicity_min_end.isoformat()} 届满，届满后方可申请信用修复",
                f"the minimum publicity period ends on {record.publicity_min_end.isoformat()}; repair is possible "
                f"from then", f"{record.publicity_citation}; {cite}", until=record.publicity_min_end)
    if record.under_objection:
        bar("under_objection", "该记录正在异议处理中，异议办结后方可申请信用修复",
            "an objection to this record is being handled; apply for repair once it is decided", cite)
    if record.open_application_id is not None:
        bar("application_open", f"该记录已有正在办理的信用修复申请（编号 {record.open_application_id}）",
            f"repair application #{record.open_application_id} for this record is being handled", cite)
    if record.item_code in value.get("performance_required_items", ()) and "proof_of_performance" in materials:
        reasons.append(Reason("needs_proof_of_performance", "须提交已履行行政处罚决定（如缴清罚款、完成整改）的证明材料",
                              "needs proof of performance: the penalty decision has been carried out (fine paid, "
                              "orders complied with)", materials_cite or cite, blocking=False))
    reasons.append(Reason("needs_commitment", "须提交信用修复承诺书", "needs a signed credit repair commitment letter",
                          materials_cite or cite, blocking=False))
    return _result(record, reasons, dated, rule, cite, materials)


def _non_repairable(profile: Profile, record: RecordFacts, today: dt.date, bar) -> None:
    """FZ art. 22: the four serious categories (read through the black-list entry resting on the
    record); QZ art. 36 para. 3: what law excludes, as the profile names it."""
    rule = _rule(profile, "repair.non_repairable", today)
    if rule is None:
        return
    cite = str(rule.citation)
    if record.serious_list_category and record.serious_list_category in rule.value.get("serious_list_categories", ()):
        named = list_wording(profile, today, record.serious_list_category, SERIOUS_LIST_KINDS)
        bar("serious_category", f"该记录是列入{named.list_zh}的认定依据，属于“{named.category_zh}”的情形，"
            "不予信用修复", f"this record underlies a listing on the {named.list_en} for "
            f"{named.category_en}: not repairable", cite)
    if record.item_code in rule.value.get("items", ()):
        bar("non_repairable_item", "法律、法规等规定该类信息不予信用修复",
            "law declares records of this kind non-repairable", cite)


def _result(record: RecordFacts, reasons: list[Reason], dated: list[dt.date], rule, cite: str,
            materials: tuple[str, ...]) -> Eligibility:
    blocking = [r for r in reasons if r.blocking]
    undated = [r for r in blocking if r.code not in ("minimum_period", "fraud_bar")]
    if undated:
        from_date = None
    else:
        floor = record.publicity_min_end or record.decision_date
        from_date = max([floor, *dated])
    return Eligibility(record.id, not blocking, from_date, tuple(reasons), rule.citation.regulation_id, cite,
                       materials)


def missing_materials(required: tuple[str, ...] | list[str], present: set[str]) -> list[str]:
    return [k for k in required if k not in present]


# ---- conditions the approver confirms (FZ art. 21 para. 2; QZ art. 35 para. 1) --------------------------

@dataclasses.dataclass(frozen=True)
class Condition:
    code: str
    text_zh: str
    text_en: str
    citation: str
    evidenced_by: str | None      # the material kind that evidences it, when on file


def conditions(profile: Profile, on: dt.date) -> tuple[Condition, ...]:
    """Every condition the rule in force on `on` names (none when no rule is in force)."""
    rule = _rule(profile, "repair.conditions", on)
    if rule is None:
        return ()
    cite = str(rule.citation)
    return tuple(Condition(c["code"], c["zh"], c["en"], cite, c.get("evidenced_by"))
                 for c in rule.value.get("conditions", ()))


def evidenced(condition: Condition, present: set[str]) -> bool:
    return condition.evidenced_by is not None and condition.evidenced_by in present


def to_confirm(conds: tuple[Condition, ...], present: set[str]) -> list[Condition]:
    """The conditions the approver must confirm: those no material on file evidences."""
    return [c for c in conds if not evidenced(c, present)]


def unconfirmed(conds: tuple[Condition, ...], present: set[str], confirmed: set[str]) -> list[Condition]:
    return [c for c in to_confirm(conds, present) if c.code not in confirmed]
