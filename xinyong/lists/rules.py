"""The law of lists, pure: which lists a city runs and what a listing needs, step by step.

- Which lists: the profile's ``lists.kinds`` (Quanzhou: the serious-dishonesty list, QZ art.
  22; Fuzhou: the red and black lists, FZ art. 14).
- A punitive listing cites one of the four legal categories (QZ art. 22 para. 3; FZ art. 22;
  Guobanfa [2020] 49) and rests on records of the subject; in Quanzhou the act must be classed
  serious (QZ art. 22 para. 1). Lenient-handling cases are not listed (QZ art. 21).
- A red listing cites the profile's criteria (FZ art. 16).
- Prior written notice, an objection answered within 3 working days, and only then the
  decision (QZ art. 23; Guobanfa [2020] 49).
- Responsible persons of a legal person may be marked (FZ art. 18).

Every decision carries its reason (zh and en) and the citation it rests on. No I/O: the service
loads the facts and the profile and passes them in.
"""
from __future__ import annotations

import calendar
import dataclasses
import datetime as dt

from xinyong.law import Profile, RuleNotInForce

PUNITIVE, INCENTIVE = "punitive", "incentive"
OBJECTION_OUTCOMES = ("upheld", "withdrawn")   # the listing goes on | the proposal is withdrawn
REMOVAL_REASONS = ("repaired", "expired", "conditions_met", "criteria_broken", "basis_lapsed")
OPEN_STATUSES = ("proposed", "notice", "objection")
SEVERITY_ZH = {"serious": "严重", "general": "一般"}


@dataclasses.dataclass(frozen=True)
class KindSpec:
    key: str
    name_zh: str
    name_en: str
    polarity: str
    categories: dict[str, str]          # code -> Chinese name (punitive lists)
    categories_en: dict[str, str]       # code -> English name
    criteria: dict[str, dict]           # code -> {"zh", "en"} (red list)
    criteria_citation: str
    clean_years: int
    adverse_severities: tuple[str, ...]
    ended_by_punitive_listing: bool
    ended_by_adverse_record: bool
    current_adverse_severities: tuple[str, ...]   # a subject with such a record in public view is no 守信主体
    prior_notice: bool
    basis_records_required: bool
    basis_severity: tuple[str, ...] | None
    lenient_refuses: bool
    responsible_persons: bool
    period_default: int
    period_min: int
    period_max: int
    removal_conditions_zh: str
    removal_conditions_en: str
    citation: str

    @property
    def punitive(self) -> bool:
        return self.polarity == PUNITIVE


@dataclasses.dataclass(frozen=True)
class ListPolicy:
    """What the profile in force says about lists."""
    kinds: dict[str, KindSpec]
    kinds_citation: str
    mode: str | None
    lenient_flags: dict[str, dict]      # code -> {"zh", "en"}; empty when the profile has none
    lenient_citation: str
    responsible_roles: dict[str, dict]  # code -> {"zh", "en"}
    responsible_subject_kinds: tuple[str, ...]
    responsible_citation: str
    rights_zh: tuple[str, ...]
    rights_en: tuple[str, ...]
    notice_citation: str
    remedies_zh: str
    remedies_en: str
    remedies_citation: str


@dataclasses.dataclass(frozen=True)
class Verdict:
    allowed: bool
    code: str
    reason_zh: str
    reason_en: str
    citation: str

    def reason(self, lang: str) -> str:
        return self.reason_zh if lang == "zh" else self.reason_en


def _ok(citation: str = "") -> Verdict:
    return Verdict(True, "ok", "", "", citation)


def _no(code: str, zh: str, en: str, citation: str) -> Verdict:
    return Verdict(False, code, zh, en, citation)


# ---- the policy from the profile -------------------------------------------------------------------

def _optional(profile: Profile, key: str, on: dt.date):
    try:
        return profile.rule(key, on)
    except RuleNotInForce:
        return None


def policy(profile: Profile, on: dt.date) -> ListPolicy:
    """The lists in force on ``on`` (RuleNotInForce when the profile runs none then)."""
    kinds_rule = profile.rule("lists.kinds", on)
    kinds = {k: _kind(profile, k, on) for k in kinds_rule.value["kinds"]}
    lenient = _optional(profile, "lists.lenient_handling", on)
    persons = _optional(profile, "lists.responsible_persons", on)
    notice = profile.rule("lists.prior_notice", on)
    remedies = profile.rule("lists.remedies", on)
    return ListPolicy(
        kinds=kinds, kinds_citation=str(kinds_rule.citation), mode=profile.lists_mode,
        lenient_flags=dict(lenient.value["flags"]) if lenient else {},
        lenient_citation=str(lenient.citation) if lenient else "",
        responsible_roles=dict(persons.value["roles"]) if persons else {},
        responsible_subject_kinds=tuple(persons.value.get("subject_kinds", ())) if persons else (),
        responsible_citation=str(persons.citation) if persons else "",
        rights_zh=tuple(notice.value["rights_zh"]), rights_en=tuple(notice.value["rights_en"]),
        notice_citation=str(notice.citation),
        remedies_zh=remedies.value["text_zh"], remedies_en=remedies.value["text_en"],
        remedies_citation=str(remedies.citation))


def _kind(profile: Profile, key: str, on: dt.date) -> KindSpec:
    rule = profile.rule(f"lists.kind.{key}", on)
    v = rule.value
    categories: dict[str, str] = {}
    categories_en: dict[str, str] = {}
    if v.get("categories_rule"):
        cat_value = profile.rule(v["categories_rule"], on).value
        categories, categories_en = dict(cat_value["categories"]), dict(cat_value.get("categories_en") or {})
    criteria, criteria_citation, clean_years, adverse, ends = {}, "", 0, (), {}
    if v.get("criteria_rule"):
        crit = profile.rule(v["criteria_rule"], on)
        criteria, criteria_citation = dict(crit.value["criteria"]), str(crit.citation)
        clean_years = int(crit.value.get("clean_years", 0))
        adverse = tuple(crit.value.get("adverse_severities", ()))
        ends = crit.value
    period = v["period_months"]
    return KindSpec(
        key=key, name_zh=v["name_zh"], name_en=v["name_en"], polarity=v["polarity"], categories=categories,
        categories_en=categories_en,
        criteria=criteria, criteria_citation=criteria_citation, clean_years=clean_years, adverse_severities=adverse,
        ended_by_punitive_listing=bool(ends.get("ended_by_punitive_listing")),
        ended_by_adverse_record=bool(ends.get("ended_by_adverse_record")),
        current_adverse_severities=tuple(ends.get("current_adverse_severities") or ()),
        prior_notice=bool(v["prior_notice"]), basis_records_required=bool(v["basis_records_required"]),
        basis_severity=tuple(v["basis_severity"]) if v.get("basis_severity") else None,
        lenient_refuses=bool(v.get("lenient_refuses")), responsible_persons=bool(v.get("responsible_persons")),
        period_default=int(period["default"]), period_min=int(period["min"]), period_max=int(period["max"]),
        removal_conditions_zh=v.get("removal_conditions_zh", ""), removal_conditions_en=v.get("removal_conditions_en", ""),
        citation=str(rule.citation))


@dataclasses.dataclass(frozen=True)
class ListWording:
    """A list and a category as the law in force names them (never their codes)."""
    list_zh: str
    list_en: str
    category_zh: str
    category_en: str


def list_wording(profile: Profile, on: dt.date, category: str | None, kinds: tuple[str, ...] = ()) -> ListWording:
    """The name of the punitive list (among ``kinds`` when given) whose categories include
    ``category``, and the category's name, from the profile in force on ``on``: Quanzhou's
    严重失信主体名单 or Fuzhou's black list. Falls back to the national categories' names and a
    generic "失信主体名单" when the profile runs no such list then."""
    try:
        found = [k for k in policy(profile, on).kinds.values()
                 if k.punitive and (not kinds or k.key in kinds) and (category is None or category in k.categories)]
    except RuleNotInForce:
        found = []
    if found:
        k = found[0]
        return ListWording(k.name_zh, k.name_en, k.categories.get(category, "") if category else "",
                           k.categories_en.get(category, k.categories.get(category, "")) if category else "")
    names_zh, names_en = {}, {}
    try:
        value = profile.rule("lists.serious_dishonesty", on).value
        names_zh, names_en = dict(value.get("categories") or {}), dict(value.get("categories_en") or {})
    except (RuleNotInForce, KeyError):
        pass
    return ListWording("失信主体名单", "list of dishonest subjects", names_zh.get(category or "", ""),
                       names_en.get(category or "", ""))


# ---- the proposal ---------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class BasisFacts:
    id: int
    subject_id: int
    source_agency_id: int
    severity: str | None
    status: str                   # active | repaired
    decision_no: str = ""         # 决定文书号: how the record is named to people
    publicity_ended: bool = False  # its publicity period ended on or before today (publicity_end <= today)

    @property
    def named(self) -> str:
        return f"“{self.decision_no}”" if self.decision_no else f"（编号 {self.id}）"

    @property
    def named_en(self) -> str:
        return f"'{self.decision_no}'" if self.decision_no else f"#{self.id}"


@dataclasses.dataclass(frozen=True)
class ProposalFacts:
    kind: str
    subject_id: int
    subject_kind: str
    category: str | None
    criteria: tuple[str, ...]
    lenient_flags: tuple[str, ...]
    period_months: int
    basis: tuple[BasisFacts, ...]
    missing_record_ids: tuple[int, ...]       # named but not found
    responsible_roles: tuple[str, ...]
    proposer_org_id: int | None               # an agency proposing: its records only
    open_procedure_kinds: frozenset[str]      # kinds with an open procedure for the subject
    active_entry_kinds: frozenset[str]        # kinds the subject is on now
    adverse_records_recent: int               # adverse records within the red list's clean window
    adverse_records_current: int = 0          # records of kind.current_adverse_severities in public view today
    measures_given: bool = True
    platform_flags: tuple[str, ...] = ()      # QZ art. 21 cases the platform can know (a minor)
    lenient_waiver_reason: str = ""


def check_proposal(p: ListPolicy, f: ProposalFacts) -> Verdict:
    """The first reason a proposal cannot be made, or allowed (with the kind's citation)."""
    kind = p.kinds.get(f.kind)
    if kind is None:
        names = "、".join(k.name_zh for k in p.kinds.values())
        return _no("kind_not_run", f"本地不设该名单；可提出的名单：{names}",
                   f"this city runs no such list; lists: {', '.join(p.kinds)}", p.kinds_citation)
    for check in (_check_duplicate, _check_category_or_criteria, _check_lenient, _check_basis,
                  _check_period, _check_persons, _check_measures):
        verdict = check(p, kind, f)
        if not verdict.allowed:
            return verdict
    return _ok(kind.citation)


def _check_duplicate(p: ListPolicy, kind: KindSpec, f: ProposalFacts) -> Verdict:
    if f.kind in f.open_procedure_kinds:
        return _no("procedure_open", f"该主体已有进行中的{kind.name_zh}认定程序",
                   f"a {kind.name_en} procedure is already open for this subject", kind.citation)
    if f.kind in f.active_entry_kinds:
        return _no("already_listed", f"该主体已在{kind.name_zh}中", f"the subject is already on the {kind.name_en}",
                   kind.citation)
    return _ok()


def _check_category_or_criteria(p: ListPolicy, kind: KindSpec, f: ProposalFacts) -> Verdict:
    if kind.punitive:
        if f.category not in kind.categories:
            allowed = "；".join(f"（{i}）{name}" for i, name in enumerate(kind.categories.values(), 1))
            return _no("category_not_allowed",
                       f"列入{kind.name_zh}仅限下列情形，不得擅自增加或者扩展：{allowed}",
                       f"a {kind.name_en} listing must cite one of the legal categories "
                       f"({'; '.join(kind.categories_en.get(c, c) for c in kind.categories)}); "
                       "nothing else may be added", kind.citation)
        return _ok()
    punitive_on = [k for k in f.active_entry_kinds if k in p.kinds and p.kinds[k].punitive]
    if punitive_on:
        return _no("on_punitive_list", f"该主体在{p.kinds[punitive_on[0]].name_zh}中，不能列入{kind.name_zh}",
                   f"the subject is on the {p.kinds[punitive_on[0]].name_en}; it cannot be put on the {kind.name_en}",
                   kind.citation)
    unknown = [c for c in f.criteria if c not in kind.criteria]
    if not f.criteria or unknown:
        names = "；".join(c["zh"] for c in kind.criteria.values())
        return _no("criteria_required", f"列入{kind.name_zh}须符合认定标准：{names}",
                   f"a {kind.name_en} proposal cites the criteria it meets "
                   f"({'; '.join(c.get('en') or c['zh'] for c in kind.criteria.values())})",
                   kind.criteria_citation or kind.citation)
    if kind.current_adverse_severities and f.adverse_records_current > 0:
        return _no("current_adverse_records",
                   f"该主体有{f.adverse_records_current}条在公示期内的失信信息，不是守信主体，不能列入{kind.name_zh}",
                   f"the subject has {f.adverse_records_current} dishonesty record(s) in public view; it is no "
                   f"trustworthy subject and cannot be put on the {kind.name_en}", kind.criteria_citation)
    if "three_years_clean" in f.criteria and f.adverse_records_recent > 0:
        return _no("criteria_not_met",
                   f"该主体近{kind.clean_years}年内有{f.adverse_records_recent}条不良信用记录，不符合“连续{kind.clean_years}年无不良信用记录”",
                   f"the subject has {f.adverse_records_recent} adverse record(s) within {kind.clean_years} years",
                   kind.criteria_citation)
    return _ok()


def _check_lenient(p: ListPolicy, kind: KindSpec, f: ProposalFacts) -> Verdict:
    unknown = [c for c in f.lenient_flags if c not in p.lenient_flags]
    if unknown:
        return _no("lenient_flag_unknown", f"本地规定未设此宽容审慎情形：{'、'.join(unknown)}",
                   f"no such lenient-handling case in this profile: {', '.join(unknown)}",
                   p.lenient_citation or kind.citation)
    raised = [c for c in f.platform_flags if c in p.lenient_flags and c not in f.lenient_flags]
    if raised and kind.punitive and not f.lenient_waiver_reason.strip():
        cases = "；".join(p.lenient_flags[c]["zh"] for c in raised)
        cases_en = "; ".join(p.lenient_flags[c]["en"] for c in raised)
        return _no("lenient_raised",
                   f"平台核实属于应当宽容、审慎认定和记录的情形（{cases}）：请按该情形从宽处理，"
                   f"或写明不予从宽的理由",
                   f"the platform finds a case for lenient and prudent handling ({cases_en}): handle it "
                   f"leniently, or record the reason for proceeding without leniency", p.lenient_citation)
    if f.lenient_flags and kind.punitive and kind.lenient_refuses:
        cases = "；".join(p.lenient_flags[c]["zh"] for c in f.lenient_flags)
        cases_en = "; ".join(p.lenient_flags[c]["en"] for c in f.lenient_flags)
        return _no("lenient_handling",
                   f"属于应当宽容、审慎认定和记录的情形（{cases}），不列入{kind.name_zh}，应依法从宽处理",
                   f"a case for lenient and prudent handling ({cases_en}): not put on the {kind.name_en}; "
                   f"handle it leniently", p.lenient_citation)
    return _ok()


def _check_basis(p: ListPolicy, kind: KindSpec, f: ProposalFacts) -> Verdict:
    if f.missing_record_ids:
        ids = ", ".join(map(str, f.missing_record_ids))
        return _no("basis_not_found", f"未找到依据的信用记录：{ids}", f"basis records not found: {ids}", kind.citation)
    if kind.basis_records_required and not f.basis:
        return _no("basis_required", f"列入{kind.name_zh}须载明所依据的失信行为记录",
                   f"a {kind.name_en} listing names the records of the acts it rests on", kind.citation)
    for rec in f.basis:
        if rec.subject_id != f.subject_id:
            return _no("basis_not_of_subject", f"记录{rec.named}不属于该主体", f"record {rec.named_en} is not the subject's",
                       kind.citation)
        if f.proposer_org_id is not None and rec.source_agency_id != f.proposer_org_id:
            return _no("basis_not_own", f"记录{rec.named}不是本单位认定的记录，应由认定单位提出",
                       f"record {rec.named_en} was not determined by your agency: its source agency proposes",
                       kind.citation)
        verdict = basis_record_verdict(kind, rec)
        if not verdict.allowed:
            return verdict
    return _ok()


def basis_record_verdict(kind: KindSpec, rec: BasisFacts, *, in_view: bool = True) -> Verdict:
    """Whether one record can ground a listing of this kind today: not repaired, and classed as
    the kind requires (QZ art. 22 paras. 1, 3: only acts classed serious); and, with ``in_view``,
    its publicity period not ended: information whose publicity has ended is no longer published
    nor used (NDRC Order 36; QZ art. 36 para. 2), so it grounds no new listing. Checked when the listing
    is proposed and again when it is decided, and whenever the record changes after (a
    correction on objection, a re-sent decision, a repair): service.reconsider_basis."""
    if rec.status != "active":
        return _no("basis_repaired", f"记录{rec.named}已经信用修复，不能作为列入依据",
                   f"record {rec.named_en} has been repaired and is no basis for a listing", kind.citation)
    if kind.basis_severity and rec.severity not in kind.basis_severity:
        return _no("basis_not_serious",
                   f"记录{rec.named}的失信严重程度为“{SEVERITY_ZH.get(rec.severity or '', rec.severity or '未分类')}”；列入{kind.name_zh}的失信行为须认定为严重",
                   f"record {rec.named_en} is classed {rec.severity or 'unclassed'}; a {kind.name_en} listing "
                   f"rests on acts classed {'/'.join(kind.basis_severity)}", kind.citation)
    if in_view and rec.publicity_ended:
        return _no("basis_publicity_ended",
                   f"记录{rec.named}的公示期已届满，已停止公示，不能作为列入依据",
                   f"the publicity of record {rec.named_en} has ended; it is no basis for a listing", kind.citation)
    return _ok(kind.citation)


def check_basis_holds(kind: KindSpec, basis: tuple[BasisFacts, ...]) -> Verdict:
    """Before the decision every record the proposal (and its prior notice) named must still
    ground it: a notice whose grounds no longer hold cannot become a decision."""
    for rec in basis:
        verdict = basis_record_verdict(kind, rec)
        if not verdict.allowed:
            return verdict
    return _ok(kind.citation)


def basis_left(kind: KindSpec, basis: tuple[BasisFacts, ...]) -> bool:
    """After the decision a listing stands while one of its records still grounds it (as with
    repair: a listing on several records ends once none is left). A decided listing runs its
    own period: its records leaving public view do not end it (their repair does)."""
    return any(basis_record_verdict(kind, rec, in_view=False).allowed for rec in basis)


def _check_period(p: ListPolicy, kind: KindSpec, f: ProposalFacts) -> Verdict:
    if not kind.period_min <= f.period_months <= kind.period_max:
        return _no("period_out_of_range", f"{kind.name_zh}的期限为{kind.period_min}至{kind.period_max}个月",
                   f"the {kind.name_en} period is {kind.period_min} to {kind.period_max} months", kind.citation)
    return _ok()


def _check_persons(p: ListPolicy, kind: KindSpec, f: ProposalFacts) -> Verdict:
    if not f.responsible_roles:
        return _ok()
    cite = p.responsible_citation or kind.citation
    if not (kind.punitive and kind.responsible_persons and p.responsible_roles):
        return _no("responsible_persons_not_allowed", f"{kind.name_zh}不标明责任人",
                   f"responsible persons are not marked on the {kind.name_en}", cite)
    if f.subject_kind not in p.responsible_subject_kinds:
        return _no("responsible_persons_not_allowed", "仅对法人和非法人组织标明负有责任的法定代表人、主要负责人和其他直接负责人",
                   "responsible persons are marked only for legal persons and unincorporated organisations", cite)
    unknown = [r for r in f.responsible_roles if r not in p.responsible_roles]
    if unknown:
        return _no("responsible_role_unknown", f"未知的责任人类别：{'、'.join(unknown)}",
                   f"unknown responsible-person roles: {', '.join(unknown)}", cite)
    return _ok()


def _check_measures(p: ListPolicy, kind: KindSpec, f: ProposalFacts) -> Verdict:
    if not f.measures_given:
        what = ("失信惩戒措施", "punishment measures") if kind.punitive else ("守信激励措施", "incentive measures")
        return _no("measures_required", f"请写明拟采取的{what[0]}（决定文书须载明）",
                   f"state the {what[1]} (the decision document states them)", kind.citation)
    return _ok()


def minor_at(birth: dt.date, act: dt.date) -> bool:
    """QZ art. 21 (1): under 18 on the date of the act (the birth date is in the resident ID)."""
    return (act.year - birth.year - ((act.month, act.day) < (birth.month, birth.day))) < 18


def birth_date(resident_id: str) -> dt.date | None:
    """GB 11643: characters 7-14 are the birth date (YYYYMMDD)."""
    try:
        return dt.date(int(resident_id[6:10]), int(resident_id[10:12]), int(resident_id[12:14]))
    except (ValueError, IndexError):
        return None


# ---- what ends an incentive listing ---------------------------------------------------------------------

def incentive_ended_by(kind: KindSpec, *, punitive: KindSpec | None = None, adverse_severity: str | None = None
                       ) -> Verdict | None:
    """FZ art. 14, 16-17: a subject is not on opposite lists at once. A punitive listing, or a
    record of an adverse severity (it breaks "no adverse credit record", art. 16(1)), ends the
    incentive entry, with the reason and the criteria's citation; None when it does not."""
    if kind.punitive:
        return None
    cite = kind.criteria_citation or kind.citation
    if punitive is not None and punitive.punitive and kind.ended_by_punitive_listing:
        return _no("criteria_broken", f"已被列入{punitive.name_zh}，不再符合{kind.name_zh}认定标准",
                   f"put on the {punitive.name_en}: no longer meets the {kind.name_en} criteria", cite)
    if adverse_severity is not None and kind.ended_by_adverse_record and adverse_severity in kind.adverse_severities:
        return _no("criteria_broken", f"新增{adverse_severity}失信记录，不再符合{kind.name_zh}认定标准（无不良信用记录）",
                   f"a new {adverse_severity} record: no longer meets the {kind.name_en} criteria (no adverse record)",
                   cite)
    return None


# ---- the steps ------------------------------------------------------------------------------------------

def check_notice(kind: KindSpec, status: str, policy_: ListPolicy) -> Verdict:
    """QZ art. 23 para. 1: written notice of reasons, basis and rights before the decision."""
    if not kind.prior_notice:
        return _no("notice_not_required", f"{kind.name_zh}不需事先告知", f"the {kind.name_en} needs no prior notice",
                   kind.citation)
    if status != "proposed":
        return _no("wrong_status", "已经告知过", "the notice has already been sent", policy_.notice_citation)
    return _ok(policy_.notice_citation)


def check_objection(status: str, notice_due_on: dt.date | None, today: dt.date, already_objected: bool,
                    citation: str) -> Verdict:
    """The subject objects within the notice period (QZ art. 23 para. 1)."""
    if status not in ("notice",) or notice_due_on is None:
        return _no("wrong_status", "当前不能提出异议", "no objection can be made at this step", citation)
    if already_objected:
        return _no("objection_already_made", "已提出过异议并已答复", "an objection has already been made and answered",
                   citation)
    if today > notice_due_on:
        return _no("notice_period_over", f"告知期已于 {notice_due_on.isoformat()} 届满，不能再提出异议",
                   f"the notice period ended on {notice_due_on.isoformat()}", citation)
    return _ok(citation)


def check_objection_reply(status: str, outcome: str, reply: str, citation: str) -> Verdict:
    """QZ art. 23 para. 1: verify and answer the objection (within 3 working days)."""
    if status != "objection":
        return _no("wrong_status", "没有待答复的异议", "there is no objection to answer", citation)
    if outcome not in OBJECTION_OUTCOMES:
        return _no("outcome_invalid", "请选择核实结果：维持拟列入或撤回", "choose the outcome: upheld or withdrawn", citation)
    if not reply.strip():
        return _no("reply_required", "请写明核实情况和理由", "state what was verified and why", citation)
    return _ok(citation)


def check_decision(kind: KindSpec, status: str, notice_due_on: dt.date | None, today: dt.date,
                   notice_citation: str) -> Verdict:
    """The decision waits for the notice and its period, and for the answer to any objection
    (QZ art. 23); a list without prior notice is decided on the proposal."""
    if status in ("decided", "withdrawn"):
        return _no("wrong_status", "该程序已经结束", "the procedure is closed", kind.citation)
    if kind.prior_notice:
        if status == "proposed":
            return _no("notice_not_sent", "作出认定决定前，应当书面告知拟作出决定的事由、依据和依法享有的权利",
                       "before the decision the subject is told in writing of the reasons, basis and its rights",
                       notice_citation)
        if status == "objection":
            return _no("objection_unanswered", "主体提出的异议尚未核实答复，不能作出决定",
                       "the subject's objection has not been verified and answered", notice_citation)
        if notice_due_on is not None and today <= notice_due_on:
            return _no("notice_period_running", f"告知期至 {notice_due_on.isoformat()} 届满，届满后方可作出决定",
                       f"the notice period runs until {notice_due_on.isoformat()}; decide after it", notice_citation)
    return _ok(kind.citation)


def check_publication(entry_status: str) -> Verdict:
    if entry_status != "decided":
        return _no("wrong_status", "该名单条目已公布或已移出", "the entry is already published or removed", "")
    return _ok()


def check_removal(entry_status: str, note: str, kind: KindSpec) -> Verdict:
    if entry_status not in ("active", "decided"):
        return _no("wrong_status", "该名单条目已移出", "the entry has already been removed", kind.citation)
    if not note.strip():
        return _no("note_required", "请写明满足的移出条件", "state the removal condition that is met", kind.citation)
    return _ok(kind.citation)


# ---- periods ---------------------------------------------------------------------------------------------

def add_months(day: dt.date, months: int) -> dt.date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def period_end(listed_on: dt.date, months: int) -> dt.date:
    """The last day on the list: ``months`` after publication, less one day."""
    return add_months(listed_on, months) - dt.timedelta(days=1)


def is_expired(period_end_: dt.date | None, today: dt.date) -> bool:
    return period_end_ is not None and today > period_end_
