"""The ingest outbox (issue 14 point 1) on both backends: a batch commits its outbox rows with
its records; the change feed and the evaluation applied after the commit are exactly the hooks'
effects; applying again changes nothing; a crash between commit and application loses nothing
(the worker job applies it); two batches are applied in order. The names a batch's new subjects
add to the name search (xinyong.subjects.hooks) are left to the worker: the ingest applies the
other hooks and leaves their job queued."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tests.feed.support import ingest, published_count, world
from tests.support.builders import agency
from tests.worker.support import run_only_queued_jobs
from xinyong.db import session_factory
from xinyong.evaluation import hooks as evaluation_hooks
from xinyong.feed import hooks as feed_hooks
from xinyong.ingest import outbox
from xinyong.models import Batch, FeedEvent
from xinyong.models.evaluation import EvaluationResult, EvaluationRun
from xinyong.models.outbox import IngestOutbox
from xinyong.models.worker import WorkerJob
from xinyong.registry import AFTER_COMMIT_HOOKS, LEFT_TO_WORKER
from xinyong.worker.runner import Worker

DAY = "2026-11-23"
HOOKS = list(AFTER_COMMIT_HOOKS["on_batch_ingested"])   # what a batch that creates subjects owes
PROMPT = [h for h in HOOKS if h not in LEFT_TO_WORKER["on_batch_ingested"]]   # what its ingest applies
NAMES = "xinyong.subjects.hooks"


@pytest.fixture(autouse=True)
def only_queued_jobs(db, monkeypatch):
    run_only_queued_jobs(monkeypatch)


def outbox_jobs(session) -> list[tuple[str, dict | None]]:
    session.expire_all()
    return [(j.status, j.result) for j in session.scalars(select(WorkerJob).where(WorkerJob.kind == outbox.JOB)
                                                          .order_by(WorkerJob.id))]


@pytest.fixture
def crashed(monkeypatch):
    """The process dies between the batch's commit and its own application of the outbox."""
    monkeypatch.setattr(outbox, "APPLY_AFTER_COMMIT", False)


def effects(session) -> tuple[list, list]:
    feed = [(e.kind, e.record_id, e.subject_id, e.occurred_on, e.details.get("version"))
            for e in session.scalars(select(FeedEvent).order_by(FeedEvent.id))]
    grades = sorted(session.execute(select(EvaluationResult.subject_id, EvaluationResult.score,
                                           EvaluationResult.grade)).all())
    return feed, grades


def other_session(db):
    return session_factory(db)()


def test_an_ingest_commits_its_outbox_rows_and_job_with_the_batch(db, session, today, crashed):
    today(DAY)
    regulator, _, _ = world(session)
    _, out = ingest(session, regulator, 5)
    with other_session(db) as seen:   # another connection: only what was committed
        assert seen.get(Batch, out.batch_id).status == "completed"
        assert outbox.pending(seen) == [(out.batch_id, hook) for hook in HOOKS]
        job = seen.scalar(select(WorkerJob).where(WorkerJob.kind == outbox.JOB))
        assert job.status == "queued" and job.payload == {"batch": out.batch_id}
        assert seen.scalars(select(FeedEvent)).first() is None


def test_a_refused_batch_owes_nothing(session, today):
    today(DAY)
    regulator, _, _ = world(session)
    from xinyong.ingest.service import ingest_rows
    out = ingest_rows(session, rows=[], source_uscc=regulator.uscc, item_code="penalty")
    assert out.status == "refused"
    assert session.scalars(select(IngestOutbox)).first() is None


def test_after_commit_gives_exactly_the_hooks_effects(session, today, crashed):
    today(DAY)
    regulator, _, _ = world(session)
    _, out = ingest(session, regulator, 8)
    before = effects(session)
    assert before == ([], [])
    feed_hooks.on_batch_ingested(session, out.batch_id)          # what the hooks did inside the batch
    evaluation_hooks.on_batch_ingested(session, out.batch_id)
    inside = effects(session)
    session.rollback()
    assert effects(session) == before
    assert outbox.apply_pending(session) == len(HOOKS)
    after = effects(session)
    assert after == inside
    assert len(after[0]) == published_count(session, out.batch_id) > 0 and after[1]


def test_applying_twice_changes_nothing(db, session, today):
    today(DAY)
    regulator, _, _ = world(session)
    _, out = ingest(session, regulator, 6)
    once = effects(session)
    assert once[0] and outbox.pending(session) == [(out.batch_id, NAMES)]
    assert outbox_jobs(session) == [("queued", None)]       # kept for the names, left to the worker
    assert Worker(db).run_pending() == 1
    assert outbox_jobs(session) == [("done", {"applied": 1})]
    assert outbox.apply_pending(session) == 0
    from xinyong.worker.service import enqueue
    enqueue(session, outbox.JOB)                             # a worker's drain all the same
    session.commit()
    assert Worker(db).run_pending() == 1
    assert outbox_jobs(session)[-1] == ("done", {"applied": 0})
    assert effects(session) == once
    runs = session.scalars(select(EvaluationRun.trigger).where(EvaluationRun.trigger == f"batch:{out.batch_id}"))
    assert len(list(runs)) == 1


def test_a_crash_after_commit_loses_nothing(db, session, today, crashed):
    today(DAY)
    regulator, _, _ = world(session)
    _, out = ingest(session, regulator, 6)
    assert effects(session) == ([], [])
    today("2026-11-24")                                       # the worker comes the next day
    assert Worker(db).run_pending() == 1
    assert outbox_jobs(session) == [("done", {"applied": len(HOOKS)})]
    feed, grades = effects(session)
    assert len(feed) == published_count(session, out.batch_id) > 0 and grades
    assert {e[3] for e in feed} == {dt.date(2026, 11, 23)}    # the events keep the batch's day
    assert outbox.pending(session) == []


def test_a_crash_inside_one_hook_keeps_it_pending_and_applies_the_rest_once(db, session, today, monkeypatch):
    today(DAY)
    regulator, _, _ = world(session)

    def dies(*args, **kwargs):
        raise RuntimeError("killed while evaluating")
    alive = evaluation_hooks.on_batch_ingested
    monkeypatch.setattr(evaluation_hooks, "on_batch_ingested", dies)
    _, out = ingest(session, regulator, 6)
    feed, grades = effects(session)
    assert feed and not grades                                # the feed committed, the evaluation rolled back
    assert outbox.pending(session) == [(out.batch_id, "xinyong.evaluation.hooks"), (out.batch_id, NAMES)]
    monkeypatch.setattr(evaluation_hooks, "on_batch_ingested", alive)
    assert Worker(db).run_pending() == 1
    assert outbox_jobs(session) == [("done", {"applied": 2})]
    again, grades = effects(session)
    assert again == feed and grades and outbox.pending(session) == []


def test_two_batches_are_applied_in_commit_order(db, session, today, crashed):
    today(DAY)
    regulator, _, _ = world(session)
    other = agency(session, seed=8, name="泉州市生态环境局")    # another sender: nothing to apply before its batch
    _, first = ingest(session, regulator, 4, seed=1, prefix="泉市监罚甲")
    _, second = ingest(session, other, 4, seed=2, prefix="泉环罚乙")
    owed = [first.batch_id] * len(HOOKS) + [second.batch_id] * len(HOOKS)
    assert [b for b, _ in outbox.pending(session)] == owed
    assert Worker(db).run_pending() == 2                     # the first job drains both batches, in order
    assert outbox_jobs(session) == [("done", {"applied": 2 * len(HOOKS)}), ("done", {"applied": 0})]
    batch_of = dict(session.execute(select(FeedEvent.id, FeedEvent.record_id)).all())
    from xinyong.models import Record
    record_batch = dict(session.execute(select(Record.id, Record.batch_id)).all())
    order = [record_batch[batch_of[i]] for i in sorted(batch_of)]
    assert order == sorted(order) and set(order) == {first.batch_id, second.batch_id}
    runs = list(session.scalars(select(EvaluationRun.trigger).where(EvaluationRun.kind == "incremental")
                                .order_by(EvaluationRun.id)))
    assert runs == [f"batch:{first.batch_id}", f"batch:{second.batch_id}"]
    applied = list(session.scalars(select(IngestOutbox.applied_at).order_by(IngestOutbox.id)))
    assert applied == sorted(applied)


def test_a_resend_after_a_crash_keeps_published_before_corrected(db, session, today, crashed):
    today(DAY)
    regulator, _, _ = world(session)
    rows, first = ingest(session, regulator, 3)
    rows[0] = {**rows[0], **{k: v + "（更正）" for k, v in rows[0].items() if k.startswith("违法行为类型")}}
    from tests.support.builders import to_csv
    from xinyong.ingest.service import ingest_file
    second = ingest_file(session, data=to_csv(rows), filename="p2.csv", source_uscc=regulator.uscc,
                         item_code="penalty", change_reason="更正违法行为类型")
    assert second.updated == 1
    # the first's feed and evaluation applied by the second, first; not its names (no order to keep),
    # and the second created no subject: it owes no names
    assert outbox.pending(session) == [(first.batch_id, NAMES)] + [(second.batch_id, h) for h in PROMPT]
    Worker(db).run_pending()
    session.expire_all()
    kinds = [k for k, *_ in effects(session)[0]]
    assert kinds.count("published") == published_count(session, first.batch_id) + 1 > 1
    assert kinds[-1] == "corrected" and kinds.count("corrected") == 1


def test_a_batch_inside_a_larger_change_applies_its_outbox_in_that_transaction(db, session, today):
    today(DAY)
    regulator, _, _ = world(session)
    session.commit()
    from tests.support.builders import penalty_rows
    from xinyong.ingest.service import ingest_rows
    out = ingest_rows(session, rows=penalty_rows(3, regulator.uscc), source_uscc=regulator.uscc,
                      item_code="penalty", commit=False)
    feed, grades = effects(session)
    assert len(feed) == published_count(session, out.batch_id) > 0 and grades
    assert outbox.pending(session) == [] and outbox_jobs(session) == []
    with other_session(db) as seen:                           # nothing committed yet
        assert seen.get(Batch, out.batch_id) is None
    session.rollback()
    assert effects(session) == ([], []) and session.get(Batch, out.batch_id) is None


ON_POSTGRESQL = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)


@ON_POSTGRESQL
def test_on_postgresql_the_hooks_run_at_the_same_time_each_on_its_own_connection(db, session, today, monkeypatch):
    """The feed and the evaluation after a batch's commit overlap (issue 14: one after the other
    they were 11 s of a 1M-row batch). Each wrapped hook waits at a barrier for every other one:
    applied one after the other, the first would wait there alone and fail."""
    import threading
    from sqlalchemy import text
    today(DAY)
    regulator, _, _ = world(session)
    session.commit()
    barrier = threading.Barrier(len(PROMPT), timeout=20)
    backends: dict[str, int] = {}
    for module in (feed_hooks, evaluation_hooks):
        def wrapped(s, batch_id, today=None, _real=module.on_batch_ingested, _name=module.__name__):
            backends[_name] = s.scalar(text("SELECT pg_backend_pid()"))
            barrier.wait()
            return _real(s, batch_id, today=today)
        monkeypatch.setattr(module, "on_batch_ingested", wrapped)
    _, out = ingest(session, regulator, 6)
    assert outbox.pending(session) == [(out.batch_id, NAMES)] and outbox_jobs(session) == [("queued", None)]
    assert set(backends) == set(PROMPT) and len(set(backends.values())) == len(PROMPT)
    feed, grades = effects(session)
    assert len(feed) == published_count(session, out.batch_id) > 0 and grades


@ON_POSTGRESQL
def test_applied_concurrently_each_hook_still_takes_the_batches_in_order(db, session, today, monkeypatch):
    today(DAY)
    regulator, _, _ = world(session)
    other = agency(session, seed=8, name="泉州市生态环境局")
    monkeypatch.setattr(outbox, "APPLY_AFTER_COMMIT", False)           # two batches left pending
    _, first = ingest(session, regulator, 4, seed=1, prefix="泉市监罚甲")
    _, second = ingest(session, other, 4, seed=2, prefix="泉环罚乙")
    monkeypatch.setattr(outbox, "APPLY_AFTER_COMMIT", True)
    _, third = ingest(session, regulator, 3, seed=3, prefix="泉市监罚丙")   # its commit applies all three
    assert outbox.pending(session) == [(b.batch_id, NAMES) for b in (first, second, third)]   # the worker's
    from xinyong.models import Record
    batch_of = dict(session.execute(select(FeedEvent.id, FeedEvent.record_id)).all())
    record_batch = dict(session.execute(select(Record.id, Record.batch_id)).all())
    order = [record_batch[batch_of[i]] for i in sorted(batch_of)]
    assert order == sorted(order) and set(order) == {first.batch_id, second.batch_id, third.batch_id}
    runs = list(session.scalars(select(EvaluationRun.trigger).where(EvaluationRun.kind == "incremental")
                                .order_by(EvaluationRun.id)))
    assert runs == [f"batch:{b.batch_id}" for b in (first, second, third)]
    for hook in PROMPT:
        applied = list(session.scalars(select(IngestOutbox.applied_at).where(IngestOutbox.hook == hook)
                                       .order_by(IngestOutbox.id)))
        assert applied == sorted(applied) and None not in applied


@ON_POSTGRESQL
def test_a_row_of_a_hook_no_longer_registered_is_applied_after_the_registered_ones(db, session, today, monkeypatch):
    """Rows left of a hook taken out of the registry (an upgrade) are still applied, in order,
    by the next batch's application: asked for once the registered hooks are done."""
    today(DAY)
    regulator, _, _ = world(session)
    other = agency(session, seed=8, name="泉州市生态环境局")   # not the first's: its batch applies no earlier row itself
    monkeypatch.setattr(outbox, "APPLY_AFTER_COMMIT", False)
    _, first = ingest(session, regulator, 4, seed=1, prefix="泉市监罚甲")       # every hook's row pending
    monkeypatch.setattr(outbox, "APPLY_AFTER_COMMIT", True)
    monkeypatch.setitem(AFTER_COMMIT_HOOKS, "on_batch_ingested", (feed_hooks.__name__,))
    _, second = ingest(session, other, 3, seed=3, prefix="泉环罚丙")
    assert outbox.pending(session) == [(first.batch_id, NAMES)]   # still registered, left to the worker
    runs = list(session.scalars(select(EvaluationRun.trigger).where(EvaluationRun.kind == "incremental")))
    assert runs == [f"batch:{first.batch_id}"]   # the evaluation's row of the first batch, applied as a leftover
    hooks_of_second = list(session.scalars(select(IngestOutbox.hook).where(IngestOutbox.batch_id == second.batch_id)))
    assert hooks_of_second == [feed_hooks.__name__]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_on_sqlite_one_writer_applies_the_hooks_one_after_the_other(db, session, today, monkeypatch):
    today(DAY)
    regulator, _, _ = world(session)
    monkeypatch.setattr(outbox, "apply_hooks_concurrently", lambda *a, **k: pytest.fail("concurrent on SQLite"))
    _, out = ingest(session, regulator, 4)
    assert outbox.pending(session) == [(out.batch_id, NAMES)] and effects(session)[0]
