"""The one place that seals and opens a complainant's identity (QZ art. 37: 对投诉人、举报人信息
严格保密). Only the complaint's assigned handler opens it, and every opening writes an audit entry
— actor, complaint, purpose — before the plain text exists; auditors list them per complaint
(``complaint.identity_viewed``). No other module reads ``Complaint.identity_enc``
(tests/test_sealed_architecture.py)."""
from __future__ import annotations

import json

from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from xinyong.audit import record_event
from xinyong.complaints import rules
from xinyong.kit import sealed
from xinyong.kit.access import Principal
from xinyong.kit.errors import NotFound
from xinyong.models.complaint import Complaint

VIEWED = "complaint.identity_viewed"
PURPOSES = ("handle", "tell_result")
BLANK = {"name": "", "contact": "", "id_number": "", "user_id": None, "username": ""}


def _audit(session: Session, actor: Principal, *, target_id: int, purpose: str, **details) -> None:
    entry = record_event(session, actor, VIEWED, target_type="complaint", target_id=target_id,
                         details={"purpose": purpose, **details})
    # the complaint keeps its first opening's audit time (updated only by the first, or by one
    # under a clock set back): the list of openings reads the audit log's months from there
    first = Complaint.identity_viewed_from
    session.execute(update(Complaint).where(Complaint.id == target_id, or_(first.is_(None), first > entry.at))
                    .values(identity_viewed_from=entry.at).execution_options(synchronize_session=False))


_OPENER = sealed.opener("complainant", _audit)


def seal_identity(complaint: Complaint, identity: dict) -> None:
    complaint.identity_enc = _OPENER.seal(json.dumps(identity, ensure_ascii=False))


def open_identity(session: Session, principal: Principal, complaint: Complaint, purpose: str) -> dict:
    """The identity, for the complaint's assigned handler only (404 for anyone else, the
    administrator included); audited with its purpose."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}")
    if not rules.may_see_identity(principal.user_id, complaint.handler_user_id):
        raise NotFound("未找到该投诉举报", message_en="no such complaint")
    if complaint.identity_enc is None:
        return dict(BLANK)
    plain = _OPENER.open(session, principal, complaint.identity_enc, target_id=complaint.id, purpose=purpose,
                         anonymous=complaint.anonymous)
    return {**BLANK, **json.loads(plain)}
