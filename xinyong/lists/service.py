"""Use cases of lists: an agency proposes a listing, the subject is told in writing and may
object, the agency answers, the decision is taken and published, and the entry ends on repair,
at the end of its period or when staff find the removal conditions met (QZ art. 20-23; FZ art.
14, 16-18; Guobanfa [2020] 49). Every change is audited; documents go to the subject; the
change feed hears "listed" and "delisted". Services flush, never commit."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.audit import record_event
from xinyong.deadlines import service as deadlines
from xinyong.documents import service as documents
from xinyong.feed import service as feed
from xinyong.kit.access import Principal
from xinyong.kit.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.law import RuleNotInForce
from xinyong.law.loader import active_profile
from xinyong.lists import papers, repository, rules
from xinyong.lists.schemas import ProposalIn
from xinyong.models import Agency, Record, Subject
from xinyong.models.listing import ListBasisRecord, ListEntry, ListProposal
from xinyong.notifications.service import notify
from xinyong.subjects import opener as resident_ids

PROCEDURE = "listing"
READERS = ("staff", "admin", "auditor")
ACTORS = ("staff",)          # besides the proposing agency


def current_policy(on: dt.date | None = None) -> rules.ListPolicy:
    return rules.policy(active_profile(), on or clock.today())


def _refuse(verdict: rules.Verdict, *, status: str = "conflict") -> None:
    if verdict.allowed:
        return
    details = {"rule": verdict.code, "citation": verdict.citation}
    zh = f"{verdict.reason_zh}（{verdict.citation}）" if verdict.citation else verdict.reason_zh
    en = f"{verdict.reason_en} ({verdict.citation})" if verdict.citation else verdict.reason_en
    cls = InvalidInput if status == "invalid" else Conflict
    raise cls(zh, code=f"listing_{verdict.code}", details=details, message_en=en)


def _touch(p: ListProposal) -> None:
    p.updated_at = clock.now()


# ---- proposal -------------------------------------------------------------------------------------------

def propose(session: Session, principal: Principal, data: ProposalIn) -> ListProposal:
    """An agency (or staff for an agency) proposes a listing; the rules refuse anything the law
    does not allow, with the article (QZ art. 21-22; FZ art. 16, 18)."""
    today = clock.today()
    org_id = _proposing_org(session, principal, data)
    subject = session.get(Subject, data.subject_id)
    if subject is None:
        raise NotFound("未找到该信用主体", field="subject_id", message_en="no such credit subject")
    policy = current_policy(today)
    kind = policy.kinds.get(data.kind)
    record_ids = list(dict.fromkeys(data.basis_record_ids))
    found = repository.basis_records(session, record_ids)
    open_kinds, entry_kinds = repository.open_kinds(session, subject.id, rules.OPEN_STATUSES, today)
    adverse = 0
    if kind is not None and kind.clean_years:
        since = rules.add_months(today, -12 * kind.clean_years)
        adverse = repository.adverse_records_since(session, subject.id, since, kind.adverse_severities)
    persons = [p.model_dump() for p in data.responsible_persons]
    facts = rules.ProposalFacts(
        kind=data.kind, subject_id=subject.id, subject_kind=subject.kind, category=data.category or None,
        criteria=tuple(dict.fromkeys(data.criteria)), lenient_flags=tuple(dict.fromkeys(data.lenient_flags)),
        period_months=data.period_months or (kind.period_default if kind else 0),
        basis=repository.basis_facts(found, today),
        missing_record_ids=tuple(sorted(set(record_ids) - {r.id for r in found})),
        responsible_roles=tuple(p["role"] for p in persons),
        proposer_org_id=org_id if principal.role == "agency" else None,
        open_procedure_kinds=open_kinds, active_entry_kinds=entry_kinds, adverse_records_recent=adverse,
        adverse_records_current=(repository.adverse_records_in_view(session, subject.id, today,
                                                                    kind.current_adverse_severities) if kind else 0),
        measures_given=bool(data.measures.strip()),
        platform_flags=_platform_lenient_flags(session, principal, subject, found, policy),
        lenient_waiver_reason=data.lenient_waiver_reason)
    verdict = rules.check_proposal(policy, facts)
    _refuse(verdict, status="invalid" if verdict.code in ("category_not_allowed", "criteria_required",
                                                          "lenient_flag_unknown", "basis_required",
                                                          "period_out_of_range", "responsible_role_unknown",
                                                          "measures_required", "basis_not_found",
                                                          "lenient_raised") else "conflict")
    persons = _linked_persons(session, subject, persons)
    proposal = ListProposal(
        subject_id=subject.id, kind=kind.key, proposing_org_id=org_id,
        category=facts.category if kind.punitive else None, criteria=list(facts.criteria) if not kind.punitive else [],
        lenient_flags=list(facts.lenient_flags), reasons=data.reasons.strip(), legal_basis=data.legal_basis.strip(),
        measures=data.measures.strip(), removal_conditions=data.removal_conditions.strip() or kind.removal_conditions_zh,
        period_months=facts.period_months, responsible_persons=persons, status="proposed", citation=verdict.citation,
        created_by=principal.user_id, platform_lenient_flags=list(facts.platform_flags) or None,
        lenient_waiver_reason=(data.lenient_waiver_reason.strip() or None) if facts.platform_flags else None)
    session.add(proposal)
    session.flush()
    if found:
        session.execute(ListBasisRecord.__table__.insert(),
                        [{"proposal_id": proposal.id, "record_id": r.id, "subject_id": subject.id} for r in found])
    record_event(session, principal, "listing.propose", target_type="list_proposal", target_id=proposal.id,
                 subject_id=subject.id, details={"kind": kind.key, "category": proposal.category,
                                                 "criteria": proposal.criteria, "records": [r.id for r in found],
                                                 "org_id": org_id, "persons": len(persons)})
    if not kind.prior_notice:
        notify(session, kind="listing.proposed", role="staff", link=f"/office/lists/proposals/{proposal.id}",
               text_zh=f"{kind.name_zh}拟列入：{subject.name}", text_en=f"{kind.name_en} proposal: subject {subject.id}")
    return proposal


def _platform_lenient_flags(session: Session, principal: Principal, subject: Subject, records: list,
                            policy: rules.ListPolicy) -> tuple[str, ...]:
    """QZ art. 21 (1), raised by the platform: a natural person under 18 at the date of an act the
    listing rests on (the birth date read from the sealed resident ID, the opening audited)."""
    if "minor_full_capacity" not in policy.lenient_flags or subject.kind != "natural_person" or not records:
        return ()
    plain = resident_ids.open_resident_id(session, principal, subject, purpose="age at the act (QZ art. 21)")
    born = rules.birth_date(plain) if plain else None
    if born is None or not any(rules.minor_at(born, r.decision_date) for r in records):
        return ()
    return ("minor_full_capacity",)


def _proposing_org(session: Session, principal: Principal, data: ProposalIn) -> int:
    if principal.role == "agency":
        if principal.agency_id is None:
            raise Forbidden("账户未关联机构", message_en="the account belongs to no organisation")
        return principal.agency_id
    if principal.role not in ACTORS:
        raise Forbidden("仅公共管理机构或信用主管部门可以提出列入", message_en="only an agency or the credit department proposes")
    org = session.get(Agency, data.proposing_org_id) if data.proposing_org_id else None
    if org is None or not org.active or org.kind != "public_body":
        raise InvalidInput("请选择提出列入的公共管理机构", field="proposing_org_id",
                           message_en="choose the public body that proposes the listing")
    return org.id


def _linked_persons(session: Session, subject: Subject, persons: list[dict]) -> list[dict]:
    """FZ art. 18: link each responsible person to a person subject where one exists; the legal
    representative defaults to the subject's own linked legal representative."""
    wanted = [p["subject_id"] for p in persons if p.get("subject_id")]
    known = repository.persons_by_ids(session, wanted)
    out = []
    for p in persons:
        sid = p.get("subject_id")
        if sid and (sid not in known or known[sid].kind != "natural_person"):
            raise InvalidInput(f"未找到自然人主体 {sid}", field="responsible_persons",
                               message_en=f"no natural-person subject {sid}")
        if not sid and p["role"] == "legal_representative" and subject.legal_rep_id:
            sid = subject.legal_rep_id
        out.append({"role": p["role"], "name": p["name"].strip(), "subject_id": sid})
    return out


# ---- who sees and who acts -------------------------------------------------------------------------------

def visible_proposal(session: Session, principal: Principal, proposal_id: int
                     ) -> tuple[ListProposal, Subject, Agency]:
    """Staff and auditors see every procedure; an agency its own; a subject its own once told
    (QZ art. 23). Anyone else: 404."""
    row = repository.proposal_with(session, proposal_id)
    if row is None or not _may_see(principal, row[0]):
        raise NotFound("列入程序不存在", message_en="no such listing procedure")
    return row


def _may_see(principal: Principal, p: ListProposal) -> bool:
    if principal.role in READERS:
        return True
    if principal.role == "agency":
        return principal.agency_id == p.proposing_org_id
    if principal.role == "subject":
        return principal.subject_id == p.subject_id and p.status != "proposed"
    return False


def _acting(session: Session, principal: Principal, proposal_id: int, *, for_update: bool = True) -> ListProposal:
    stmt = select(ListProposal).where(ListProposal.id == proposal_id)
    if for_update:
        stmt = stmt.with_for_update()
    p = session.scalar(stmt)
    ok = p is not None and (principal.role in ACTORS or
                            (principal.role == "agency" and principal.agency_id == p.proposing_org_id))
    if not ok:
        raise NotFound("列入程序不存在", message_en="no such listing procedure")
    return p


def _kind(policy: rules.ListPolicy, p: ListProposal) -> rules.KindSpec:
    kind = policy.kinds.get(p.kind)
    if kind is None:
        raise Conflict("现行规定已不设该名单", code="listing_kind_not_run", message_en="the profile no longer runs this list")
    return kind


# ---- prior written notice, objection, answer ---------------------------------------------------------------

def send_notice(session: Session, principal: Principal, proposal_id: int):
    """QZ art. 23 para. 1: written notice of the reasons, basis and rights; the notice period opens."""
    p = _acting(session, principal, proposal_id)
    policy = current_policy()
    kind = _kind(policy, p)
    _refuse(rules.check_notice(kind, p.status, policy))
    subject, org = session.get(Subject, p.subject_id), session.get(Agency, p.proposing_org_id)
    step = deadlines.open_step(session, procedure=PROCEDURE, procedure_id=p.id, step="notice_period",
                               subject_id=p.subject_id, responsible_org_id=p.proposing_org_id,
                               responsible_role="agency")
    doc = documents.issue(session, kind="listing_notice", procedure=PROCEDURE, procedure_id=p.id,
                          title=f"拟列入{kind.name_zh}告知书",
                          sections=papers.notice(p, kind, policy, subject, org, step.due_on,
                                                 repository.basis_references(session, p.id)),
                          subject_id=p.subject_id, citation=policy.notice_citation, created_by=principal.user_id,
                          issuer=org.name)
    p.status, p.notice_sent_on = "notice", clock.today()
    _touch(p)
    session.flush()
    notify(session, kind="listing.notice", subject_id=p.subject_id, link="/me/lists",
           text_zh=f"{org.name}拟将您列入{kind.name_zh}，请查看告知书；如有异议请于 {step.due_on.isoformat()} 前提出",
           text_en=f"{org.name} intends to put you on the {kind.name_en}; object by {step.due_on.isoformat()}")
    record_event(session, principal, "listing.notice", target_type="list_proposal", target_id=p.id,
                 subject_id=p.subject_id, details={"document_id": doc.id, "due_on": step.due_on})
    return doc


def object_to(session: Session, principal: Principal, proposal_id: int, text: str) -> ListProposal:
    """The subject objects from its portal within the notice period; the agency must verify
    and answer within 3 working days (QZ art. 23 para. 1)."""
    p = session.scalar(select(ListProposal).where(ListProposal.id == proposal_id).with_for_update())
    if p is None or principal.role != "subject" or principal.subject_id != p.subject_id or p.status == "proposed":
        raise NotFound("列入程序不存在", message_en="no such listing procedure")
    if not text.strip():
        raise InvalidInput("请写明异议理由", field="text", message_en="state the grounds of the objection")
    policy, today = current_policy(), clock.today()
    notice_step = deadlines.step_of(session, PROCEDURE, p.id, "notice_period")
    _refuse(rules.check_objection(p.status, notice_step.due_on if notice_step else None, today,
                                  p.objection_on is not None, policy.notice_citation))
    step = deadlines.open_step(session, procedure=PROCEDURE, procedure_id=p.id, step="objection_reply",
                               subject_id=p.subject_id, responsible_org_id=p.proposing_org_id,
                               responsible_role="agency")
    p.status, p.objection_text, p.objection_on = "objection", text.strip(), today
    _touch(p)
    session.flush()
    notify(session, kind="listing.objection", org_id=p.proposing_org_id, link=f"/office/lists/proposals/{p.id}",
           text_zh=f"拟列入程序 {p.id} 收到异议，请于 {step.due_on.isoformat()} 前核实答复",
           text_en=f"objection to listing procedure {p.id}: answer by {step.due_on.isoformat()}")
    record_event(session, principal, "listing.object", target_type="list_proposal", target_id=p.id,
                 subject_id=p.subject_id, details={"due_on": step.due_on})
    return p


def answer_objection(session: Session, principal: Principal, proposal_id: int, outcome: str, reply: str):
    """The agency verifies and answers: the listing goes on (upheld) or the proposal is withdrawn."""
    p = _acting(session, principal, proposal_id)
    policy = current_policy()
    kind = _kind(policy, p)
    _refuse(rules.check_objection_reply(p.status, outcome, reply, policy.notice_citation),
            status="invalid" if p.status == "objection" else "conflict")
    subject, org = session.get(Subject, p.subject_id), session.get(Agency, p.proposing_org_id)
    step = deadlines.step_of(session, PROCEDURE, p.id, "objection_reply")
    if step is not None:
        deadlines.complete_step(session, step, outcome)
    today = clock.today()
    p.objection_outcome, p.objection_reply = outcome, reply.strip()
    if outcome == "withdrawn":
        p.status, p.withdrawn_on = "withdrawn", today
        notice_step = deadlines.step_of(session, PROCEDURE, p.id, "notice_period")
        if notice_step is not None:
            deadlines.complete_step(session, notice_step, "withdrawn")
    else:
        p.status = "notice"
    _touch(p)
    session.flush()
    doc = documents.issue(session, kind="listing_objection_reply", procedure=PROCEDURE, procedure_id=p.id,
                          title="异议核实情况反馈书", sections=papers.reply(p, kind, subject, org),
                          subject_id=p.subject_id, citation=policy.notice_citation, created_by=principal.user_id,
                          issuer=org.name)
    notify(session, kind="listing.objection_reply", subject_id=p.subject_id, link="/me/lists",
           text_zh=f"您对拟列入{kind.name_zh}的异议已答复：{'撤回拟列入' if outcome == 'withdrawn' else '维持拟列入'}",
           text_en=f"your objection to the {kind.name_en} listing was answered: {outcome}")
    record_event(session, principal, "listing.reply", target_type="list_proposal", target_id=p.id,
                 subject_id=p.subject_id, details={"outcome": outcome, "document_id": doc.id,
                                                   "on_time": step is None or today <= step.due_on})
    return doc


# ---- decision, publication, removal -------------------------------------------------------------------------

def decision_verdict(session: Session, p: ListProposal, notice_step=None) -> rules.Verdict:
    """Whether the decision can be taken today, and why not: the one check the decision and the
    page offering it use (a button that cannot succeed is not offered, issue #13 point 4)."""
    policy = current_policy()
    kind = _kind(policy, p)
    notice_step = notice_step or deadlines.step_of(session, PROCEDURE, p.id, "notice_period")
    verdict = rules.check_decision(kind, p.status, notice_step.due_on if notice_step else None, clock.today(),
                                   policy.notice_citation)
    if not verdict.allowed:
        return verdict
    held = rules.check_basis_holds(kind, repository.basis_facts_of(session, [p.id], clock.today())[p.id])
    return verdict if held.allowed else held


def decide(session: Session, principal: Principal, proposal_id: int) -> ListEntry:
    """QZ art. 23 para. 2: the decision document states reasons, basis, measures, removal
    conditions and procedure, and remedies. Blocked while the notice period runs or an
    objection is unanswered."""
    p = _acting(session, principal, proposal_id)
    policy, today = current_policy(), clock.today()
    kind = _kind(policy, p)
    notice_step = deadlines.step_of(session, PROCEDURE, p.id, "notice_period")
    _refuse(decision_verdict(session, p, notice_step))
    if notice_step is not None and notice_step.completed_at is None:
        deadlines.complete_step(session, notice_step, "ended")
        notice_step.completed_on = min(today, notice_step.due_on)   # a period, not a task: it ended on its day
    subject, org = session.get(Subject, p.subject_id), session.get(Agency, p.proposing_org_id)
    p.status, p.decided_on = "decided", today
    _touch(p)
    entry = ListEntry(subject_id=p.subject_id, proposal_id=p.id, kind=p.kind, category=p.category,
                      proposing_org_id=p.proposing_org_id, status="decided", decided_on=today, citation=kind.citation)
    session.add(entry)
    session.flush()
    doc = documents.issue(session, kind="listing_decision", procedure=PROCEDURE, procedure_id=p.id,
                          title=f"列入{kind.name_zh}决定书",
                          sections=papers.decision(p, kind, policy, subject, org,
                                                   repository.basis_references(session, p.id)),
                          subject_id=p.subject_id, citation=kind.citation, created_by=principal.user_id,
                          issuer=org.name)
    notify(session, kind="listing.decision", subject_id=p.subject_id, link="/me/lists",
           text_zh=f"{org.name}已作出列入{kind.name_zh}的决定，请查看决定书",
           text_en=f"{org.name} decided to put you on the {kind.name_en}; read the decision")
    record_event(session, principal, "listing.decide", target_type="list_entry", target_id=entry.id,
                 subject_id=p.subject_id, details={"proposal_id": p.id, "document_id": doc.id, "kind": p.kind})
    if kind.punitive:
        end_incentives(session, principal, {p.subject_id: f"（决定书 {doc.number}）"}, policy, punitive=kind)
    return entry


def publish(session: Session, principal: Principal, proposal_id: int) -> ListEntry:
    """The decided entry goes on the public list; its period runs from today."""
    p = _acting(session, principal, proposal_id)
    entry = session.scalar(select(ListEntry).where(ListEntry.proposal_id == p.id).with_for_update())
    if entry is None:
        raise Conflict("尚未作出列入决定", code="listing_not_decided", message_en="no listing decision yet")
    _refuse(rules.check_publication(entry.status))
    today = clock.today()
    entry.status, entry.listed_on = "active", today
    entry.period_end, entry.updated_at = rules.period_end(today, p.period_months), clock.now()
    session.flush()
    feed.emit(session, "listed", [{"subject_id": entry.subject_id, "details": {
        "entry_id": entry.id, "kind": entry.kind, "category": entry.category, "period_end": entry.period_end.isoformat()}}],
        citation=entry.citation)
    record_event(session, principal, "listing.publish", target_type="list_entry", target_id=entry.id,
                 subject_id=entry.subject_id, details={"kind": entry.kind, "period_end": entry.period_end})
    return entry


def remove(session: Session, principal: Principal, entry_id: int, note: str) -> ListEntry:
    """Staff remove an entry whose removal conditions are met, with the condition stated."""
    if principal.role not in ACTORS:
        raise NotFound("名单条目不存在", message_en="no such list entry")
    entry = session.scalar(select(ListEntry).where(ListEntry.id == entry_id).with_for_update())
    if entry is None:
        raise NotFound("名单条目不存在", message_en="no such list entry")
    policy = current_policy()
    kind = policy.kinds.get(entry.kind)
    if kind is not None:
        _refuse(rules.check_removal(entry.status, note, kind), status="invalid" if entry.status == "active" else "conflict")
    elif entry.status not in ("active", "decided") or not note.strip():
        raise Conflict("不能移出", message_en="cannot remove")
    _end(session, principal, [entry], "conditions_met", note.strip(), policy)
    return entry


def _end(session: Session, actor: Principal | None, entries: list[ListEntry], reason: str, note: str,
         policy: rules.ListPolicy) -> None:
    """End entries: status, removal document to the subject, feed "delisted", audit."""
    if not entries:
        return
    today = clock.today()
    subjects = repository.persons_by_ids(session, list({e.subject_id for e in entries}))
    proposals = {p.id: p for p in session.scalars(select(ListProposal).where(
        ListProposal.id.in_([e.proposal_id for e in entries])))}
    orgs = {a.id: a for a in session.scalars(select(Agency).where(
        Agency.id.in_(list({e.proposing_org_id for e in entries}))))}
    published = [e for e in entries if e.status == "active"]
    for e in entries:
        e.status, e.removed_on, e.removal_reason, e.removal_note = "removed", today, reason, note
        e.updated_at = clock.now()
    session.flush()
    for e in entries:
        kind = policy.kinds.get(e.kind)
        doc = documents.issue(session, kind="listing_removal", procedure=PROCEDURE, procedure_id=e.proposal_id,
                              title=f"移出{kind.name_zh if kind else '名单'}告知书",
                              sections=papers.removal(e, proposals[e.proposal_id], kind, subjects[e.subject_id],
                                                      orgs[e.proposing_org_id], reason, note),
                              subject_id=e.subject_id, citation=e.citation, issuer=orgs[e.proposing_org_id].name)
        notify(session, kind="listing.removal", subject_id=e.subject_id, link="/me/lists",
               text_zh=f"您已被移出{kind.name_zh if kind else '名单'}", text_en="you have been removed from a list")
        record_event(session, actor, "listing.remove", target_type="list_entry", target_id=e.id,
                     subject_id=e.subject_id, details={"reason": reason, "document_id": doc.id})
    feed.emit(session, "delisted", [{"subject_id": e.subject_id, "details": {
        "entry_id": e.id, "kind": e.kind, "reason": reason}, "citation": e.citation} for e in published])


def end_incentives(session: Session, actor: Principal | None, subjects: dict[int, str], policy: rules.ListPolicy,
                   *, punitive: rules.KindSpec | None = None, severities: dict[int, str] | None = None
                   ) -> list[ListEntry]:
    """FZ art. 14, 16-17: end the incentive (red) entries of these subjects that a punitive
    listing or a new adverse record breaks, each with the reason, the criteria's article and a
    removal document. `subjects` maps subject id to the cause's reference (document, record)."""
    incentive = [k for k, spec in policy.kinds.items() if not spec.punitive]
    if not subjects or not incentive:
        return []
    ending = []
    for e in repository.entries_of_subjects(session, list(subjects), incentive, ("active", "decided")):
        verdict = rules.incentive_ended_by(policy.kinds[e.kind], punitive=punitive,
                                           adverse_severity=(severities or {}).get(e.subject_id))
        if verdict is not None:
            ending.append((e, f"{verdict.reason_zh}{subjects[e.subject_id]}（依据：{verdict.citation}）"))
    for e, note in ending:
        _end(session, actor, [e], "criteria_broken", note, policy)
    return [e for e, _ in ending]


def end_incentives_for_batch(session: Session, batch_id: int, today: dt.date) -> list[ListEntry]:
    """A batch's adverse records end the red-list entries they break (one query finds them)."""
    try:
        policy = current_policy(today)
    except RuleNotInForce:
        return []
    severities = sorted({s for k in policy.kinds.values() if not k.punitive and k.ended_by_adverse_record
                         for s in k.adverse_severities})
    found = repository.adverse_in_batch(session, batch_id, severities, [k for k, v in policy.kinds.items()
                                                                        if not v.punitive])
    if not found:
        return []
    causes = {subject_id: f"（决定书 {decision_no}）" for subject_id, _, decision_no in found}
    return end_incentives(session, None, causes, policy, severities={s: sev for s, sev, _ in found})


# ---- reactions to repair, to changed records and the sweep -------------------------------------------------

def reconsider_basis(session: Session, records: dict[int, list[int]], today: dt.date, cause_zh: str,
                     cause_en: str) -> tuple[list[ListProposal], list[ListEntry]]:
    """Records a listing rests on changed after it was proposed (corrected on an objection, FZ
    art. 25 / QZ art. 34; re-sent by their source; repaired). ``records``: subject -> record ids.

    - A proposal not yet decided whose records no longer all ground it ends: its prior notice
      stated grounds that no longer hold (QZ art. 22 para. 3, art. 23). The subject and the
      proposing agency are told why in a written notice; the agency may propose again on what
      still holds.
    - A decided or published listing ends once none of its records grounds it (as with repair),
      with a removal notice stating the change.
    Returns (the proposals ended, the entries ended)."""
    record_ids = sorted({r for ids in records.values() for r in ids})
    if not record_ids:
        return [], []
    try:
        policy = current_policy(today)
    except RuleNotInForce:
        return [], []
    proposals = repository.proposals_on_records(session, record_ids, rules.OPEN_STATUSES)
    entries = repository.entries_for_records(session, record_ids, ("active", "decided"))
    basis = repository.basis_facts_of(session, sorted({p.id for p in proposals} | {e.proposal_id for e in entries}),
                                     clock.today())
    lapsed = []
    for p in proposals:
        kind = policy.kinds.get(p.kind)
        verdict = rules.check_basis_holds(kind, basis[p.id]) if kind is not None else None
        if verdict is not None and not verdict.allowed:
            lapsed.append((p, kind, verdict))
    for p, kind, verdict in lapsed:
        _lapse(session, p, kind, verdict, today, cause_zh, cause_en)
    ending = [e for e in entries if e.kind in policy.kinds
              and not rules.basis_left(policy.kinds[e.kind], basis[e.proposal_id])]
    for e in ending:
        why = rules.check_basis_holds(policy.kinds[e.kind], basis[e.proposal_id])
        _end(session, None, [e], "basis_lapsed", f"{cause_zh}：{why.reason_zh}（依据：{why.citation}）", policy)
    return [p for p, _, _ in lapsed], ending


def _lapse(session: Session, p: ListProposal, kind: rules.KindSpec, verdict: rules.Verdict, today: dt.date,
           cause_zh: str, cause_en: str) -> None:
    p.status, p.withdrawn_on = "withdrawn", today
    _touch(p)
    for step in ("notice_period", "objection_reply"):
        found = deadlines.step_of(session, PROCEDURE, p.id, step)
        if found is not None:
            deadlines.complete_step(session, found, "basis_lapsed")
    session.flush()
    subject, org = session.get(Subject, p.subject_id), session.get(Agency, p.proposing_org_id)
    reason = f"{cause_zh}：{verdict.reason_zh}"
    doc = documents.issue(session, kind="listing_lapse", procedure=PROCEDURE, procedure_id=p.id,
                          title=f"终止拟列入{kind.name_zh}程序告知书",
                          sections=papers.lapse(p, kind, subject, org, reason, verdict.citation,
                                                repository.basis_references(session, p.id)),
                          subject_id=p.subject_id, citation=verdict.citation, issuer=org.name)
    notify(session, kind="listing.lapsed", subject_id=p.subject_id, link="/me/lists",
           text_zh=f"拟将您列入{kind.name_zh}的程序已终止：{reason}",
           text_en=f"the proposal to put you on the {kind.name_en} has ended: {cause_en}; {verdict.reason_en}")
    notify(session, kind="listing.lapsed", org_id=p.proposing_org_id, link=f"/office/lists/proposals/{p.id}",
           text_zh=f"拟列入{kind.name_zh}（{subject.name}）的程序已终止：{reason}",
           text_en=f"the {kind.name_en} proposal #{p.id} has ended: {cause_en}; {verdict.reason_en}")
    record_event(session, None, "listing.lapse", target_type="list_proposal", target_id=p.id,
                 subject_id=p.subject_id, details={"code": verdict.code, "document_id": doc.id})


def end_for_repair(session: Session, subject_id: int, record_ids: list[int], today: dt.date) -> list[ListEntry]:
    """Repair of the records a listing rests on ends it (QZ art. 36: 移出名单; Order 36). A listing
    resting on several records ends once all of them are repaired."""
    entries = [e for e in repository.entries_for_records(session, record_ids, ("active", "decided"))
               if e.subject_id == subject_id]
    if not entries:
        return []
    basis = repository.basis_of(session, [e.proposal_id for e in entries])
    all_ids = sorted({r for ids in basis.values() for r in ids})
    repaired = set(record_ids) | set(session.scalars(select(Record.id).where(
        Record.id.in_(all_ids), Record.status == "repaired")))
    ending = [e for e in entries if set(basis[e.proposal_id]) <= repaired]
    _end(session, None, ending, "repaired", "信用修复 / credit repair", current_policy(today))
    return ending


def restore_after_revocation(session: Session, subject_id: int, record_ids: list[int], today: dt.date
                             ) -> list[ListEntry]:
    """A revoked repair restores the listings it ended (FZ art. 23), for what is left of their period."""
    entries = [e for e in repository.entries_for_records(session, record_ids, ("removed",))
               if e.subject_id == subject_id and e.removal_reason == "repaired"]
    restored = []
    for e in entries:
        e.status = "expired" if rules.is_expired(e.period_end, today) else ("active" if e.listed_on else "decided")
        e.removed_on = today if e.status == "expired" else None
        e.removal_reason = "expired" if e.status == "expired" else None
        e.removal_note, e.updated_at = None, clock.now()
        restored.append(e)
    session.flush()
    for e in restored:
        record_event(session, None, "listing.restore", target_type="list_entry", target_id=e.id,
                     subject_id=e.subject_id, details={"status": e.status})
    feed.emit(session, "listed", [{"subject_id": e.subject_id, "details": {
        "entry_id": e.id, "kind": e.kind, "restored": True}, "citation": e.citation}
        for e in restored if e.status == "active"], occurred_on=today)
    return restored


def expire(session: Session, today: dt.date) -> int:
    """End every entry whose period is over (one UPDATE), tell the feed in one INSERT."""
    ended = repository.expire(session, today)
    if ended:
        feed.emit(session, "delisted", [{"subject_id": s, "details": {"entry_id": i, "kind": k, "reason": "expired"}}
                                        for i, s, _, k in ended], occurred_on=today)
        record_event(session, None, "listing.expire", target_type="list_entry", target_id="sweep",
                     details={"count": len(ended), "on": today})
    return len(ended)


def entries_for_record(session: Session, record_ids: list[int]) -> list[repository.EntryView]:
    """Every entry (any status) whose listing rests on any of the records."""
    return [repository.view(e) for e in repository.entries_for_records(session, list(record_ids))]
