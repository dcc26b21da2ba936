"""Aggregation API: agencies send batches (JSON rows or a file) and read their return reports."""
from __future__ import annotations

from fastapi import APIRouter, Depends, File, Form, Path, Query, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from xinyong.config import get_settings
from xinyong.ingest import service, views
from xinyong.ingest.schemas import BatchOut, JsonBatchIn, RejectionOut
from xinyong.kit.access import Principal, allow
from xinyong.kit.csvexport import csv_response
from xinyong.kit.errors import Forbidden, InvalidInput, PayloadTooLarge
from xinyong.kit.web import get_session
from xinyong.kit.text import Code, CodeForm, Text

router = APIRouter(prefix="/api/v1/batches", tags=["aggregation 归集"])
SENDERS = ("agency", "staff", "admin")
MAX_ID = 2**63 - 1  # BIGINT


def source_for(session: Session, principal: Principal, requested: str | None) -> str:
    """Agencies send as themselves; staff may send on an agency's behalf (offline window)."""
    if principal.role == "agency":
        from xinyong.agencies.service import get
        own = get(session, principal.agency_id).uscc
        if requested and requested.strip().upper() != own:
            raise Forbidden("机构只能报送本单位数据", code="not_own_agency",
                            message_en="an agency can only send its own data")
        return own
    if not requested:
        raise InvalidInput("请指定数据来源单位", field="source", message_en="source: the agency's USCC is required")
    return requested


def _answer(session: Session, outcome: service.BatchOutcome) -> JSONResponse:
    session.commit()
    batch = views.get_for(session, _STAFF, outcome.batch_id)
    body = views.batch_out(batch, None).model_dump(mode="json")
    return JSONResponse(body, status_code=201 if outcome.status == "completed" else 422)


_STAFF = Principal(user_id=0, username="system", role="staff")


@router.post("", response_model=BatchOut, status_code=201, responses={422: {"description": "batch refused"}})
def submit_json(body: JsonBatchIn, principal: Principal = allow(*SENDERS, scope="batches:write"), session: Session = Depends(get_session)):
    source = source_for(session, principal, body.source)
    outcome = service.ingest_rows(session, rows=body.rows, source_uscc=source, item_code=body.item,
                                  user_id=principal.user_id, change_reason=body.change_reason,
                                  actor=principal)
    return _answer(session, outcome)


@router.post("/file", response_model=BatchOut, status_code=201, responses={422: {"description": "batch refused"}})
async def submit_file(item: str = CodeForm(...), file: UploadFile = File(...), source: Code | None = Form(None),
                      change_reason: Text | None = Form(None),
                      principal: Principal = allow(*SENDERS, scope="batches:write"),
                      session: Session = Depends(get_session)):
    data = await read_upload(file)
    src = source_for(session, principal, source)
    # parsing and writing a large file is blocking work: keep the event loop free
    outcome = await run_in_threadpool(
        service.ingest_file, session, data=data, filename=file.filename or "upload.csv", source_uscc=src,
        item_code=item, channel="api", user_id=principal.user_id, change_reason=change_reason,
        actor=principal)
    return _answer(session, outcome)


async def read_upload(file: UploadFile) -> bytes:
    limit = get_settings().max_upload_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f"文件超过 {limit} 字节上限", field="file", message_en=f"file exceeds {limit} bytes")
    return data


@router.get("", response_model=list[BatchOut])
def list_batches(limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=MAX_ID),
                 principal: Principal = allow(*SENDERS, scope="batches:read"), session: Session = Depends(get_session)):
    return views.list_for(session, principal, limit, offset)


@router.get("/{batch_id}", response_model=BatchOut)
def get_batch(batch_id: int = Path(ge=1, le=MAX_ID), principal: Principal = allow(*SENDERS, scope="batches:read"), session: Session = Depends(get_session)):
    return views.batch_out(views.get_for(session, principal, batch_id), None)


@router.get("/{batch_id}/rejections", response_model=list[RejectionOut])
def get_rejections(batch_id: int = Path(ge=1, le=MAX_ID), limit: int = Query(1000, ge=1, le=100_000), offset: int = Query(0, ge=0, le=MAX_ID),
                   principal: Principal = allow(*SENDERS, scope="batches:read"), session: Session = Depends(get_session)):
    return views.rejections_for(session, principal, batch_id, limit, offset)


@router.get("/{batch_id}/rejections.csv", response_class=Response)
def get_rejections_csv(batch_id: int = Path(ge=1, le=MAX_ID), principal: Principal = allow(*SENDERS, scope="batches:read"),
                       session: Session = Depends(get_session)):
    rows = views.rejections_for(session, principal, batch_id)
    return csv_response(views.REJECTIONS_HEADER, views.rejection_rows(rows), f"batch-{batch_id}-returns.csv")
