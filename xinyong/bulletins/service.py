"""Use cases of bulletins (通知公告 / 政策法规): the credit department creates, edits, publishes
and withdraws them with their attachments; anyone reads those in public view. Every change is
versioned (xinyong.history) and audited; rows are never deleted. Flushes, never commits."""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.audit import record_event
from xinyong.bulletins import repository, rules
from xinyong.history import change_context
from xinyong.kit.access import Principal
from xinyong.kit.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.law.loader import active_profile
from xinyong.models.bulletin import Bulletin, BulletinAttachment

STAFF_ROLES = ("staff", "admin")
# the history's reason of a state change (an edit keeps the reason staff typed)
ACTIONS = ("publish", "withdraw")
EDITABLE = ("category", "title", "body", "published_on", "issuer", "document_no", "related_path")


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def policy(on: dt.date | None = None) -> rules.BulletinPolicy:
    return rules.policy(active_profile(), on or clock.today())


def _refuse(problem: rules.Problem | None) -> None:
    if problem is None:
        return
    if problem.code == "state":
        raise Conflict(problem.zh, code="bulletin_state", message_en=problem.en)
    raise InvalidInput(problem.zh, code=problem.code, field=problem.field, message_en=problem.en)


def _not_found() -> NotFound:
    return NotFound("未找到该公告", message_en="no such bulletin")


def _staff(principal: Principal) -> None:
    if principal.role not in STAFF_ROLES:
        raise Forbidden("只有信用主管部门可以发布公告", message_en="only the credit department publishes bulletins")


def _clean(values: dict) -> dict:
    out = {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items()}
    for optional in ("document_no", "related_path"):
        if optional in out and not out[optional]:
            out[optional] = None
    return out


def _check(p: rules.BulletinPolicy, v: dict) -> None:
    _refuse(rules.bulletin_problem(p, category=v["category"], title=v["title"], body=v["body"],
                                   issuer=v.get("issuer") or "", document_no=v.get("document_no") or "",
                                   related_path=v.get("related_path") or ""))


def create(session: Session, principal: Principal, values: dict, files: list[Upload] = ()) -> Bulletin:
    """A draft; it is public only once published and its publication date has come."""
    _staff(principal)
    v, p = _clean(values), policy()
    _check(p, v)
    bulletin = Bulletin(**{k: v.get(k) for k in EDITABLE}, status="draft", created_by=principal.user_id, version=1)
    bulletin.issuer = bulletin.issuer or ""
    session.add(bulletin)
    session.flush()
    record_event(session, principal, "bulletin.created", target_type="bulletin", target_id=bulletin.id,
                 details={"category": bulletin.category})
    add_attachments(session, principal, bulletin.id, files)
    return bulletin


def _get(session: Session, bulletin_id: int) -> Bulletin:
    bulletin = session.get(Bulletin, bulletin_id)
    if bulletin is None:
        raise _not_found()
    return bulletin


def update(session: Session, principal: Principal, bulletin_id: int, values: dict, reason: str) -> Bulletin:
    """Change what is typed; the superseded version is kept in the history with the reason."""
    _staff(principal)
    bulletin = _get(session, bulletin_id)
    given = _clean({k: val for k, val in values.items() if k in EDITABLE and val is not None})
    merged = {k: getattr(bulletin, k) for k in EDITABLE} | given
    _check(policy(), merged)
    if not (reason or "").strip():
        raise InvalidInput("请填写修改理由", field="reason", message_en="give the reason for the change")
    changed = sorted(k for k in given if getattr(bulletin, k) != merged[k])
    if not changed:
        return bulletin
    change_context(session, user_id=principal.user_id, reason=reason.strip()[:500])
    for key in changed:
        setattr(bulletin, key, merged[key])
    bulletin.issuer = bulletin.issuer or ""
    bulletin.updated_at = clock.now()
    session.flush()
    record_event(session, principal, "bulletin.edited", target_type="bulletin", target_id=bulletin.id,
                 details={"fields": changed})
    return bulletin


def publish(session: Session, principal: Principal, bulletin_id: int) -> Bulletin:
    _staff(principal)
    bulletin = _get(session, bulletin_id)
    _refuse(rules.transition_problem("publish", bulletin.status))
    change_context(session, user_id=principal.user_id, reason=ACTIONS[0])
    bulletin.status, bulletin.withdraw_reason, bulletin.updated_at = "published", None, clock.now()
    session.flush()
    record_event(session, principal, "bulletin.published", target_type="bulletin", target_id=bulletin.id,
                 details={"published_on": bulletin.published_on.isoformat()})
    return bulletin


def withdraw(session: Session, principal: Principal, bulletin_id: int, reason: str) -> Bulletin:
    _staff(principal)
    bulletin = _get(session, bulletin_id)
    _refuse(rules.transition_problem("withdraw", bulletin.status, reason))
    change_context(session, user_id=principal.user_id, reason=ACTIONS[1])
    bulletin.status, bulletin.withdraw_reason, bulletin.updated_at = "withdrawn", reason.strip(), clock.now()
    session.flush()
    record_event(session, principal, "bulletin.withdrawn", target_type="bulletin", target_id=bulletin.id)
    return bulletin


def add_attachments(session: Session, principal: Principal, bulletin_id: int, files: list[Upload]) -> list[int]:
    """Files checked by type (name and content) and size under the profile's limits."""
    _staff(principal)
    files = [f for f in files if f.filename]
    if not files:
        return []
    _get(session, bulletin_id)
    p = policy()
    check = rules.check_attachments(p, [rules.UploadFile(f.filename, len(f.data), f.data[:16]) for f in files],
                                    already=repository.attachment_count(session, bulletin_id))
    _refuse(check.problem)
    ids = []
    for f, ctype in zip(files, check.content_types):
        row = BulletinAttachment(bulletin_id=bulletin_id, filename=rules.safe_filename(f.filename), content_type=ctype,
                                 size=len(f.data), sha256=hashlib.sha256(f.data).hexdigest(), content=f.data,
                                 created_by=principal.user_id)
        session.add(row)
        session.flush()
        ids.append(row.id)
        record_event(session, principal, "bulletin.attachment_added", target_type="bulletin", target_id=bulletin_id,
                     details={"attachment_id": row.id, "sha256": row.sha256, "size": row.size})
    return ids


def remove_attachment(session: Session, principal: Principal, bulletin_id: int, attachment_id: int) -> None:
    _staff(principal)
    found = repository.attachment(session, bulletin_id, attachment_id)
    if found is None:
        raise NotFound("未找到该附件", message_en="no such attachment")
    found.removed_at = clock.now()
    session.flush()
    record_event(session, principal, "bulletin.attachment_removed", target_type="bulletin", target_id=bulletin_id,
                 details={"attachment_id": attachment_id, "sha256": found.sha256})


def public_page(session: Session, category: str | None, page: int, size: int) -> tuple[list[Bulletin], bool]:
    rows = repository.public_page(session, clock.today(), category=category, limit=size + 1,
                                  offset=(page - 1) * size)
    return rows[:size], len(rows) > size


def readable(session: Session, principal: Principal, bulletin_id: int) -> Bulletin:
    """A bulletin in public view; the credit department also reads drafts and withdrawn ones."""
    if principal.role in STAFF_ROLES:
        return _get(session, bulletin_id)
    found = repository.public_one(session, bulletin_id, clock.today())
    if found is None:
        raise _not_found()
    return found


def attachment_file(session: Session, principal: Principal, bulletin_id: int, attachment_id: int) -> BulletinAttachment:
    readable(session, principal, bulletin_id)
    found = repository.attachment(session, bulletin_id, attachment_id)
    if found is None:
        raise NotFound("未找到该附件", message_en="no such attachment")
    return found
