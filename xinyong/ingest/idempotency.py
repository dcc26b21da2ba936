"""Idempotent batch uploads (issue 16 point 5): a client that lost the answer to an upload
(the connection dropped, the server was killed after its commit) sends it again under the same
key and learns what happened to the first one, instead of sending a second batch.

The key is stored on the batch row, with a fingerprint of the request, by the batch's own
INSERT: a crash keeps both or neither. A unique constraint on (agency, key) settles a
concurrent double submit: the second INSERT waits for the first transaction and then fails,
and the second request answers with the first batch. The same key with another request
(another file, item, source or reason) is refused with 409.

`submit_once` is a boundary helper (the routes' unit of work): it commits."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from xinyong.agencies import service as agencies
from xinyong.kit.errors import Conflict
from xinyong.models import Batch

KEY_MAX = 200
HEADER = "Idempotency-Key"


def fingerprint(channel: str, source: str, item: str, change_reason: str | None, filename: str,
                data: bytes) -> str:
    head = json.dumps([channel, source.strip().upper(), item, change_reason or "", filename], ensure_ascii=False)
    return hashlib.sha256(head.encode() + b"\0" + data).hexdigest()


def rows_bytes(rows: list[dict]) -> bytes:
    return json.dumps(rows, ensure_ascii=False, sort_keys=True, default=str).encode()


def earlier(session: Session, source_uscc: str, key: str) -> Batch | None:
    agency = agencies.by_uscc(session, source_uscc or "")
    if agency is None:
        return None
    return session.scalar(select(Batch).where(Batch.agency_id == agency.id, Batch.idempotency_key == key))


def _replay(batch: Batch, request_sha256: str) -> int:
    if batch.request_sha256 != request_sha256:
        raise Conflict(f"幂等键已用于另一次不同的报送（批次 {batch.id}）；请为新的报送使用新的幂等键",
                       code="idempotency_key_reused", field="idempotency_key",
                       message_en=f"this Idempotency-Key was used for a different upload (batch {batch.id}); "
                                  "use a new key for a new upload")
    return batch.id


def submit_once(session: Session, key: str | None, source_uscc: str, request_sha256: str,
                ingest: Callable[[], int]) -> tuple[int, bool]:
    """(batch id, replayed): run ``ingest`` (which returns its batch id) and commit, unless
    this agency already sent this key; then the first batch's id, or 409 for another request."""
    if key:
        found = earlier(session, source_uscc, key)
        if found is not None:
            return _replay(found, request_sha256), True
    try:
        batch_id = ingest()
        session.commit()
    except IntegrityError:
        session.rollback()
        found = earlier(session, source_uscc, key) if key else None
        if found is None:
            raise
        return _replay(found, request_sha256), True
    return batch_id, False
