"""Batch reads with the row-level rule: an agency sees only its own batches; staff see all.
A batch the caller may not see is answered 404, as if it did not exist."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from xinyong.ingest import repository
from xinyong.ingest.repository import REJECTED_VALUE_CHARS
from xinyong.ingest.schemas import BatchOut, RejectionOut
from xinyong.kit.access import Principal
from xinyong.kit.errors import NotFound

STAFF_ROLES = ("staff", "admin")


def visible_agency(principal: Principal) -> int | None:
    """None means all agencies (staff); otherwise the caller's own agency."""
    if principal.role in STAFF_ROLES:
        return None
    return principal.agency_id if principal.agency_id is not None else -1


def _utc(value):
    """SQLite hands back naive UTC; the API always says which zone an instant is in."""
    return value.replace(tzinfo=dt.timezone.utc) if value is not None and value.tzinfo is None else value


def batch_out(batch, agency_name: str | None) -> BatchOut:
    return BatchOut(batch=batch.id, status=batch.status, item=batch.item_code, source=batch.source_uscc,
                    agency_name=agency_name, filename=batch.filename, channel=batch.channel,
                    received_at=_utc(batch.received_at), completed_at=_utc(batch.completed_at),
                    total_rows=batch.total_rows, accepted=batch.accepted_rows, rejected=batch.rejected_rows,
                    created=batch.created_records, updated=batch.updated_records,
                    unchanged=batch.unchanged_records, error_code=batch.error_code,
                    error_message=batch.error_message,
                    notes={k: v for k, v in (batch.notes or {}).items() if k != REFUSAL_NOTE})


REFUSAL_NOTE = "refusal"   # the refusal in each language, for pages: the API has the one error_message


def refusal_text(batch, lang: str) -> str:
    """A refused batch's reason in the reader's language alone (an older batch, or a refusal
    given in one text only: that text)."""
    words = (batch.notes or {}).get(REFUSAL_NOTE) or {}
    return words.get(lang) or words.get("zh") or batch.error_message or ""


def list_for(session: Session, principal: Principal, limit: int = 100, offset: int = 0) -> list[BatchOut]:
    return [batch_out(b, name) for b, name in repository.list_batches(session, visible_agency(principal), limit, offset)]


def get_for(session: Session, principal: Principal, batch_id: int):
    batch = repository.get_batch(session, batch_id)
    scope = visible_agency(principal)
    if batch is None or (scope is not None and batch.agency_id != scope):
        raise NotFound("未找到该批次", message_en="no such batch")
    return batch


def rejections_for(session: Session, principal: Principal, batch_id: int, limit: int | None = None,
                   offset: int = 0) -> list[RejectionOut]:
    get_for(session, principal, batch_id)
    return [RejectionOut(row_no=r.row_no, field=r.field, value=clip(r.value), reason_code=r.reason_code,
                         reason=r.reason, reason_en=r.reason_en)
            for r in repository.batch_rejections(session, batch_id, limit, offset)]


def clip(value: str | None, limit: int = REJECTED_VALUE_CHARS) -> str:
    """A rejected value as shown in a report: at most ``limit`` characters, an ellipsis
    marking a cut (values stored before the cut was made at write time are cut here)."""
    value = value or ""
    return value if len(value) <= limit else value[:limit - 1] + "…"


REJECTIONS_HEADER = ("行号", "字段", "值", "原因代码", "原因", "Reason")


def rejection_rows(rows: list[RejectionOut]):
    """The return-for-review report (退回复核) as table rows, for xinyong.kit.csvexport."""
    return ([r.row_no, r.field, r.value, r.reason_code, r.reason, r.reason_en] for r in rows)
