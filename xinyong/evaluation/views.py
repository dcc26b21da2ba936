"""Shaping evaluation results for the API and pages, with who may see what:
- a result is published (QZ art. 16) for every subject except natural persons, whose result is
  seen by themselves and by the credit department only (personal information, FZ art. 11);
  while the profile rule `evaluation.model` says `published: false`, nobody else sees any;
- the explanation: the subject itself and staff see every contribution and the records behind
  it; the public sees the grade (the same grade) explained only from what is in public view
  today (xinyong/disclosure/publicity.py) — contributions counted over public records, the
  public records behind them, no score and no count or hint of anything else (QZ art. 16, 22)."""
from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.access import gate
from xinyong.disclosure.publicity import in_public_view, public_name
from xinyong.evaluation import repository, sector, service
from xinyong.evaluation.rules import points_for
from xinyong.evaluation.schemas import (ContributionOut, EvaluationOut, RecordBehindOut, RecordsBehindOut,
                                        SectorEvaluationOut)
from xinyong.kit.access import Principal
from xinyong.kit.errors import NotFound
from xinyong.models import Subject
from xinyong.web.i18n import messages, translate

STAFF_ROLES = ("staff", "admin", "auditor")


DUTY_READ = gate.PURPOSES["duty_evaluation"]


def model_titles(lang: str) -> dict[str, str]:
    """Each model version's name in ``lang`` (a page names a model by it, the version beside it)."""
    models = [service.load_model(v) for v in service.available_versions()]
    return {m.version: (m.title_zh if lang == "zh" else m.title_en) or m.version for m in models}


def trigger_words(trigger: str, lang: str) -> str:
    """What set a run off, in words: "batch:19" -> 批次 19 入库 (a run's trigger is stored as a code)."""
    code, _, ref = trigger.partition(":")
    key = f"evaluation.triggered_by.{code}"
    return translate(key, lang, ref=ref) if key in messages() else trigger


def published_for(kind: str) -> bool:
    """Whether the public sees the evaluation of a subject of this kind: never a natural person's,
    and only while the model in force is published. Pages offer a link to it only then."""
    return kind != "natural_person" and service.model_in_force().published


def sees_everything(session: Session, principal: Principal, subject_id: int) -> bool:
    """The subject itself, or a credit-department account reading in its duties, its read logged
    in the subject's access log (access.gate.record_duty_read: the profile's rule names the roles)."""
    if principal.role == "subject" and principal.subject_id == subject_id:
        return True
    return principal.role in STAFF_ROLES and gate.record_duty_read(
        session, principal, subject_id, [], *DUTY_READ)


def visible_subject(session: Session, principal: Principal, subject_id: int) -> tuple[Subject, bool]:
    """The subject and whether the reader sees everything of its evaluation (logged when a staff
    account does), or NotFound when there is nothing the reader may see."""
    subject = session.get(Subject, subject_id)
    if subject is None:
        raise NotFound("没有该主体的公开评价结果", message_en="no published evaluation for this subject")
    everything = sees_everything(session, principal, subject_id)
    if not published_for(subject.kind) and not everything:
        raise NotFound("没有该主体的公开评价结果", message_en="no published evaluation for this subject")
    return subject, everything


def _name(obj, lang: str) -> str:
    return obj.name_zh if lang == "zh" else obj.name_en


def evaluation_out(session: Session, principal: Principal, subject_id: int, lang: str = "zh",
                   base_url: str = "/evaluation/subjects", everything: bool | None = None) -> EvaluationOut:
    """``everything``: already decided (and logged) by a read of the same request (behind_out)."""
    if everything is None:
        _, everything = visible_subject(session, principal, subject_id)
    ex = service.explain(session, subject_id)
    model, result = ex.model, ex.result
    shown = ex.contributions if everything or result is None else public_contributions(session, ex, subject_id)
    grade = next((g for g in model.grades if result and g.grade == result["grade"]), None)
    contributions = [ContributionOut(
        dimension=c.dimension.code, dimension_name=_name(c.dimension, lang), indicator=c.indicator.code,
        indicator_name=_name(c.indicator, lang), matched=c.matched, under_objection=c.flagged, points=c.points,
        records_url=f"{base_url}/{subject_id}/contributions/{c.indicator.code}") for c in shown]
    sectors = [SectorEvaluationOut(
        sector=s["sector"], grade=s["grade"], tier=s["tier"], tier_name=s["tier_name_zh" if lang == "zh" else "tier_name_en"],
        inspections_per_year=s["inspections_per_year"], sampling_ratio=s["sampling_ratio"],
        evaluated_on=s["evaluated_on"], agency=s["agency_name"], filed_at=s["filed_at"], citation=s["citation"])
        for s in sector.sector_view(session, subject_id)]
    return EvaluationOut(
        subject_id=subject_id, subject_name=_subject_name(ex.subject, everything), subject_kind=ex.subject.kind,
        model_version=model.version, model_title=model.title_zh if lang == "zh" else model.title_en,
        citation=ex.citation, evaluated=result is not None, grade=result["grade"] if result else None,
        grade_name=_name(grade, lang) if grade else None,
        score=result["score"] if result and everything else None, public_view=not everything,
        base_score=model.base_score, grade_reason=ex.grade_reason if everything else None,
        under_objection=(result["flagged"] if everything else sum(c.flagged for c in shown)) if result else 0,
        as_of=result["as_of"] if result else None,
        computed_at=result["computed_at"] if result else None, contributions=contributions,
        sector_evaluations=sectors)


def public_contributions(session: Session, ex: service.Explanation, subject_id: int) -> list[service.Contribution]:
    """The contributions as the public may see them: each counted over the records in public view
    today (its points by the same rule, ``points_for``); one with nothing public is left out, as
    are commitments, which are not published records."""
    today = clock.today()
    by_records = repository.public_record_matches(session, ex.model, subject_id, ex.result["as_of"], today)
    out = []
    for c in ex.contributions:
        if c.indicator.source == "records":
            matched, flagged = by_records.get(c.indicator.code, (0, 0))
        elif c.indicator.source == "lists":
            _, rows, _ = service.records_behind(session, subject_id, c.indicator.code)
            matched, flagged = sum(1 for row in rows if _public("lists", row, today)), 0
        else:
            matched, flagged = 0, 0
        if matched:
            out.append(dataclasses.replace(c, matched=matched, flagged=flagged,
                                           points=points_for(c.indicator, matched)))
    return out


def _subject_name(subject: Subject, everything: bool) -> str:
    """In full to the subject itself and to a logged duty read; otherwise as the public sees it."""
    return subject.name if everything else public_name(subject.name, subject.kind)[0]


@dataclasses.dataclass
class Behind:
    out: RecordsBehindOut
    indicator: object
    everything: bool = False   # the reader saw everything (a staff read: logged once)


def behind_out(session: Session, principal: Principal, subject_id: int, indicator_code: str,
               lang: str = "zh") -> Behind:
    _, everything = visible_subject(session, principal, subject_id)
    indicator, rows, as_of = service.records_behind(session, subject_id, indicator_code)
    today = clock.today()
    shown, hidden = [], 0
    for row in rows:
        if everything or _public(indicator.source, row, today):
            shown.append(_behind_item(indicator.source, row))
        else:
            hidden += 1
    matched = len(shown)
    if everything:
        contribution = next((c for c in service.explain(session, subject_id).contributions
                             if c.indicator.code == indicator_code), None)
        matched = contribution.matched if contribution else 0
    # the public is told nothing of what it may not see: not even how many (QZ art. 22)
    out = RecordsBehindOut(subject_id=subject_id, indicator=indicator.code, indicator_name=_name(indicator, lang),
                           model_version=service.model_in_force().model.version, as_of=as_of,
                           matched=matched, shown=shown, hidden_not_public=hidden if everything else 0)
    return Behind(out, indicator, everything)


def _public(source: str, row: dict, today: dt.date) -> bool:
    if source == "records":
        return in_public_view(row, today)
    if source == "lists":
        return row.get("listed_on") is not None
    return False


def _behind_item(source: str, row: dict) -> RecordBehindOut:
    if source == "records":
        fields = row.get("fields") or {}
        detail = fields.get("offence_type") or fields.get("facts") or fields.get("breach_kind") or ""
        if row["item_code"] == "government_breach":
            detail = " · ".join(x for x in (fields.get("breach_kind"), fields.get("field"), fields.get("facts")) if x)
        return RecordBehindOut(kind="record", id=row["id"], label=row["decision_no"], date=row["decision_date"],
                               item_code=row["item_code"], severity=row.get("severity"), detail=detail[:300],
                               under_objection=bool(row["under_objection"]), url=None)
    if source == "lists":
        return RecordBehindOut(kind="list_entry", id=row["id"], label=f"{row['kind']} {row.get('category') or ''}".strip(),
                               date=row.get("listed_on") or row.get("decided_on"), detail=row["status"])
    return RecordBehindOut(kind="commitment", id=row["id"], label=f"{row['commitment_no']} ({row['type']})",
                           date=row.get("breached_on"), detail=(row.get("matter") or "")[:300])
