"""Shaping list rows for the API and pages; natural persons masked on public views (rule
`masking.natural_person`, as the public portal does)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.deadlines import service as deadlines
from xinyong.disclosure.publicity import name_masking, public_name
from xinyong.kit.masking import mask_name
from xinyong.law.loader import active_profile
from xinyong.lists import repository, rules
from xinyong.lists.schemas import (
    DocumentRef,
    EntryOut,
    KindOut,
    PersonOut,
    PolicyOut,
    ProposalOut,
    PublicEntryOut,
    StepOut,
)
from xinyong.workdays import load_calendar

PERSON_KINDS = ("natural_person",)


_masking = name_masking
shown_name = public_name


def _lang_of(d: dict, lang: str) -> str:
    return d.get(lang) or d.get("zh", "")


def kind_name(policy: rules.ListPolicy, kind: str, lang: str) -> str:
    spec = policy.kinds.get(kind)
    return (spec.name_zh if lang == "zh" else spec.name_en) if spec else kind


def category_name(policy: rules.ListPolicy, kind: str, category: str | None, lang: str = "zh") -> str | None:
    spec = policy.kinds.get(kind)
    if not (spec and category):
        return category
    if lang != "zh" and category in spec.categories_en:
        return spec.categories_en[category]
    return spec.categories.get(category, category)


def persons_out(policy: rules.ListPolicy, persons: list[dict], lang: str, mask: bool) -> list[PersonOut]:
    masking = _masking() if mask else None
    out = []
    for p in persons or []:
        name = mask_name(p["name"], **masking["name"]) if mask else p["name"]
        out.append(PersonOut(role=p["role"], role_name=_lang_of(policy.responsible_roles.get(p["role"], {}), lang) or p["role"],
                             name=name, subject_id=p.get("subject_id")))
    return out


def entry_out(policy: rules.ListPolicy, e, lang: str) -> EntryOut:
    return EntryOut(id=e.id, proposal_id=e.proposal_id, kind=e.kind, kind_name=kind_name(policy, e.kind, lang),
                    category=e.category, category_name=category_name(policy, e.kind, e.category, lang), status=e.status,
                    decided_on=e.decided_on, listed_on=e.listed_on, period_end=e.period_end, removed_on=e.removed_on,
                    removal_reason=e.removal_reason, removal_note=e.removal_note, citation=e.citation)


def proposals_out(session: Session, rows: list, lang: str, *, detail: bool = False) -> list[ProposalOut]:
    """Proposals with their basis, entry, and (in detail) steps and documents; a fixed number of queries."""
    policy = rules_policy()
    ids = [p.id for p, _, _ in rows]
    basis, entries = repository.basis_of(session, ids), repository.entry_of_proposals(session, ids)
    named = repository.basis_references_of(session, ids)
    steps = deadlines.steps_of(session, "listing", ids) if detail else {}
    docs = repository.documents_of(session, ids) if detail else {}
    calendar = load_calendar(session) if detail else None
    today = clock.today()
    out = []
    for p, subject, org in rows:
        entry = entries.get(p.id)
        item = ProposalOut(
            id=p.id, kind=p.kind, kind_name=kind_name(policy, p.kind, lang), subject_id=subject.id,
            subject_name=subject.name, subject_kind=subject.kind, proposing_org=org.name, proposing_org_id=org.id,
            category=p.category, category_name=category_name(policy, p.kind, p.category, lang), criteria=list(p.criteria or []),
            lenient_flags=list(p.lenient_flags or []), platform_lenient_flags=list(p.platform_lenient_flags or []),
            lenient_waiver_reason=p.lenient_waiver_reason, basis_record_ids=basis.get(p.id, []),
            basis_records=named.get(p.id, []), reasons=p.reasons,
            legal_basis=p.legal_basis, measures=p.measures, removal_conditions=p.removal_conditions,
            period_months=p.period_months, responsible_persons=persons_out(policy, p.responsible_persons, lang, False),
            status=p.status, citation=p.citation, notice_sent_on=p.notice_sent_on, objection_text=p.objection_text,
            objection_on=p.objection_on, objection_outcome=p.objection_outcome, objection_reply=p.objection_reply,
            decided_on=p.decided_on, entry=entry_out(policy, entry, lang) if entry else None)
        if detail:
            item.steps = [StepOut(step=d.step, started_on=d.started_on, due_on=d.due_on, provisional=d.provisional,
                                  state=deadlines.state_of(session, d, today, calendar), citation=d.citation,
                                  completed_on=d.completed_on, outcome=d.outcome) for d in steps.get(p.id, [])]
            item.documents = [DocumentRef(id=d.id, kind=d.kind, number=d.number, title=d.title, link=f"/documents/{d.id}")
                              for d in docs.get(p.id, [])]
        out.append(item)
    return out


def public_entries_out(rows: list, lang: str) -> list[PublicEntryOut]:
    policy, masking = rules_policy(), _masking()
    out = []
    for e, p, s, a in rows:
        name, masked = shown_name(s.name, s.kind, masking)
        out.append(PublicEntryOut(
            id=e.id, kind=e.kind, kind_name=kind_name(policy, e.kind, lang), subject_id=s.id, subject_name=name,
            subject_kind=s.kind, uscc=s.uscc, masked=masked, category=e.category,
            category_name=category_name(policy, e.kind, e.category, lang), proposing_org=a.name, reasons=p.reasons,
            legal_basis=p.legal_basis, measures=p.measures, removal_conditions=p.removal_conditions,
            listed_on=e.listed_on, period_end=e.period_end,
            responsible_persons=persons_out(policy, p.responsible_persons, lang, True), citation=e.citation))
    return out


def with_decisions(session, entries: list[PublicEntryOut]) -> list[PublicEntryOut]:
    """Each entry with the link to its public decision document, where it has one."""
    found = repository.decision_ids(session, [e.id for e in entries])
    return [e.model_copy(update={"decision_url": f"/lists/entries/{e.id}/decision"}) if e.id in found else e
            for e in entries]


def policy_out(lang: str) -> PolicyOut:
    policy = rules_policy()
    kinds = [KindOut(kind=k.key, name_zh=k.name_zh, name_en=k.name_en, polarity=k.polarity, prior_notice=k.prior_notice,
                     categories=k.categories, criteria={c: _lang_of(v, lang) for c, v in k.criteria.items()},
                     period_months={"default": k.period_default, "min": k.period_min, "max": k.period_max},
                     citation=k.citation) for k in policy.kinds.values()]
    return PolicyOut(mode=policy.mode, kinds=kinds,
                     lenient_flags={c: _lang_of(v, lang) for c, v in policy.lenient_flags.items()},
                     lenient_citation=policy.lenient_citation,
                     responsible_roles={c: _lang_of(v, lang) for c, v in policy.responsible_roles.items()},
                     responsible_citation=policy.responsible_citation)


def rules_policy() -> rules.ListPolicy:
    return rules.policy(active_profile(), clock.today())
