"""Response models of the audit log API."""
from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

from xinyong.audit.verification import VerifyReport


class AuditEntryOut(BaseModel):
    id: int
    chain: int
    seq: int
    at: dt.datetime
    actor: str
    actor_user_id: int | None
    actor_org_id: int | None
    action: str
    target_type: str
    target_id: str
    subject_id: int | None
    details: dict
    prev_hash: str
    hash: str

    @classmethod
    def of(cls, entry) -> "AuditEntryOut":
        at = entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=dt.timezone.utc)
        return cls(id=entry.id, chain=entry.chain, seq=entry.seq, at=at, actor=entry.actor,
                   actor_user_id=entry.actor_user_id, actor_org_id=entry.actor_org_id, action=entry.action,
                   target_type=entry.target_type, target_id=entry.target_id, subject_id=entry.subject_id,
                   details=entry.details or {}, prev_hash=entry.prev_hash, hash=entry.hash)


class ProblemOut(BaseModel):
    kind: str
    chain: int | None
    seq: int | None
    entry_id: int | None
    checkpoint_id: int | None
    message: str


class ChainOut(BaseModel):
    chain: int
    entries: int
    head_seq: int | None
    ok: bool


class VerifyOut(BaseModel):
    ok: bool
    summary: str
    at: dt.datetime
    entries: int
    checkpoints: int
    chains: list[ChainOut]
    first_problem: ProblemOut | None
    problems: list[ProblemOut]

    @classmethod
    def of(cls, report: VerifyReport) -> "VerifyOut":
        problems = [ProblemOut(kind=p.kind, chain=p.chain, seq=p.seq, entry_id=p.entry_id,
                               checkpoint_id=p.checkpoint_id, message=p.message) for p in report.problems]
        return cls(ok=report.ok, summary=report.summary(), at=report.at, entries=report.entries,
                   checkpoints=report.checkpoints,
                   chains=[ChainOut(chain=c.chain, entries=c.entries, head_seq=c.head_seq, ok=c.ok)
                           for c in report.chains],
                   first_problem=problems[0] if problems else None, problems=problems)
