"""Audit log API for auditors (FZ art. 12, QZ art. 14): search the log, verify the chain.
Every call is itself recorded in the log."""
from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from xinyong.audit import service
from xinyong.audit.schemas import AuditEntryOut, VerifyOut
from xinyong.kit.access import Principal, allow
from xinyong.kit.web import get_session
from xinyong.kit.text import Code

router = APIRouter(prefix="/api/v1/audit", tags=["audit 审计"])
AUDITORS = ("auditor", "admin")
MAX_ID = 2**63 - 1


@router.get("/entries", response_model=list[AuditEntryOut])
def list_entries(action: Code | None = Query(None, max_length=64), actor: Code | None = Query(None, max_length=100),
                 target_type: Code | None = Query(None, max_length=32),
                 target_id: Code | None = Query(None, max_length=64),
                 subject_id: int | None = Query(None, ge=1, le=MAX_ID),
                 from_day: dt.date | None = Query(None, alias="from", description="first day (China time)"),
                 to_day: dt.date | None = Query(None, alias="to", description="last day, inclusive"),
                 limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=1_000_000),
                 principal: Principal = allow(*AUDITORS, scope="audit:read"),
                 session: Session = Depends(get_session)):
    flt = service.entry_filter(action=action, actor=actor, target_type=target_type, target_id=target_id,
                               subject_id=subject_id, from_day=from_day, to_day=to_day)
    entries = service.search_entries(session, principal, flt, limit=limit, offset=offset)
    body = [AuditEntryOut.of(e) for e in entries]
    session.commit()
    return body


@router.get("/verify", response_model=VerifyOut)
def verify(principal: Principal = allow(*AUDITORS, scope="audit:read"), session: Session = Depends(get_session)):
    report = service.verify_as(session, principal)
    session.commit()
    return VerifyOut.of(report)
