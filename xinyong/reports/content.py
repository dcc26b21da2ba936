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
from xinyong.market import report as market_report
from xinyong.models import Record, Subject
from xinyong.reports import repository, rules
from xinyong.web.i18n import translate
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
    lang: str = "zh"              # the language it was issued in (zh | en); data stays as recorded


def t(lang: str, key: str, **params) -> str:
    """A report's words (messages/report_pdf.yaml) in the report's language."""
    return translate(f"report_pdf.{key}", lang, **params)


def _item_name(code: str, lang: str = "zh") -> str:
    try:
        item = get_catalogue().get(code)
        return item.name_en if lang == "en" else item.name_zh
    except CatalogueError:
        return code


def _window(r: Record, lang: str = "zh") -> str:
    if not r.publicity_published:
        return t(lang, "window_none")
    end = r.publicity_end.isoformat() if r.publicity_end else t(lang, "window_open")
    return t(lang, "window", start=r.publicity_start.isoformat(), end=end)


def _marks(r: Record, today: dt.date, lang: str = "zh") -> str:
    public = in_public_view(r, today)
    marks = rules.record_marks(r.status, bool(r.under_objection), public)
    return t(lang, "mark_sep").join(zh if lang == "zh" else en for zh, en in marks)


def _summary(r: Record, lang: str = "zh") -> str:
    fields = r.fields or {}
    parts = [str(fields[k]) for k in SUMMARY_FIELDS if fields.get(k)]
    return t(lang, "summary_sep").join(parts)[:120]


def records_table(rows: list[tuple[Record, str]], today: dt.date, with_summary: bool = False,
                  lang: str = "zh") -> list[list[str]]:
    head = [t(lang, f"col.{c}") for c in ("no", "item", "decision_no", "decision_date", "agency", "window", "status")]
    table = [head + ([t(lang, "col.summary")] if with_summary else [])]
    for n, (r, agency) in enumerate(rows, start=1):
        row = [str(n), _item_name(r.item_code, lang), r.decision_no, r.decision_date.isoformat(), agency,
               _window(r, lang), _marks(r, today, lang)]
        table.append(row + ([_summary(r, lang) or "—"] if with_summary else []))
    return table


def changes_section(session: Session, subject_id: int, rows: list[tuple[Record, str]], per_record: int,
                    lang: str = "zh") -> Section:
    """FZ art. 24: the change reasons of every record in the report, newest first."""
    histories = repository.record_histories(session, subject_id, [r.id for r, _ in rows])
    table = [[t(lang, f"col.{c}") for c in ("decision_no", "version", "changed_at", "change_reason")]]
    numbers = {r.id: r.decision_no for r, _ in rows}
    for record_id, versions in histories.items():
        for h in versions[:per_record]:
            table.append([numbers.get(record_id, str(record_id)), t(lang, "version_replaced", version=h.version),
                          local_time(h.changed_at), h.change_reason])
    if len(table) == 1:
        return Section(heading=t(lang, "changes"), paragraphs=[t(lang, "changes_none")])
    return Section(heading=t(lang, "changes"), paragraphs=[t(lang, "changes_lead")], table=table)


def sources_section(rows: list[tuple[Record, str]], lang: str = "zh") -> Section:
    counts = Counter(agency for _, agency in rows)
    latest: dict[str, dt.date] = {}
    for r, agency in rows:
        latest[agency] = max(latest.get(agency, r.decision_date), r.decision_date)
    table = [[t(lang, "col.source"), t(lang, "col.count"), t(lang, "col.latest")]]
    table += [[agency, str(n), latest[agency].isoformat()] for agency, n in counts.most_common()]
    if len(table) == 1:
        return Section(heading=t(lang, "sources"), paragraphs=[t(lang, "sources_none")])
    return Section(heading=t(lang, "sources"), paragraphs=[t(lang, "sources_lead")], table=table)


def subject_section(subject: Subject, display: str, kind: str, extra: list[tuple[str, str]],
                    lang: str = "zh") -> Section:
    kind_words = KIND_ZH.get(subject.kind, subject.kind) if lang == "zh" else word("subject_kind", subject.kind, "en")
    return Section(heading=t(lang, "subject"), rows=[(t(lang, "subject_name"), display),
                                                      (t(lang, "uscc"), subject.uscc or "—"),
                                                      (t(lang, "subject_kind"), kind_words),
                                                      (t(lang, "report_kind"), title(kind, lang)), *extra])


def title(kind: str, lang: str = "zh") -> str:
    return rules.TITLES[kind][0 if lang == "zh" else 1]


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

def full(session: Session, subject: Subject, policy: rules.ReportPolicy, lang: str = "zh") -> Content:
    today = clock.today()
    rows = repository.records_of(session, subject.id)
    printed, masked = names(subject, False)
    sections = [subject_section(subject, printed, "full", [(t(lang, "record_total"), str(len(rows)))], lang),
                Section(heading=t(lang, "records_full"), paragraphs=[t(lang, "records_full_lead")],
                        table=records_table(rows, today, lang=lang)),
                changes_section(session, subject.id, rows, policy.history_per_record, lang),
                sources_section(rows, lang)]
    sections += [s for s in (lists_section(session, subject.id, today, lang), grade_section(session, subject.id, lang),
                             commitments_section(session, subject.id, lang),
                             declarations_section(session, subject, False, lang),
                             market_report.section(session, subject, False, lang))   # apart (QZ art. 12)
                 if s is not None]
    sections += access_sections(session, subject.id, policy, today, lang)
    return Content("full", title("full", lang), printed, masked, subject.uscc or "", sections, len(rows),
                   citations=[policy.citations["full"], policy.citations["sources"]], lang=lang)


def public(session: Session, subject: Subject, policy: rules.ReportPolicy, lang: str = "zh") -> Content:
    from xinyong.disclosure.repository import public_records
    today = clock.today()
    rows = public_records(session, subject.id, today, limit=repository.RECORDS_LIMIT)
    printed, masked = names(subject, True)
    person = subject.kind in PERSON_KINDS
    lead = t(lang, "records_public_lead", masked=t(lang, "records_public_masked") if person else "")
    sections = [subject_section(subject, printed, "public", [(t(lang, "public_total"), str(len(rows)))], lang),
                Section(heading=t(lang, "records_public"), paragraphs=[lead], table=records_table(rows, today, lang=lang)),
                changes_section(session, subject.id, rows, policy.history_per_record, lang),
                sources_section(rows, lang)]
    sections += [s for s in (declarations_section(session, subject, True, lang),
                             market_report.section(session, subject, True, lang)) if s is not None]
    return Content("public", title("public", lang), printed, masked, subject.uscc or "", sections, len(rows),
                   citations=[policy.citations["public"], policy.citations["sources"]], lang=lang)


def special(session: Session, subject: Subject, policy: rules.ReportPolicy, field_code: str,
            date_from: dt.date, date_to: dt.date, lang: str = "zh") -> Content:
    """QZ art. 11: violation records in the field over the period; repaired ones are not counted."""
    today = clock.today()
    field = policy.fields[field_code]
    candidates = repository.records_of(session, subject.id, policy.violation_items)
    hits = [(r, a) for r, a in candidates if rules.in_period(r.decision_date, date_from, date_to)
            and rules.in_field(field, r.item_code, a, tuple(str((r.fields or {}).get(k) or "") for k in
                                                             ("legal_basis", "offence_type")), policy.violation_items)]
    counted = [(r, a) for r, a in hits if r.status != "repaired"]
    repaired = len(hits) - len(counted)
    finding, zh, en = rules.special_finding(len(counted), field, date_from, date_to)
    printed, masked = names(subject, False)
    period = t(lang, "window", start=date_from.isoformat(), end=date_to.isoformat())
    field_words = field.zh if lang == "zh" else field.en
    sections = [subject_section(subject, printed, "special", [(t(lang, "field"), field_words), (t(lang, "period"), period)],
                                lang),
                Section(heading=t(lang, "finding"), paragraphs=[zh if lang == "zh" else en] + (
                    [t(lang, "repaired", n=repaired)] if repaired else []))]
    if counted:
        sections.append(Section(heading=t(lang, "violations"), table=records_table(counted, today, lang=lang)))
    scope = t(lang, "mark_sep").join(_item_name(c, lang) for c in policy.violation_items)
    sections += [changes_section(session, subject.id, counted, policy.history_per_record, lang),
                 sources_section(counted, lang),
                 Section(heading=t(lang, "scope"), paragraphs=[t(lang, "scope_items", scope=scope),
                                                               t(lang, "scope_replaces",
                                                                 citation=policy.citations['special'])])]
    return Content("special", title("special", lang), printed, masked, subject.uscc or "", sections, len(counted),
                   finding=finding, params={"field": field_code, "from": date_from.isoformat(), "to": date_to.isoformat()},
                   citations=[policy.citations["special"], policy.citations["scope"], policy.citations["sources"]],
                   lang=lang)


# ---- parts from other domains (present once their packages are) ----------------------------------------

def _optional(module: str, name: str):
    try:
        return getattr(importlib.import_module(module), name, None)
    except ModuleNotFoundError:
        return None


def lists_section(session: Session, subject_id: int, today: dt.date, lang: str = "zh") -> Section | None:
    active_entries = _optional("xinyong.lists.repository", "active_entries")
    if active_entries is None:
        return Section(heading=t(lang, "lists"), paragraphs=[t(lang, "lists_off")])
    entries = active_entries(session, [subject_id], today).get(subject_id, [])
    if not entries:
        return Section(heading=t(lang, "lists"), paragraphs=[t(lang, "lists_none")])
    table = [[t(lang, f"col.{c}") for c in ("list", "category", "listed_on", "until", "status", "basis")]]
    table += [[e.kind, e.category or "—", e.listed_on.isoformat() if e.listed_on else "—",
               e.period_end.isoformat() if e.period_end else "—", e.status, e.citation] for e in entries]
    return Section(heading=t(lang, "lists"), table=table)


def grade_section(session: Session, subject_id: int, lang: str = "zh") -> Section | None:
    current_grades = _optional("xinyong.evaluation.service", "current_grades")
    if current_grades is None:
        return Section(heading=t(lang, "grade"), paragraphs=[t(lang, "grade_off")])
    grades = current_grades(session, [subject_id])
    grade = grades.get(subject_id)
    if grade is None:
        return Section(heading=t(lang, "grade"), paragraphs=[t(lang, "grade_none")])
    return Section(heading=t(lang, "grade"), rows=[(t(lang, "grade_level"), str(grade))])


def commitments_section(session: Session, subject_id: int, lang: str = "zh") -> Section:
    found = repository.commitments_of(session, subject_id)
    if not found:
        return Section(heading=t(lang, "commitments"), paragraphs=[t(lang, "commitments_none")])
    table = [[t(lang, f"col.{c}") for c in ("commitment_no", "matter", "signed_on", "deadline", "status")]]
    table += [[c.commitment_no, c.matter[:40], c.signed_on.isoformat(), c.deadline.isoformat() if c.deadline else "—",
               c.status] for c in found]
    return Section(heading=t(lang, "commitments"), table=table)


def access_sections(session: Session, subject_id: int, policy: rules.ReportPolicy, today: dt.date,
                    lang: str = "zh") -> list[Section]:
    """QZ art. 33, FZ art. 24: who queried the subject, and on what basis."""
    since = dt.datetime.combine(today - dt.timedelta(days=policy.access_log_days), dt.time(), clock.CHINA_TZ)
    recent, counts = repository.access_summary(session, subject_id, since, policy.access_log_rows)
    days = policy.access_log_days
    if not counts:
        return [Section(heading=t(lang, "access"), paragraphs=[t(lang, "access_none", days=days)])]
    by_who = [[t(lang, f"col.{c}") for c in ("querier", "role", "outcome", "times")]]
    by_who += [[org or _querier(role, lang), word("role", role, lang), _outcome(ok, lang), str(n)]
               for org, role, ok, n in counts]
    latest = [[t(lang, f"col.{c}") for c in ("time", "querier", "basis", "purpose", "outcome")]]
    for log, org in recent:
        latest.append([local_time(log.at), org or _querier(log.role, lang), word("basis", log.basis_kind, lang),
                       _purpose(log.purpose, lang)[:30], _outcome(log.allowed, lang)])
    return [Section(heading=t(lang, "access"), paragraphs=[t(lang, "access_lead", days=days)], table=by_who),
            Section(heading=t(lang, "access_latest", n=len(recent)), table=latest)]


def _querier(role: str, lang: str = "zh") -> str:
    """Who queried, when no organisation did: the subject itself, or the service window."""
    actor = word("actor", "self" if role == "subject" else role, lang)
    return actor if actor != "—" else word("role", role, lang)


def _purpose(purpose: str | None, lang: str = "zh") -> str:
    """A purpose as logged: the platform's own words for a subject's own report in the report's
    language; a purpose someone gave stays as given."""
    own = {zh: kind for kind, zh in rules.PURPOSE.items()}
    if lang != "zh" and purpose in own:
        return t(lang, f"purpose.{own[purpose]}")
    from xinyong.access.gate import purpose_in
    return purpose_in(purpose, lang) or "—"


def _outcome(allowed: bool, lang: str = "zh") -> str:
    return word("outcome", "allowed" if allowed else "refused", lang)


def declarations_section(session: Session, subject: Subject, public: bool, lang: str = "zh") -> Section | None:
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
        return None if public else Section(heading=t(lang, "declarations"), paragraphs=[t(lang, "declarations_none")])

    def named(table: dict, code: str) -> str:
        return (table[code].zh if lang == "zh" else table[code].en) if code in table else code
    table = [[t(lang, f"col.{c}") for c in ("form", "category", "title", "declared_on")]]
    table += [[named(pol.forms, d.form), named(pol.categories, d.category), d.title[:40],
               local_time(d.declared_at, "%Y-%m-%d")] for d in found]
    label = pol.label.zh if lang == "zh" else pol.label.en
    return Section(heading=t(lang, "declarations_unverified"), paragraphs=[label, t(lang, "cited", citation=pol.citation)],
                   table=table)
