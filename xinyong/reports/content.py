"""What a report says, gathered from the database into plain sections (kit.pdf.Section) that
render.py draws: the subject, its records with source agency, decision date, publicity window and
marks (repaired, under objection), each record's change history with the change reasons, the
data sources, and — in the full report — lists, grades, commitments and who queried the subject
(FZ art. 24, QZ art. 10-11, 33). Reads only; the service decides who may have it."""
from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
from collections import Counter

from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.catalogue import CatalogueError, get_catalogue
from xinyong.disclosure.publicity import in_public_view
from xinyong.kit.masking import mask_name
from xinyong.kit.pdf import Section
from xinyong.kit.web import local_time
from xinyong.law import active_profile
from xinyong.models import Record, Subject
from xinyong.reports import repository, rules
from xinyong.web.wording import word

PERSON_KINDS = ("natural_person",)
KIND_ZH = {"natural_person": "自然人", "legal_person": "法人", "individual_business": "个体工商户",
           "unincorporated": "非法人组织", "public_body": "公共管理机构"}
SUMMARY_FIELDS = ("offence_type", "penalty_kinds", "legal_basis")


@dataclasses.dataclass
class Content:
    kind: str
    title: str
    subject_display: str          # as printed (masked in the public report for persons)
    subject_masked: str           # as a verifier sees it
    uscc: str
    sections: list[Section]
    record_count: int
    finding: str | None = None    # special: clean | violations
    params: dict = dataclasses.field(default_factory=dict)
    citations: list[str] = dataclasses.field(default_factory=list)


def _item_name(code: str) -> str:
    try:
        return get_catalogue().get(code).name_zh
    except CatalogueError:
        return code


def _window(r: Record) -> str:
    if not r.publicity_published:
        return "不予公示"
    end = r.publicity_end.isoformat() if r.publicity_end else "长期"
    return f"{r.publicity_start.isoformat()} 至 {end}"


def _marks(r: Record, today: dt.date) -> str:
    public = in_public_view(r, today)
    return "、".join(zh for zh, _ in rules.record_marks(r.status, bool(r.under_objection), public))


def _summary(r: Record) -> str:
    fields = r.fields or {}
    parts = [str(fields[k]) for k in SUMMARY_FIELDS if fields.get(k)]
    return "；".join(parts)[:120]


def records_table(rows: list[tuple[Record, str]], today: dt.date, with_summary: bool = False) -> list[list[str]]:
    head = ["序号", "信息事项", "决定文书号", "决定日期", "来源机构", "公示期", "状态"]
    table = [head + (["摘要"] if with_summary else [])]
    for n, (r, agency) in enumerate(rows, start=1):
        row = [str(n), _item_name(r.item_code), r.decision_no, r.decision_date.isoformat(), agency, _window(r),
               _marks(r, today)]
        table.append(row + ([_summary(r) or "—"] if with_summary else []))
    return table


def changes_section(session: Session, subject_id: int, rows: list[tuple[Record, str]], per_record: int) -> Section:
    """FZ art. 24: the change reasons of every record in the report, newest first."""
    histories = repository.record_histories(session, subject_id, [r.id for r, _ in rows])
    table = [["决定文书号", "版本", "变动时间", "变动理由"]]
    numbers = {r.id: r.decision_no for r, _ in rows}
    for record_id, versions in histories.items():
        for h in versions[:per_record]:
            table.append([numbers.get(record_id, str(record_id)), f"第 {h.version} 版被替换",
                          local_time(h.changed_at), h.change_reason])
    if len(table) == 1:
        return Section(heading="信息变动及理由", paragraphs=["本报告所列记录自归集以来未发生变动。"])
    return Section(heading="信息变动及理由", paragraphs=["以下为所列记录的历次变动及变动理由（新者在前）。"],
                   table=table)


def sources_section(rows: list[tuple[Record, str]]) -> Section:
    counts = Counter(agency for _, agency in rows)
    latest: dict[str, dt.date] = {}
    for r, agency in rows:
        latest[agency] = max(latest.get(agency, r.decision_date), r.decision_date)
    table = [["信息来源机构", "记录数", "最近决定日期"]]
    table += [[agency, str(n), latest[agency].isoformat()] for agency, n in counts.most_common()]
    if len(table) == 1:
        return Section(heading="信息来源", paragraphs=["本报告未列示记录，无信息来源。"])
    return Section(heading="信息来源", paragraphs=["本报告所列信息由以下公共管理机构归集共享至本平台。"], table=table)


def subject_section(subject: Subject, display: str, kind: str, extra: list[tuple[str, str]]) -> Section:
    return Section(heading="主体信息", rows=[("主体名称", display), ("统一社会信用代码", subject.uscc or "—"),
                                              ("主体类别", KIND_ZH.get(subject.kind, subject.kind)),
                                              ("报告类型", rules.TITLES[kind][0]), *extra])


def masking_rule() -> dict:
    return active_profile().rule("masking.natural_person", on=clock.today()).value


def names(subject: Subject, masked_for_public: bool) -> tuple[str, str]:
    """(name printed, name a verifier sees)."""
    masking = masking_rule()
    printed = subject.name
    if masked_for_public and subject.kind in PERSON_KINDS:
        printed = mask_name(subject.name, **masking["name"])
    return printed, rules.masked_subject_name(subject.name, subject.kind, masking["name"].get("keep_first", 1))


# ---- the three reports ----------------------------------------------------------------------------------

def full(session: Session, subject: Subject, policy: rules.ReportPolicy) -> Content:
    today = clock.today()
    rows = repository.records_of(session, subject.id)
    printed, masked = names(subject, False)
    sections = [subject_section(subject, printed, "full", [("记录总数", str(len(rows)))]),
                Section(heading="信用记录（含非公开信息）",
                        paragraphs=["下列为平台归集的本主体全部信用记录，包括非公开信息；状态栏标明已信用修复、异议处理中及公示情况。"],
                        table=records_table(rows, today)),
                changes_section(session, subject.id, rows, policy.history_per_record),
                sources_section(rows)]
    sections += [s for s in (lists_section(session, subject.id, today), grade_section(session, subject.id),
                             commitments_section(session, subject.id), declarations_section(session, subject, False))
                 if s is not None]
    sections += access_sections(session, subject.id, policy, today)
    return Content("full", rules.TITLES["full"][0], printed, masked, subject.uscc or "", sections, len(rows),
                   citations=[policy.citations["full"], policy.citations["sources"]])


def public(session: Session, subject: Subject, policy: rules.ReportPolicy) -> Content:
    from xinyong.disclosure.repository import public_records
    today = clock.today()
    rows = public_records(session, subject.id, today, limit=repository.RECORDS_LIMIT)
    printed, masked = names(subject, True)
    person = subject.kind in PERSON_KINDS
    sections = [subject_section(subject, printed, "public", [("公开记录数", str(len(rows)))]),
                Section(heading="公开信用记录",
                        paragraphs=["下列为截至出具日处于公示期内的信用记录" + ("（自然人信息已按规定遮蔽）" if person else "") + "。"],
                        table=records_table(rows, today)),
                changes_section(session, subject.id, rows, policy.history_per_record),
                sources_section(rows)]
    sections += [s for s in (declarations_section(session, subject, True),) if s is not None]
    return Content("public", rules.TITLES["public"][0], printed, masked, subject.uscc or "", sections, len(rows),
                   citations=[policy.citations["public"], policy.citations["sources"]])


def special(session: Session, subject: Subject, policy: rules.ReportPolicy, field_code: str,
            date_from: dt.date, date_to: dt.date) -> Content:
    """QZ art. 11: violation records in the field over the period; repaired ones are not counted."""
    today = clock.today()
    field = policy.fields[field_code]
    candidates = repository.records_of(session, subject.id, policy.violation_items)
    hits = [(r, a) for r, a in candidates if rules.in_period(r.decision_date, date_from, date_to)
            and rules.in_field(field, r.item_code, a, tuple(str((r.fields or {}).get(k) or "") for k in
                                                             ("legal_basis", "offence_type")), policy.violation_items)]
    counted = [(r, a) for r, a in hits if r.status != "repaired"]
    repaired = len(hits) - len(counted)
    finding, zh, _en = rules.special_finding(len(counted), field, date_from, date_to)
    printed, masked = names(subject, False)
    period = f"{date_from.isoformat()} 至 {date_to.isoformat()}"
    sections = [subject_section(subject, printed, "special", [("查询领域", field.zh), ("查询期间", period)]),
                Section(heading="查询结论", paragraphs=[zh] + (
                    [f"另有 {repaired} 条记录已完成信用修复，依规不再作为违法违规记录使用。"] if repaired else []))]
    if counted:
        sections.append(Section(heading="违法违规记录", table=records_table(counted, today)))
    scope = "、".join(_item_name(c) for c in policy.violation_items)
    sections += [changes_section(session, subject.id, counted, policy.history_per_record), sources_section(counted),
                 Section(heading="查询范围", paragraphs=[f"违法违规记录指：{scope}。领域按处罚机关、处罚依据及违法行为类型认定。",
                                                      f"本报告可替代“有无违法违规记录证明”（{policy.citations['special']}）。"])]
    return Content("special", rules.TITLES["special"][0], printed, masked, subject.uscc or "", sections, len(counted),
                   finding=finding, params={"field": field_code, "from": date_from.isoformat(), "to": date_to.isoformat()},
                   citations=[policy.citations["special"], policy.citations["scope"], policy.citations["sources"]])


# ---- parts from other domains (present once their packages are) ----------------------------------------

def _optional(module: str, name: str):
    try:
        return getattr(importlib.import_module(module), name, None)
    except ModuleNotFoundError:
        return None


def lists_section(session: Session, subject_id: int, today: dt.date) -> Section | None:
    active_entries = _optional("xinyong.lists.repository", "active_entries")
    if active_entries is None:
        return Section(heading="名单信息", paragraphs=["名单功能尚未启用。"])
    entries = active_entries(session, [subject_id], today).get(subject_id, [])
    if not entries:
        return Section(heading="名单信息", paragraphs=["截至出具日未列入任何名单。"])
    table = [["名单", "类别", "列入日期", "期限至", "状态", "依据"]]
    table += [[e.kind, e.category or "—", e.listed_on.isoformat() if e.listed_on else "—",
               e.period_end.isoformat() if e.period_end else "—", e.status, e.citation] for e in entries]
    return Section(heading="名单信息", table=table)


def grade_section(session: Session, subject_id: int) -> Section | None:
    current_grades = _optional("xinyong.evaluation.service", "current_grades")
    if current_grades is None:
        return Section(heading="公共信用综合评价", paragraphs=["评价结果尚未发布。"])
    grades = current_grades(session, [subject_id])
    grade = grades.get(subject_id)
    if grade is None:
        return Section(heading="公共信用综合评价", paragraphs=["尚未评价。"])
    return Section(heading="公共信用综合评价", rows=[("评价等级", str(grade))])


def commitments_section(session: Session, subject_id: int) -> Section:
    found = repository.commitments_of(session, subject_id)
    if not found:
        return Section(heading="信用承诺", paragraphs=["无信用承诺记录。"])
    table = [["承诺书编号", "事项", "签署日期", "期限", "状态"]]
    table += [[c.commitment_no, c.matter[:40], c.signed_on.isoformat(), c.deadline.isoformat() if c.deadline else "—",
               c.status] for c in found]
    return Section(heading="信用承诺", table=table)


def access_sections(session: Session, subject_id: int, policy: rules.ReportPolicy, today: dt.date) -> list[Section]:
    """QZ art. 33, FZ art. 24: who queried the subject, and on what basis."""
    since = dt.datetime.combine(today - dt.timedelta(days=policy.access_log_days), dt.time(), clock.CHINA_TZ)
    recent, counts = repository.access_summary(session, subject_id, since, policy.access_log_rows)
    if not counts:
        return [Section(heading="查询记录", paragraphs=[f"近 {policy.access_log_days} 天无查询记录。"])]
    by_who = [["查询方", "角色", "结果", "次数"]]
    by_who += [[org or _querier(role), word("role", role), _outcome(ok), str(n)] for org, role, ok, n in counts]
    latest = [["时间", "查询方", "依据", "用途", "结果"]]
    for log, org in recent:
        latest.append([local_time(log.at), org or _querier(log.role), word("basis", log.basis_kind),
                       (log.purpose or "—")[:30], _outcome(log.allowed)])
    return [Section(heading="查询记录", paragraphs=[f"近 {policy.access_log_days} 天内查询本主体信息的情况（含被拒绝的查询）。"],
                    table=by_who),
            Section(heading=f"最近 {len(recent)} 次查询", table=latest)]


def _querier(role: str) -> str:
    """Who queried, when no organisation did: the subject itself, or the service window."""
    actor = word("actor", "self" if role == "subject" else role)
    return actor if actor != "—" else word("role", role)


def _outcome(allowed: bool) -> str:
    return word("outcome", "allowed" if allowed else "refused")


def declarations_section(session: Session, subject: Subject, public: bool) -> Section | None:
    """What the subject declared itself (QZ art. 13, FZ art. 10), under the platform's label; in
    a public report only where the rule lets declarations be public (never natural persons)."""
    from xinyong.declarations import repository as declarations, service as declaring
    from xinyong.kit.errors import Conflict
    try:
        pol = declaring.display_policy()
    except Conflict:
        return None
    if public and (not pol.public_by_default or subject.kind in pol.not_public_kinds):
        return None
    found = declarations.of_subject(session, subject.id, published_only=True, limit=50)
    if not found:
        return None if public else Section(heading="自主申报信息", paragraphs=["无自主申报信息。"])
    table = [["形式", "类别", "标题", "申报日期"]]
    table += [[pol.forms[d.form].zh if d.form in pol.forms else d.form,
               pol.categories[d.category].zh if d.category in pol.categories else d.category,
               d.title[:40], local_time(d.declared_at, "%Y-%m-%d")] for d in found]
    return Section(heading="自主申报信息（未经核实）", paragraphs=[pol.label.zh, f"（{pol.citation}）"], table=table)

