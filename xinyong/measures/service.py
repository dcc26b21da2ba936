"""Use cases of joint incentive and punishment: sync the list files into draft versions,
publish or withdraw a version, run a joint check, apply a measure, record feedback, lift
applications after repair. Flushes, never commits; every state change is audited."""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from pathlib import Path

from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.access import gate
from xinyong.audit import record_event
from xinyong.history import change_context
from xinyong.kit import yamlfiles
from xinyong.kit.access import Principal
from xinyong.kit.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.kit.text import has_control_characters
from xinyong.law import active_profile
from xinyong.measures import repository, rules
from xinyong.models import Subject
from xinyong.models.measure import Measure, MeasureApplication, MeasureCheck, MeasureList
from xinyong.notifications.service import notify

LISTS_DIR = Path(__file__).parent / "lists"
FEEDBACK_EFFECTS = ("effective", "partly_effective", "not_effective", "not_carried_out")
LIST_FIELDS = ("code", "jurisdiction", "kind", "title_zh", "title_en", "compiled_by", "citation", "measures")
MEASURE_FIELDS = ("code", "item_zh", "item_en", "means_zh", "means_en", "implementing_body", "legal_basis",
                  "triggers", "matters")


def refuse_control_characters(**fields: str | None) -> None:
    for name, value in fields.items():
        if has_control_characters(value):
            raise InvalidInput("文本含有非法字符", field=name, code="control_character",
                               message_en=f"{name} may not contain control characters")


def jurisdiction() -> str:
    return active_profile().name


def rule(key: str, today: dt.date | None = None):
    return active_profile().rule(key, on=today or clock.today())


def matters(today: dt.date | None = None) -> dict[str, dict]:
    return rule("measures.matters", today).value["matters"]


# ---- the list files ---------------------------------------------------------------------------------

def read_list_files(directory: Path = LISTS_DIR, only: str | None = None) -> list[dict]:
    """Every list file (of one jurisdiction), checked: fields, trigger shapes, known matters."""
    out = []
    for path in sorted(directory.glob("*.yaml")):
        data = yamlfiles.safe_load(path.read_text(encoding="utf-8"))
        missing = [f for f in LIST_FIELDS if f not in data]
        if missing:
            raise InvalidInput(f"{path.name}: 缺少 {missing}", code="bad_measure_list",
                               message_en=f"{path.name}: missing {missing}")
        if only and data["jurisdiction"] != only:
            continue
        if data["kind"] not in rules.MEASURE_KINDS:
            raise InvalidInput(f"{path.name}: kind {data['kind']}", code="bad_measure_list")
        for m in data["measures"]:
            gaps = [f for f in MEASURE_FIELDS if not m.get(f)]
            if gaps:
                raise InvalidInput(f"{path.name} {m.get('code')}: 缺少 {gaps}", code="bad_measure_list",
                                   message_en=f"{path.name} {m.get('code')}: missing {gaps}")
            for t in m["triggers"]:
                try:
                    rules.check_trigger(t)
                except rules.TriggerError as exc:
                    raise InvalidInput(f"{path.name} {m['code']}: {exc}", code="bad_measure_list") from None
        out.append(data)
    return out


def _sha(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def sync(session: Session, actor: Principal | None, *, directory: Path = LISTS_DIR,
         today: dt.date | None = None) -> dict[str, int]:
    """Load the active jurisdiction's list files: an unchanged file keeps its version, a new
    or changed one becomes a new DRAFT version (never applicable until published)."""
    today = today or clock.today()
    known = matters(today)
    files = read_list_files(directory, only=jurisdiction())
    latest = repository.latest_versions(session)
    counts = {"added": 0, "unchanged": 0}
    change_context(session, user_id=actor.user_id if actor else None, reason="measure lists synced from files")
    for data in files:
        unknown = sorted({m for meas in data["measures"] for m in meas["matters"]} - set(known))
        if unknown:
            raise InvalidInput(f"{data['code']}: 事项 {unknown} 不在 measures.matters 中", code="unknown_matter",
                               message_en=f"{data['code']}: matters {unknown} are not in measures.matters")
        sha = _sha(data)
        prev = latest.get(data["code"])
        if prev is not None and prev.content_sha256 == sha:
            counts["unchanged"] += 1
            continue
        lst = MeasureList(code=data["code"], edition=(prev.edition + 1) if prev else 1,
                          jurisdiction=data["jurisdiction"], kind=data["kind"], title_zh=data["title_zh"],
                          title_en=data["title_en"], compiled_by=data["compiled_by"], citation=data["citation"],
                          content_sha256=sha, status="draft")
        session.add(lst)
        session.flush()
        session.add_all(Measure(list_id=lst.id, kind=data["kind"], **{f: m[f] for f in MEASURE_FIELDS})
                        for m in data["measures"])
        session.flush()
        record_event(session, actor, "measure_list.draft", target_type="measure_list", target_id=lst.id,
                     details={"code": lst.code, "version": lst.edition, "measures": len(data["measures"])})
        counts["added"] += 1
    return counts


def publish(session: Session, actor: Principal, list_id: int, document_no: str) -> MeasureList:
    """FZ art. 15 / QZ art. 24: publication is recorded (who, when, document number); the
    version it replaces is withdrawn so only one version of a list is ever in force."""
    document_no = (document_no or "").strip()
    refuse_control_characters(document_no=document_no)
    if not document_no:
        raise InvalidInput("请填写发布文号", field="document_no", message_en="the publication document number is required")
    lst = session.get(MeasureList, list_id)
    if lst is None:
        raise NotFound("清单不存在", message_en="no such list")
    if lst.status != "draft":
        raise Conflict(f"清单状态为 {lst.status}，只有草稿可以发布", code="not_draft",
                       message_en=f"the list is {lst.status}; only a draft can be published")
    change_context(session, user_id=actor.user_id, reason=f"published as {document_no}")
    now = clock.now()
    for older in repository.lists(session, statuses=("published",)):
        if older.code == lst.code:
            older.status, older.withdrawn_at, older.withdrawn_by = "withdrawn", now, actor.user_id
            older.withdrawal_reason = f"superseded by version {lst.edition} ({document_no})"
    lst.status, lst.published_at, lst.published_by, lst.document_no = "published", now, actor.user_id, document_no
    session.flush()
    record_event(session, actor, "measure_list.publish", target_type="measure_list", target_id=lst.id,
                 details={"code": lst.code, "version": lst.edition, "document_no": document_no})
    return lst


def withdraw(session: Session, actor: Principal, list_id: int, reason: str) -> MeasureList:
    reason = (reason or "").strip()
    refuse_control_characters(reason=reason)
    if not reason:
        raise InvalidInput("请说明撤回理由", field="reason", message_en="a reason is required")
    lst = session.get(MeasureList, list_id)
    if lst is None:
        raise NotFound("清单不存在", message_en="no such list")
    if lst.status != "published":
        raise Conflict("只有已公布的清单可以撤回", code="not_published", message_en="only a published list can be withdrawn")
    change_context(session, user_id=actor.user_id, reason=reason)
    lst.status, lst.withdrawn_at, lst.withdrawn_by, lst.withdrawal_reason = "withdrawn", clock.now(), actor.user_id, reason
    session.flush()
    record_event(session, actor, "measure_list.withdraw", target_type="measure_list", target_id=lst.id,
                 details={"code": lst.code, "version": lst.edition})
    return lst


# ---- the joint check --------------------------------------------------------------------------------

def facts_of(session: Session, subject_id: int, today: dt.date, actor: Principal | None = None) -> rules.SubjectFacts:
    """What the rules decide on; ``actor`` is named when a natural person's regional pseudonym must
    be derived to match peer cities' lists (an audited opening of the resident ID)."""
    entries = repository.entry_facts(session, subject_id, today)
    grades_known, grade = repository.current_grade(session, subject_id)
    return rules.SubjectFacts(today=today, records=repository.record_facts(session, subject_id),
                              entries=entries or (), grade=grade, breaches=repository.breach_facts(session, subject_id),
                              peer_entries=repository.peer_entry_facts(session, subject_id, today, actor),
                              lists_known=entries is not None, grades_known=grades_known)


@dataclasses.dataclass
class Finding:
    measure: Measure
    measure_list: MeasureList
    matches: list[rules.Match]

    def as_dict(self) -> dict:
        return {"measure_id": self.measure.id, "code": self.measure.code,
                "list_id": self.measure_list.id, "list_version": self.measure_list.edition,
                "reasons": [{"trigger": m.trigger, "reason_zh": m.reason_zh, "reason_en": m.reason_en,
                             "record_ids": list(m.record_ids), "entry_ids": list(m.entry_ids),
                             **({"peer_entries": list(m.peer_entries)} if m.peer_entries else {})}
                            for m in self.matches]}


@dataclasses.dataclass
class CheckResult:
    check_id: int
    subject: Subject
    matter: str
    matter_name: dict
    findings: list[Finding]
    considered: int
    unavailable: list[str]
    citation: str
    checked_on: dt.date


def _subject(session: Session, subject_id: int) -> Subject:
    subject = session.get(Subject, subject_id)
    if subject is None:
        raise NotFound("主体不存在", message_en="no such subject")
    return subject


def _matter(matter: str, today: dt.date) -> dict:
    known = matters(today)
    if matter not in known:
        raise InvalidInput(f"未知事项 {matter}", field="matter", code="unknown_matter",
                           message_en=f"unknown matter {matter!r}; one of {sorted(known)}")
    return known[matter]


def evaluate(session: Session, subject_id: int, matter: str, today: dt.date, actor: Principal | None = None):
    """Published measures of the matter, each with its matches (pure decision in rules)."""
    proportionality = rule("measures.proportionality", today)
    facts = facts_of(session, subject_id, today, actor)
    candidates = [(m, lst) for m, lst in repository.published_measures(session, jurisdiction()) if matter in m.matters]
    findings, unavailable = [], set()
    # FZ art. 14, 16-17: a subject on a punitive list, or with a current dishonesty record (QZ art.
    # 18, FZ art. 16), is offered no incentive in the same matter
    candidates = [(m, lst) for m, lst in candidates if not rules.incentive_withheld(m.kind, facts, proportionality.value)]
    for m, lst in candidates:
        unavailable.update(rules.unavailable_sources(m.triggers, facts))
        found = rules.matches(m.triggers, facts, proportionality.value)
        if found:
            findings.append(Finding(m, lst, found))
    return findings, len(candidates), sorted(unavailable), str(proportionality.citation), facts


def joint_check(session: Session, principal: Principal, subject_id: int, matter: str) -> CheckResult:
    """联合奖惩 check: the published measures that apply to the subject in the matter, with
    basis and reason. Every check is logged (who, subject, matter, result)."""
    today = clock.today()
    refuse_control_characters(matter=matter)
    subject = _subject(session, subject_id)
    name = _matter(matter, today)
    findings, considered, unavailable, citation, _ = evaluate(session, subject_id, matter, today, principal)
    check = MeasureCheck(subject_id=subject_id, matter=matter, asked_by=principal.user_id,
                         agency_id=principal.agency_id, checked_on=today,
                         result={"measures": [f.as_dict() for f in findings], "considered": considered,
                                 "unavailable": unavailable})
    session.add(check)
    session.flush()
    record_event(session, principal, "measure.check", target_type="measure_check", target_id=check.id,
                 subject_id=subject_id, details={"matter": matter, "applicable": [f.measure.code for f in findings]})
    # the check reads the subject's current records, listings and grade: a read the subject sees
    # in its access log, on the basis of the published measures of the matter (FZ art. 15, QZ art. 24)
    gate.record_read(session, principal, subject_id, basis_kind="joint_check", purpose=gate.JOINT_CHECK[0] + name["zh"],
                     reason=(f"公共管理机构在“{name['zh']}”事项中核查适用的已公布奖惩措施",
                             f"a public body checked the published measures of the matter {name.get('en') or matter}", citation))
    return CheckResult(check.id, subject, matter, name, findings, considered, unavailable, citation, today)


def past_check(session: Session, principal: Principal, check_id: int | None) -> CheckResult | None:
    """A check this agency ran, as it found then (its stored result), shown again with an
    application refused from it; running it again would be a new read of the subject."""
    check = session.get(MeasureCheck, check_id) if check_id else None
    if check is None or principal.agency_id is None or check.agency_id != principal.agency_id:
        return None
    stored = check.result or {}
    found = repository.measures_with_lists(session, [m["measure_id"] for m in stored.get("measures", [])])
    findings = [Finding(*found[m["measure_id"]], [
        rules.Match(trigger=r["trigger"], reason_zh=r["reason_zh"], reason_en=r["reason_en"],
                    record_ids=tuple(r.get("record_ids", ())), entry_ids=tuple(r.get("entry_ids", ())),
                    peer_entries=tuple(r.get("peer_entries", ()))) for r in m["reasons"]])
        for m in stored.get("measures", []) if m["measure_id"] in found]
    name = matters(check.checked_on).get(check.matter, {"zh": check.matter, "en": check.matter})
    return CheckResult(check.id, _subject(session, check.subject_id), check.matter, name, findings,
                       stored.get("considered", len(findings)), stored.get("unavailable", []),
                       str(rule("measures.proportionality", check.checked_on).citation), check.checked_on)


def apply(session: Session, principal: Principal, *, measure_id: int, subject_id: int, matter: str,
          case_ref: str, check_id: int | None = None) -> MeasureApplication:
    """Record that the agency applied a measure; refused (with the reason) for a measure that is
    unlisted, unpublished, withdrawn, outside the matter, or not matched by current facts."""
    if principal.agency_id is None:
        raise Forbidden("只有公共管理机构可以实施措施", message_en="only an agency can apply a measure")
    case_ref = (case_ref or "").strip()
    refuse_control_characters(case_ref=case_ref, matter=matter)
    if not case_ref:
        raise InvalidInput("请填写办件编号", field="case_ref", message_en="the case reference is required")
    today = clock.today()
    _subject(session, subject_id)
    _matter(matter, today)
    proportionality = rule("measures.proportionality", today)
    found_measure = repository.measure_with_list(session, measure_id)
    measure, lst = found_measure if found_measure else (None, None)
    matched = rules.matches(measure.triggers, facts_of(session, subject_id, today, principal), proportionality.value) \
        if measure is not None and lst.jurisdiction == jurisdiction() else []
    decision = rules.may_apply(list_status=lst.status if lst and lst.jurisdiction == jurisdiction() else None,
                               measure_matters=measure.matters if measure else None, matter=matter,
                               found=matched, citation=str(proportionality.citation))
    if not decision.allowed:
        record_event(session, principal, "measure.apply_refused", target_type="measure", target_id=measure_id,
                     subject_id=subject_id, details={"matter": matter, "code": decision.code})
        raise Conflict(f"{decision.reason_zh}（{decision.citation}）", code=f"measure_{decision.code}",
                       message_en=f"{decision.reason_en} ({decision.citation})")
    change_context(session, user_id=principal.user_id, reason=f"measure {measure.code} applied in {case_ref}")
    record_ids = sorted({r for m in matched for r in m.record_ids})
    app = MeasureApplication(
        subject_id=subject_id, measure_id=measure.id, list_id=lst.id, list_version=lst.edition, matter=matter,
        agency_id=principal.agency_id, case_ref=case_ref[:200], check_id=check_id, reason=decision.reason_zh,
        basis={"legal_basis": measure.legal_basis, "list": f"{lst.title_zh} v{lst.edition} ({lst.document_no})",
               "reason_en": decision.reason_en, "citation": decision.citation,
               "triggers": [m.trigger for m in matched],
               "entry_ids": sorted({e for m in matched for e in m.entry_ids})},
        record_ids=record_ids, status="applied", applied_by=principal.user_id)
    session.add(app)
    session.flush()
    record_event(session, principal, "measure.apply", target_type="measure_application", target_id=app.id,
                 subject_id=subject_id, details={"measure": measure.code, "list_version": lst.edition,
                                                 "matter": matter, "case_ref": app.case_ref})
    notify(session, kind="measure.applied", subject_id=subject_id, link="/me/measures",
           text_zh=f"{measure.item_zh}（{measure.code}）已对您实施，依据：{measure.legal_basis}；理由：{decision.reason_zh}",
           text_en=f"{measure.item_en} ({measure.code}) was applied to you; basis: {measure.legal_basis}")
    return app


def feedback(session: Session, principal: Principal, application_id: int, effect: str, text: str) -> MeasureApplication:
    """The agency's feedback (反馈) on a measure it applied; other agencies get 404."""
    refuse_control_characters(text=text, effect=effect)
    app = session.get(MeasureApplication, application_id)
    if app is None or app.agency_id != principal.agency_id:
        raise NotFound("实施记录不存在", message_en="no such application")
    if effect not in FEEDBACK_EFFECTS:
        from xinyong.web.i18n import translate   # the effects by their words, never their codes
        zh, en = ("、".join(translate(f"measures.effect.{e}", "zh") for e in FEEDBACK_EFFECTS),
                  ", ".join(translate(f"measures.effect.{e}", "en") for e in FEEDBACK_EFFECTS))
        raise InvalidInput(f"请选择实施效果：{zh}", field="effect", message_en=f"Choose the effect: {en}")
    change_context(session, user_id=principal.user_id, reason="feedback")
    app.feedback_effect, app.feedback_text = effect, (text or "").strip()[:4000]
    app.feedback_at, app.feedback_by = clock.now(), principal.user_id
    session.flush()
    record_event(session, principal, "measure.feedback", target_type="measure_application", target_id=app.id,
                 subject_id=app.subject_id, details={"effect": effect})
    return app


def lift_after_repair(session: Session, subject_id: int, record_ids: list[int], today: dt.date) -> list[int]:
    """After repair measures are lifted (QZ art. 36; FZ art. 21): an application resting on a
    repaired record, or no longer matched by the subject's current facts, is lifted."""
    return _lift(session, subject_id, today, set(record_ids), "repair",
                 f"信用修复 / repair of record(s) {sorted(record_ids)}")


def lift_after_correction(session: Session, subject_id: int, record_ids: list[int], today: dt.date) -> list[int]:
    """A record corrected on an objection (FZ art. 25, QZ art. 34) may no longer ground the
    measures applied on it (a serious record found general, a listing ended with it): an
    application the subject's corrected facts no longer match is lifted (FZ art. 15, QZ art. 24:
    only on current, proportionate grounds)."""
    return _lift(session, subject_id, today, set(), "correction",
                 f"异议更正 / record(s) {sorted(record_ids)} corrected on objection")


def _lift(session: Session, subject_id: int, today: dt.date, resting_on: set[int], reason: str, note: str) -> list[int]:
    """Lift the subject's applied measures that rest on ``resting_on`` or that its current facts
    no longer match; audited once."""
    applied = repository.applied_of_subject(session, subject_id)
    if not applied:
        return []
    proportionality = rule("measures.proportionality", today)
    facts = facts_of(session, subject_id, today)
    lifted = []
    change_context(session, user_id=None, reason=f"records {reason}")
    for app, measure in applied:
        rests = bool(resting_on & set(app.record_ids or []))
        still = rules.matches(measure.triggers, facts, proportionality.value)
        if rests or not still:
            app.status, app.lifted_on, app.lift_reason = "lifted", today, note
            lifted.append(app.id)
    session.flush()
    if lifted:
        record_event(session, None, "measure.lift", target_type="subject", target_id=subject_id,
                     subject_id=subject_id, details={"applications": lifted, "reason": reason})
    return lifted
