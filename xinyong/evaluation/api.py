"""Evaluation API: published results (QZ art. 16), a subject's own explanation, the records
behind each contribution, the staff overview and recompute, sector evaluation filing (QZ
art. 17). Thin: parse, authorise, call the service, shape, commit."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Request
from sqlalchemy.orm import Session

from xinyong.evaluation import repository, sector, service, views
from xinyong.evaluation.schemas import (EvaluationOut, OverviewOut, RecordsBehindOut, RunOut, SectorImportIn,
                                        SectorImportOut)
from xinyong.kit.access import Principal, allow
from xinyong.kit.errors import NotFound
from xinyong.kit.web import get_session, language
from xinyong.kit.text import CodePath

router = APIRouter(tags=["evaluation 信用评价"])
MAX_ID = 2**63 - 1
SubjectId = Path(ge=1, le=MAX_ID)
Indicator = CodePath(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.+\-]+$")
STAFF = ("staff", "admin")


@router.get("/api/v1/evaluation/subjects/{subject_id}", response_model=EvaluationOut)
def published_result(request: Request, subject_id: int = SubjectId, principal: Principal = allow("public"),
                     session: Session = Depends(get_session)):
    """The published public credit evaluation of a subject (QZ art. 16), its contributions and
    sector evaluations with their supervision tiers (QZ art. 17). Natural persons: 404 unless
    the caller is the person or the credit department."""
    out = views.evaluation_out(session, principal, subject_id, language(request), "/api/v1/evaluation/subjects")
    session.commit()   # a staff account's read is in the subject's access log
    return out


@router.get("/api/v1/evaluation/subjects/{subject_id}/contributions/{indicator}", response_model=RecordsBehindOut)
def records_behind(request: Request, subject_id: int = SubjectId, indicator: str = Indicator,
                   principal: Principal = allow("public"), session: Session = Depends(get_session)):
    """The records (list entries, commitments) behind one contribution, re-found by the
    indicator's filter as of the result's date; the public sees the public ones."""
    out = views.behind_out(session, principal, subject_id, indicator, language(request)).out
    session.commit()   # a staff account's read is in the subject's access log
    return out


@router.get("/api/v1/me/evaluation", response_model=EvaluationOut)
def my_evaluation(request: Request, principal: Principal = allow("subject"), session: Session = Depends(get_session)):
    if principal.subject_id is None:
        raise NotFound("账户未关联信用主体", message_en="this account speaks for no subject")
    return views.evaluation_out(session, principal, principal.subject_id, language(request),
                                "/api/v1/evaluation/subjects")


@router.get("/api/v1/evaluation/overview", response_model=OverviewOut)
def overview(principal: Principal = allow("staff", "admin", "auditor"), session: Session = Depends(get_session)):
    in_force = service.model_in_force()
    version = in_force.model.version
    return OverviewOut(model_version=version, citation=in_force.citation,
                       versions_available=service.available_versions(),
                       distribution=dict(repository.grade_distribution(session, version)),
                       versions_stored=repository.versions_stored(session),
                       runs=[RunOut(**r) for r in repository.recent_runs(session)])


@router.post("/api/v1/evaluation/recompute", response_model=RunOut, status_code=201)
def recompute(principal: Principal = allow(*STAFF), session: Session = Depends(get_session)):
    """Full recompute under the model in force (set-based; about a minute for a city of 1M subjects)."""
    run = service.recompute_full(session, trigger="staff", actor=principal)
    session.commit()
    return RunOut(id=run.id, model_version=run.model_version, kind=run.kind, trigger=run.trigger, as_of=run.as_of,
                  subjects=run.subjects, contributions=run.contributions, seconds=run.seconds)


@router.post("/api/v1/evaluation/sector-imports", response_model=SectorImportOut, status_code=201)
def import_sector(body: SectorImportIn, principal: Principal = allow("agency", *STAFF, scope="batches:write"),
                  session: Session = Depends(get_session)):
    """File sector evaluations (QZ art. 17): all rows or none; a bad row answers 422 listing
    every problem by row."""
    outcome = sector.import_rows(session, [r.model_dump() for r in body.rows], "api.json", actor=principal,
                                 channel="api")
    session.commit()
    return SectorImportOut(import_id=outcome.import_id, rows=outcome.rows)
