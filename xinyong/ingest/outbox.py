"""The ingest outbox (issue 14 point 1): the change feed and the incremental evaluation a batch
triggers are applied after the batch's commit, not inside its transaction.

- ``record`` (in the batch's transaction) writes one ``ingest_outbox`` row per after-commit hook
  (xinyong.registry.AFTER_COMMIT_HOOKS) and queues a worker job (kind ``ingest.outbox``): both
  exist exactly when the batch does.
- ``apply_pending`` applies pending rows in id order. Each row is claimed by setting its
  ``applied_at`` in the transaction that writes the hook's effects, so a crash before that
  commit leaves the row pending (nothing lost) and a committed row is never claimed again
  (nothing applied twice). Two appliers on PostgreSQL: the second waits on the first's row lock,
  finds the row applied and moves on; neither overtakes the other, so each hook sees batches in
  outbox order. A row is inserted after the batch's record writes: two batches that touch the
  same record are serialised by its row lock, so their outbox order is their commit order.
- The ingest applies its own rows (and any earlier pending ones) right after its commit, before
  the caller answers, and withdraws the job if no worker has started it; the worker job applies
  whatever a crash left behind.
- On PostgreSQL the ingest applies each hook's rows on a connection of its own, all hooks at the
  same time (``apply_hooks_concurrently``): the hooks read the committed batch and write tables
  of their own, so the second core runs the evaluation while the first writes the feed events
  (issue 14: a 1M-row batch's outbox was 11 s, one hook after the other). Order is per hook:
  each still claims its own rows in id order. SQLite has one writer: one after the other there.

- The hooks of ``LEFT_TO_WORKER`` (the names a batch's new subjects add to the name search) are
  not applied by the ingest: their rows, written only for a batch that owes them, wait for the
  worker job, which the ingest then does not withdraw. Every other application (a re-send's
  earlier batches, the ingest's own) leaves them pending; the worker's drain applies them.

``commit_and_apply`` is a boundary helper (the batch's unit of work), like
xinyong.ingest.idempotency.submit_once: it commits."""
from __future__ import annotations

import contextvars
import logging
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.kit import batchfacts, bulk
from xinyong.models import Batch
from xinyong.models.outbox import IngestOutbox
from xinyong.registry import AFTER_COMMIT_HOOKS, LEFT_TO_WORKER, load
from xinyong.transparency.trigger import HEAD_DUE, sign_after_commit

JOB = "ingest.outbox"
HOOK = "on_batch_ingested"
APPLY_AFTER_COMMIT = True   # tests turn it off to stand for a crash between commit and application
log = logging.getLogger(__name__)


def record(session: Session, batch_id: int, also: tuple[str, ...] = ()) -> int:
    """In the batch's transaction: the rows it owes and the job that applies them; of the hooks
    left to the worker, only those in ``also``. Returns the last row's id (what the ingest
    applies up to after its commit)."""
    from xinyong.worker.service import enqueue
    day = clock.today()
    rows = [IngestOutbox(batch_id=batch_id, hook=name, day=day) for name in AFTER_COMMIT_HOOKS[HOOK]
            if name not in LEFT_TO_WORKER[HOOK] or name in also]
    session.add_all(rows)
    session.flush()
    enqueue(session, JOB, {"batch": batch_id}, dedupe_key=_job_key(batch_id))
    return max(r.id for r in rows)


def apply_pending(session: Session, upto: int | None = None, *, commit: bool = True, batches=None,
                  hook: str | None = None, prompt: bool = False) -> int:
    """Apply every pending row (up to id ``upto``, of ``batches`` if given: a SELECT of batch
    ids; of one ``hook`` if given; with ``prompt``, none of a hook left to the worker) in order;
    with ``commit`` each row and its effects in a transaction of their own, else all in the
    caller's transaction. Returns how many this call applied."""
    applied = 0
    where = _pending_filter(upto, batches, hook, prompt)
    while True:
        claimed = _claim_next(session, where)
        if claimed is None:
            # in the same transaction: it holds no row (the claim updated none), and each statement
            # of PostgreSQL's READ COMMITTED sees every commit before it (a commit between them
            # was one more round trip at the end of every batch's hooks)
            if not _any_pending(session, where, commit):
                return applied
            continue   # PostgreSQL: lost the first row to another applier, which has now committed it
        try:
            getattr(load(claimed.hook), HOOK)(session, claimed.batch_id, today=claimed.day)
            # whether any row is left, asked before this row's commit (this transaction sees the
            # row applied, and every other applier's commit): none left (the usual case, one row
            # per hook and batch) ends here, without a claim and a check after the commit
            more = _any_pending(session, where, False)
            if commit:
                session.commit()
        except BaseException:
            if commit:
                session.rollback()
            raise
        applied += 1
        if not more:
            return applied


def commit_and_apply(session: Session, outcome, commit: bool = True):
    """Commit the batch (with its outbox rows), then apply them: the records and their feed
    events are both visible when the caller answers. Without ``commit`` (the batch is part of
    a larger change) the outbox is applied in the caller's transaction. The hooks applied here
    are handed what the ingest knows of the batch (kit/batchfacts.py)."""
    subjects, outcome.subjects = outcome.subjects, None
    with batchfacts.handed(outcome.batch_id, subjects):
        return _commit_and_apply(session, outcome, commit)


def _commit_and_apply(session: Session, outcome, commit: bool):
    upto = outcome.outbox_upto
    if not commit:
        if upto is not None:
            apply_pending(session, upto, commit=False)
            _withdraw(session, outcome.batch_id)
        return outcome
    head_due = upto is not None and _concurrent(session) and session.info.pop(HEAD_DUE, False)
    # SQLite: the WAL's checkpoint runs beside what follows the commit; the head the commit owes
    # is signed right after it, as the commit's listener would, but with the checkpoint under way
    # (the signing's own commit would otherwise run the checkpoint first)
    head_next = not head_due and bulk.dialect(session) == "sqlite" and session.info.pop(HEAD_DUE, False)
    checkpoint = bulk.commit_checkpointing_beside(session)
    if head_next:
        sign_after_commit(session.get_bind().engine)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="head") as pool:
        # PostgreSQL: the tree head the batch owes is signed beside the outbox (its own connection;
        # the hooks write no log entries), not before it in the commit's listener: ~25 ms of a
        # 10,000-row batch the second core did nothing in
        signing = pool.submit(contextvars.copy_context().run, sign_after_commit, session.get_bind()) if head_due else None
        try:
            if upto is not None and apply_after_commit(session, upto) is not None:
                if not outcome.outbox_left:   # else the job stays, for the rows left to the worker
                    _withdraw(session, outcome.batch_id)
                session.commit()
        finally:
            if signing is not None:
                signing.result()   # never raises: a failure is logged and the next trigger signs
            if checkpoint is not None:
                checkpoint.result()   # never raises either
    return outcome


def _concurrent(session: Session) -> bool:
    """Whether the ingest applies its outbox on connections of its own (apply_hooks_concurrently)."""
    bind = session.get_bind()
    return APPLY_AFTER_COMMIT and bind.dialect.name == "postgresql" and isinstance(bind, Engine)


def apply_after_commit(session: Session, upto: int) -> int | None:
    """The ingest's own application right after its commit (None: not done). A failure here
    loses nothing: the rows stay pending for the worker job queued with the batch."""
    if not APPLY_AFTER_COMMIT:
        return None
    try:
        if _concurrent(session):
            return apply_hooks_concurrently(session, upto)
        return apply_pending(session, upto, prompt=True)
    except Exception:
        log.exception("ingest outbox: applying after commit failed; the worker will retry")
        session.rollback()
        return None


def apply_hooks_concurrently(session: Session, upto: int) -> int:
    """Each registered hook's pending rows (up to ``upto``; not those left to the worker) on a
    session of its own, the first hook in the caller's, all at the same time; then any row left
    (a hook no longer registered) in order. Each row still commits with its effects, so a
    failure or a crash part-way leaves exactly the unapplied rows pending; the first failure is
    raised once every hook has stopped."""
    hooks = [h for h in AFTER_COMMIT_HOOKS[HOOK] if h not in LEFT_TO_WORKER[HOOK]]
    engine = session.get_bind()

    def own_session(hook: str) -> int:
        from xinyong.db import session_factory
        with session_factory(engine)() as other:
            return apply_pending(other, upto, hook=hook)

    with ThreadPoolExecutor(max_workers=max(len(hooks) - 1, 1), thread_name_prefix="outbox") as pool:
        # each thread runs in a copy of this context (the local catalogue's scope, the page language)
        others = [pool.submit(contextvars.copy_context().run, own_session, hook) for hook in hooks[1:]]
        try:
            applied = apply_pending(session, upto, hook=hooks[0]) if hooks else 0
        finally:
            done = [_outcome(f) for f in others]
    for outcome in done:
        if isinstance(outcome, BaseException):
            raise outcome
    # rows left only of a hook no longer registered: asked first (one read, left open for the
    # caller's commit), not claimed for nothing at the end of every batch
    left = _any_pending(session, _pending_filter(upto, None, prompt=True), False)
    return applied + sum(done) + (apply_pending(session, upto, prompt=True) if left else 0)


def _outcome(future):
    try:
        return future.result()
    except BaseException as exc:   # raised by the caller once every hook has stopped
        return exc


def drain_job(payload: dict) -> dict:
    """Worker job ``ingest.outbox``: everything pending, in order."""
    from xinyong.db import session_scope
    with session_scope() as session:
        return {"applied": apply_pending(session)}


def _withdraw(session: Session, batch_id: int) -> None:
    from xinyong.worker.service import withdraw
    withdraw(session, _job_key(batch_id))


def _job_key(batch_id: int) -> str:
    return f"{JOB}:{batch_id}"


def pending(session: Session) -> list[tuple[int, str]]:
    """(batch id, hook) of the rows not applied yet, in order."""
    return [tuple(r) for r in session.execute(
        select(IngestOutbox.batch_id, IngestOutbox.hook).where(IngestOutbox.applied_at.is_(None))
        .order_by(IngestOutbox.id))]


def before_resend(session: Session, agency_id: int, item_code: str) -> int:
    """In a batch's transaction, before it writes: the pending rows of this agency's earlier
    batches of this item (normally none: only a crash leaves them). Only those batches' records
    can be re-sent by this one, and their feed events must come first ("published" before
    "corrected"), as they did when the hooks ran inside each batch."""
    earlier = select(Batch.id).where(Batch.agency_id == agency_id, Batch.item_code == item_code)
    return apply_pending(session, commit=False, batches=earlier, prompt=True)


def earlier_pending(session: Session, agency_id: int, item_code: str) -> bool:
    """Whether ``before_resend`` has rows to apply (a read: the ingest asks on a connection of
    its own, beside its subjects merge, and applies them on its session only if so)."""
    earlier = select(Batch.id).where(Batch.agency_id == agency_id, Batch.item_code == item_code)
    return session.scalar(select(IngestOutbox.id).where(*_pending_filter(None, earlier, prompt=True))
                          .limit(1)) is not None


def _pending_filter(upto: int | None, batches, hook: str | None = None, prompt: bool = False) -> list:
    where = [IngestOutbox.applied_at.is_(None)]
    if hook is not None:
        where.append(IngestOutbox.hook == hook)
    if prompt:
        where.append(IngestOutbox.hook.not_in(LEFT_TO_WORKER[HOOK]))
    if upto is not None:
        where.append(IngestOutbox.id <= upto)
    if batches is not None:
        where.append(IngestOutbox.batch_id.in_(batches))
    return where


def _claim_next(session: Session, where: list):
    first = select(func.min(IngestOutbox.id)).where(*where)
    stmt = (update(IngestOutbox)
            .where(IngestOutbox.id == first.scalar_subquery(), IngestOutbox.applied_at.is_(None))
            .values(applied_at=clock.now())
            .returning(IngestOutbox.batch_id, IngestOutbox.hook, IngestOutbox.day)
            .execution_options(synchronize_session=False))
    return session.execute(stmt).first()


def _any_pending(session: Session, where: list, commit: bool) -> bool:
    found = session.scalar(select(IngestOutbox.id).where(*where).limit(1)) is not None
    if commit:
        session.commit()
    return found
