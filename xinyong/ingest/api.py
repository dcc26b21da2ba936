"""Aggregation API: agencies send batches (JSON rows or a file) and read their return reports."""
from __future__ import annotations

from fastapi import APIRouter, Depends, File, Form, Header, Path, Query, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from xinyong.config import get_settings
from xinyong.ingest import idempotency, service, views
from xinyong.ingest.schemas import BatchOut, JsonBatchIn, RejectionOut
from xinyong.kit.access import Principal, allow
from xinyong.kit.csvexport import csv_response
from xinyong.kit.errors import Forbidden, InvalidInput, PayloadTooLarge
from xinyong.kit.web import get_session
from xinyong.kit.text import Code, CodeForm, Text, TextRule

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


def _answer(session: Session, batch_id: int, replayed: bool) -> JSONResponse:
    """The batch as stored: the first answer and every replay of it are the same."""
    batch = views.get_for(session, _STAFF, batch_id)
    body = views.batch_out(batch, None).model_dump(mode="json")
    headers = {"Idempotent-Replayed": "true"} if replayed else None
    return JSONResponse(body, status_code=201 if batch.status == "completed" else 422, headers=headers)


_STAFF = Principal(user_id=0, username="system", role="staff")


def _key_header():
    info = Header(None, alias=idempotency.HEADER, min_length=1, max_length=idempotency.KEY_MAX,
                  description="the same key from the same agency answers with the first batch instead of a "
                              "second one; with another request it is refused (409)")
    info.metadata.append(TextRule("code"))  # FastAPI keeps a Header() default's own metadata only
    return info


RESPONSES = {422: {"description": "batch refused"},
             409: {"description": "the Idempotency-Key was used for a different upload"}}


@router.post("", response_model=BatchOut, status_code=201, responses=RESPONSES)
def submit_json(body: JsonBatchIn, principal: Principal = allow(*SENDERS, scope="batches:write"),
                session: Session = Depends(get_session), idempotency_key: str | None = _key_header()):
    source = source_for(session, principal, body.source)
    fingerprint = idempotency.fingerprint("json", source, body.item, body.change_reason, "",
                                          idempotency.rows_bytes(body.rows))

    def ingest() -> int:
        return service.ingest_rows(session, rows=body.rows, source_uscc=source, item_code=body.item,
                                   user_id=principal.user_id, change_reason=body.change_reason, actor=principal,
                                   idempotency_key=idempotency_key, request_sha256=fingerprint).batch_id

    return _answer(session, *idempotency.submit_once(session, idempotency_key, source, fingerprint, ingest))


@router.post("/file", response_model=BatchOut, status_code=201, responses=RESPONSES)
async def submit_file(item: str = CodeForm(...), file: UploadFile = File(...), source: Code | None = Form(None),
                      change_reason: Text | None = Form(None),
                      principal: Principal = allow(*SENDERS, scope="batches:write"),
                      session: Session = Depends(get_session), idempotency_key: str | None = _key_header()):
    data = await read_upload(file)
    filename = file.filename or "upload.csv"

    def submit():   # the source's look-up, parsing and writing the file: blocking work, off the event loop
        src = source_for(session, principal, source)
        fingerprint = idempotency.fingerprint("file", src, item, change_reason, filename, data)

        def ingest() -> int:
            return service.ingest_file(session, data=data, filename=filename, source_uscc=src, item_code=item,
                                       channel="api", user_id=principal.user_id, change_reason=change_reason,
                                       actor=principal, idempotency_key=idempotency_key,
                                       request_sha256=fingerprint).batch_id
        return _answer(session, *idempotency.submit_once(session, idempotency_key, src, fingerprint, ingest))
    return await run_in_threadpool(submit)


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
