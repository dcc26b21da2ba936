"""The public transparency log API (issue 12): signed tree heads (latest and by size), the
public keys, inclusion and consistency proofs. Proofs carry hashes only, never another
entry's contents. Anonymous callers are rate-limited like the other public reads."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy.orm import Session

from xinyong.kit.access import Principal, allow
from xinyong.kit.errors import NotFound
from xinyong.kit.text import CodePath
from xinyong.kit.web import get_session
from xinyong.transparency import service

router = APIRouter(prefix="/api/v1/transparency", tags=["transparency 透明日志"])
MAX_SIZE = 2**62


@router.get("/sth/latest")
def latest(principal: Principal = allow("public"), session: Session = Depends(get_session)) -> dict:
    head = service.latest_head(session)
    if head is None:
        raise NotFound("尚未发布树头", message_en="no tree head has been published yet")
    return head.document()


@router.get("/sth/{size}")
def by_size(size: int = Path(ge=0, le=MAX_SIZE), principal: Principal = allow("public"),
            session: Session = Depends(get_session)) -> dict:
    return service.head_at(session, size).document()


@router.get("/keys")
def keys(principal: Principal = allow("public")) -> dict:
    return service.keys_doc()


@router.get("/proof/inclusion")
def inclusion(leaf_index: int = Query(ge=0, le=MAX_SIZE), tree_size: int = Query(ge=1, le=MAX_SIZE),
              principal: Principal = allow("public"), session: Session = Depends(get_session)) -> dict:
    return service.inclusion(session, leaf_index, tree_size)


@router.get("/proof/consistency")
def consistency(first: int = Query(ge=0, le=MAX_SIZE), second: int = Query(ge=0, le=MAX_SIZE),
                principal: Principal = allow("public"), session: Session = Depends(get_session)) -> dict:
    return service.consistency(session, first, second)


@router.get("/leaf-hashes")
def leaf_hashes(start: int = Query(ge=0, le=MAX_SIZE), end: int = Query(ge=0, le=MAX_SIZE),
                principal: Principal = allow("public"), session: Session = Depends(get_session)) -> dict:
    """Leaf hashes [start, end), at most 10,000 (hashes only: they reveal no entry's content)."""
    end = min(end, start + 10_000, service.tree_size(session))
    from xinyong.transparency.repository import leaf_hashes as read
    return {"start": start, "leaf_hashes": read(session, start, end) if end > start else []}


@router.get("/reports/{code}")
def report_proof(code: str = CodePath(max_length=64), principal: Principal = allow("public"),
                 session: Session = Depends(get_session)) -> dict:
    """The issuance entry of the report with this verification code (the leaf: the entry's
    canonical JSON, which holds the PDF's SHA-256), its inclusion proof and the signed head;
    check them with tools/verify_log.py report. Whoever holds the code holds the report."""
    from xinyong.reports import repository as reports
    from xinyong.reports.rules import is_code, normalise_code
    code = normalise_code(code)
    report = reports.by_code(session, code) if is_code(code) else None
    if report is None:
        raise NotFound("没有此验证码的报告", message_en="no report has this verification code")
    return service.report_inclusion(session, report.id)


@router.get("/records/{record_id}")
def record_proof(record_id: int = Path(ge=1, le=MAX_SIZE), principal: Principal = allow("public"),
                 session: Session = Depends(get_session)) -> dict:
    """A record's latest publication: its leaf (record, version, key, content hash, publicity
    window), its audit path in the batch's sub-tree, and the batch entry (whose details carry
    `records_root`) with its inclusion in the signed log; check with tools/verify_log.py
    record. Only for a record in public view today (deny by default: 404 otherwise), and only
    from a batch of blinded leaves (version 2): a publication made before the blind is
    "withheld", since its hashes let anyone test guesses of what the public page masks."""
    from xinyong import clock
    from xinyong.disclosure.publicity import in_public_view
    from xinyong.models import Record
    from xinyong.transparency.publications import record_proof as prove
    record = session.get(Record, record_id)
    if record is None or not in_public_view(record, clock.today()):
        raise NotFound("没有公示中的此条记录", message_en="no record in public view has this id")
    return prove(session, record_id, public=True)
