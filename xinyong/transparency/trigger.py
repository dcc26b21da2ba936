"""When tree heads are signed without an operator: (1) after the commit of a transaction
that recorded a batch, a decision document or a credit report (`HEAD_DUE` in the session's
info, set by record_event); (2) the web application's opportunistic sequencer: after a response has been sent, at most
once per `CHECK_SECONDS` per process, sign and publish a tree head if one is due (entries
wait and the latest head is older than XINYONG_TRANSPARENCY_INTERVAL_SECONDS). Whether it
is due is read from the database, so any number of processes share one schedule; the
state-row lock makes a second sequencer wait, then find nothing to do."""
from __future__ import annotations

import time

import anyio
from sqlalchemy import event
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Receive, Scope, Send

from xinyong.db import root_transaction_ended

CHECK_SECONDS = 30.0
HEAD_DUE = "transparency_head_due"


@event.listens_for(Session, "after_commit")
def _head_after_commit(session: Session) -> None:
    # SQLAlchemy calls this for a SAVEPOINT's release too: the entries are not committed yet (the
    # enclosing transaction still holds them, and on SQLite the write lock the sequencer then
    # waited for in vain: "database is locked" in `xinyong demo`); the root commit signs
    if not root_transaction_ended(session) or not session.info.pop(HEAD_DUE, False):
        return
    sign_after_commit(session.get_bind().engine)


def sign_after_commit(engine) -> None:
    """What a commit that owed a head does (a caller that took ``HEAD_DUE`` out of the session's
    info before committing does it itself: the ingest, beside its outbox)."""
    from xinyong.config import get_settings
    if not get_settings().transparency_auto:
        return
    from xinyong.transparency.worker import sequence_and_publish_quietly
    sequence_and_publish_quietly(engine)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    if root_transaction_ended(session):   # not a SAVEPOINT's: the enclosing entries stand
        session.info.pop(HEAD_DUE, None)


class SequenceAfterResponse:
    def __init__(self, app: ASGIApp, enabled: bool = True):
        self.app = app
        self.enabled = enabled
        self.next_check = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)
        if not self.enabled or scope["type"] != "http" or time.monotonic() < self.next_check:
            return
        self.next_check = time.monotonic() + CHECK_SECONDS
        from xinyong.transparency.worker import sequence_if_due
        await anyio.to_thread.run_sync(sequence_if_due)
