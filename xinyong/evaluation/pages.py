"""Evaluation pages: the published result of a subject (QZ art. 16) followed contribution by
contribution to its records, the subject's own explanation, the staff overview with the
recompute button, and sector evaluation filing (QZ art. 17)."""
from __future__ import annotations

from fastapi import APIRouter, Depends, File, Path, Query, Request, UploadFile
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from xinyong.evaluation import repository, sector, service, views
from xinyong.kit.access import Principal, allow
from xinyong.kit.errors import NotFound, XinyongError
from xinyong.kit.web import get_session, language, refusal_text, render
from xinyong.kit.text import CodePath

router = APIRouter(include_in_schema=False)
MAX_ID = 2**63 - 1
SubjectId = Path(ge=1, le=MAX_ID)
Indicator = CodePath(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.+\-]+$")
SENDERS = ("agency", "staff", "admin")


@router.get("/evaluation/subjects/{subject_id}")
def subject_result(request: Request, subject_id: int = SubjectId, principal: Principal = allow("public"),
                   session: Session = Depends(get_session)):
    ev = views.evaluation_out(session, principal, subject_id, language(request))
    session.commit()   # a staff account's read is in the subject's access log
    return render(request, "evaluation/subject.html", {"ev": ev, "own": False, "grades": _grades()})


@router.get("/me/evaluation")
def my_result(request: Request, principal: Principal = allow("subject"), session: Session = Depends(get_session)):
    if principal.subject_id is None:
        raise NotFound("账户未关联信用主体", message_en="this account speaks for no subject")
    ev = views.evaluation_out(session, principal, principal.subject_id, language(request))
    return render(request, "evaluation/subject.html", {"ev": ev, "own": True, "grades": _grades()})


@router.get("/evaluation/subjects/{subject_id}/contributions/{indicator}")
def contribution(request: Request, subject_id: int = SubjectId, indicator: str = Indicator,
                 principal: Principal = allow("public"), session: Session = Depends(get_session)):
    behind = views.behind_out(session, principal, subject_id, indicator, language(request))
    ev = views.evaluation_out(session, principal, subject_id, language(request), everything=behind.everything)
    session.commit()   # a staff account's read is in the subject's access log
    c = next((c for c in ev.contributions if c.indicator == indicator), None)
    return render(request, "evaluation/contribution.html", {"ev": ev, "b": behind.out, "c": c,
                                                             "ind": behind.indicator, "items": _item_names(request),
                                                             "titles": views.model_titles(language(request)),
                                                             "list_words": _list_words(language(request))})


def _list_words(lang: str) -> dict[str, str]:
    """A list entry's kind and category codes in words (the label of a list entry behind a score)."""
    from xinyong.lists.views import rules_policy
    words: dict[str, str] = {}
    for key, kind in rules_policy().kinds.items():
        words[key] = kind.name_zh if lang == "zh" else kind.name_en
        words.update(kind.categories if lang == "zh" else (kind.categories_en or kind.categories))
    return words


def _item_names(request: Request) -> dict[str, str]:
    from xinyong.catalogue import get_catalogue
    zh = language(request) == "zh"
    return {i.code: i.name_zh if zh else i.name_en for i in get_catalogue().items}


def _grades():
    return service.model_in_force().model.grades


@router.get("/evaluation")
def overview(request: Request, run: int | None = Query(None, ge=1, le=MAX_ID),
             principal: Principal = allow("staff", "admin", "auditor"), session: Session = Depends(get_session)):
    in_force = service.model_in_force()
    model = in_force.model
    dist = dict(repository.grade_distribution(session, model.version))
    rows = [(g, dist.get(g.grade, 0)) for g in model.grades]
    return render(request, "evaluation/overview.html", {
        "model": model, "citation": in_force.citation, "rows": rows, "total": sum(dist.values()),
        "peak": max(dist.values(), default=0) or 1, "versions": service.available_versions(),
        "titles": views.model_titles(language(request)), "trigger_words": views.trigger_words,
        "stored": repository.versions_stored(session), "runs": repository.recent_runs(session),
        "imports": repository.recent_imports(session), "done": run,
        "can_recompute": principal.role in ("staff", "admin"), "can_upload": principal.role in SENDERS})


@router.post("/evaluation/recompute")
def recompute(request: Request, principal: Principal = allow("staff", "admin"), session: Session = Depends(get_session)):
    run = service.recompute_full(session, trigger="staff", actor=principal)
    session.commit()
    return RedirectResponse(f"/evaluation?run={run.id}", status_code=303)


@router.get("/evaluation/sector")
def sector_form(request: Request, filed: int | None = Query(None, ge=1, le=MAX_ID),
                principal: Principal = allow(*SENDERS), session: Session = Depends(get_session)):
    return _sector_page(request, filed=filed)


@router.post("/evaluation/sector")
async def sector_upload(request: Request, file: UploadFile | None = File(None), principal: Principal = allow(*SENDERS),
                        session: Session = Depends(get_session)):
    lang = language(request)
    data = await file.read(sector.MAX_ROWS * 200) if file is not None else b""

    def import_it():   # the database's work in the thread pool, off the event loop
        try:
            outcome = sector.import_csv(session, data, (file.filename if file else "") or "sector.csv",
                                        actor=principal, channel="web")
        except XinyongError as exc:
            session.rollback()
            return _sector_page(request, error=refusal_text(exc, lang), status_code=exc.status)
        session.commit()
        return RedirectResponse(f"/evaluation/sector?filed={outcome.import_id}", status_code=303)
    return await run_in_threadpool(import_it)


def _sector_page(request: Request, filed: int | None = None, error: str | None = None, status_code: int = 200):
    rule = sector.tiers_rule()
    from xinyong.evaluation.rules import tiers_of
    return render(request, "evaluation/sector.html", {
        "columns": sector.COLUMNS, "tiers": tiers_of(rule.value).values(), "citation": str(rule.citation),
        "filed": filed, "error": error}, status_code=status_code)
