"""Name search kept off the bulk path (issue 14 point 2, xinyong/subjects/names.py): a batch's
merge writes no name-search row; its new subjects are found by name at once all the same (by
their batch's id range while its names are pending), and once the worker has copied their names,
by the name-search table; a subject registered one at a time has its row in its own transaction.
Whatever the names' state, a search finds exactly the subjects whose names contain the query."""
from __future__ import annotations

import datetime as dt
import itertools
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.support.builders import agency
from tests.worker.support import run_only_queued_jobs
from xinyong.disclosure import repository as disclosure
from xinyong.disclosure.service import search
from xinyong.ingest import outbox
from xinyong.ingest.service import ingest_file
from xinyong.models import Agency, Batch, Subject, SubjectName
from xinyong.subjects import names
from xinyong.synthetic import make_uscc, penalty_row, to_csv
from xinyong.worker.runner import Worker

DAY = "2026-11-23"


@pytest.fixture(autouse=True)
def only_queued_jobs(db, monkeypatch):
    run_only_queued_jobs(monkeypatch)


_serial = itertools.count(1)


def _ingest(session, source: str, subject_names: list[str], rng: random.Random):
    rows = [penalty_row(rng, name=n, subject_uscc=make_uscc(rng), decision_no=f"泉市监罚〔2026〕{next(_serial)}号",
                        decision_date=dt.date(2026, 11, 2), agency_uscc=source) for n in subject_names]
    return ingest_file(session, data=to_csv(rows), filename="p.csv", source_uscc=source, item_code="penalty")


def _named(session, subject_ids) -> int:
    return session.scalar(select(func.count()).select_from(SubjectName)
                          .where(SubjectName.subject_id.in_(subject_ids)))


def _found(session, q: str) -> list[str]:
    return [s.name for s in disclosure.search_subjects(session, q, 1000, 0, dt.date(2026, 11, 23))]


def test_a_batchs_new_subjects_are_found_by_name_before_and_after_the_worker_copies_their_names(db, session, today):
    today(DAY)
    source = agency(session).uscc
    session.commit()
    out = _ingest(session, source, [f"泉州市晋江鞋业有限公司{i}" for i in range(5)], random.Random(1))
    assert out.created == 5
    session.expire_all()
    batch = session.get(Batch, out.batch_id)
    created = list(session.scalars(select(Subject.id).where(Subject.name.like("泉州市晋江鞋业%")).order_by(Subject.id)))
    assert (batch.subjects_from, batch.subjects_to) == (created[0], created[-1])
    assert _named(session, created) == 0                     # the merge and the ingest wrote no name row
    assert outbox.pending(session) == [(out.batch_id, names.HOOK)]
    pending = names.pending_ranges()
    assert session.execute(select(pending.c.subjects_from, pending.c.subjects_to)).all() == [(created[0], created[-1])]
    before = [i.name for i in search(session, "晋江鞋业").items]
    assert sorted(before) == [f"泉州市晋江鞋业有限公司{i}" for i in range(5)]

    assert Worker(db).run_pending() == 1                      # the job the ingest left queued
    session.expire_all()
    assert _named(session, created) == 5 and outbox.pending(session) == []
    assert session.execute(select(pending.c.subjects_from)).all() == []
    assert [i.name for i in search(session, "晋江鞋业").items] == before
    assert search(session, "鞋业有限公司3").items[0].name == "泉州市晋江鞋业有限公司3"


def test_a_batch_that_creates_no_subject_owes_no_names(db, session, today):
    today(DAY)
    source = agency(session).uscc
    session.commit()
    first = _ingest(session, source, ["泉州市石狮服装有限公司"], random.Random(2))
    Worker(db).run_pending()
    again = _ingest(session, source, ["泉州市石狮服装有限公司"], random.Random(2))   # the same subject again
    session.expire_all()
    assert session.get(Batch, again.batch_id).subjects_from is None
    assert first.created == 1 and again.created == 1 and outbox.pending(session) == []
    assert _found(session, "石狮服装") == ["泉州市石狮服装有限公司"]


def test_a_subject_registered_one_at_a_time_has_its_name_row_in_its_own_transaction(session):
    registered = agency(session, name="泉州市丰泽区市场监督管理局")
    session.flush()
    assert session.get(SubjectName, session.scalar(select(Subject.id).where(Subject.uscc == registered.uscc))) \
        .name == "泉州市丰泽区市场监督管理局"


def test_a_subject_in_a_pending_range_that_already_has_its_name_row_is_found_once(db, session, today):
    """Batches' ids interleave when they run at the same time: a pending batch's range can hold a
    subject whose name row another batch's hook (or its own creation) already wrote."""
    today(DAY)
    source = agency(session).uscc
    session.commit()
    out = _ingest(session, source, [f"泉州市安溪茶叶有限公司{i}" for i in range(3)], random.Random(3))
    session.expire_all()
    batch = session.get(Batch, out.batch_id)
    middle = session.get(Subject, batch.subjects_from + 1)
    session.add(SubjectName(subject_id=middle.id, name=middle.name, kind=middle.kind))   # as another batch's hook
    session.commit()
    assert sorted(_found(session, "安溪茶叶")) == [f"泉州市安溪茶叶有限公司{i}" for i in range(3)]
    assert _found(session, middle.uscc) == [middle.name]                 # by its code, once
    assert _found(session, middle.name) == [middle.name]
    page = [s.id for s in disclosure.search_subjects(session, "安溪茶叶", 2, 0, dt.date(2026, 11, 23))]
    rest = [s.id for s in disclosure.search_subjects(session, "安溪茶叶", 2, 2, dt.date(2026, 11, 23))]
    assert len(page) == 2 and len(rest) == 1 and not set(page) & set(rest)


WORDS = ("泉州", "晋江", "石狮", "南安", "鞋业", "茶叶", "贸易", "100%", "a_b", "1/2")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=st.lists(st.tuples(st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=3),
                                           min_size=1, max_size=3), st.booleans()), min_size=1, max_size=3),
       query=st.lists(st.sampled_from(WORDS), min_size=1, max_size=2), seed=st.integers(0, 10**6))
def test_a_search_finds_exactly_the_names_that_contain_the_query_whatever_is_pending(db, session, today, batches,
                                                                                    query, seed):
    """Batches of drawn names, each one's names copied by the worker or left pending (in any
    order: a later batch's copied, an earlier one's not), and names registered one at a time:
    the search returns the subjects whose names contain the query (LIKE's % and _ taken
    literally), no more and no fewer. The database accumulates over the examples."""
    today(DAY)
    rng = random.Random(seed)
    source = session.scalar(select(Agency.uscc).order_by(Agency.id)) or agency(session).uscc
    session.commit()
    tag = f"{next(_serial)}号"
    for drawn, copied in batches:
        out = _ingest(session, source, ["".join(words) + tag + str(i) for i, words in enumerate(drawn)], rng)
        if copied:
            outbox.apply_pending(session, batches=select(Batch.id).where(Batch.id == out.batch_id))
    agency(session, seed=10**7 + next(_serial), name="".join(query) + "局" + tag)   # one at a time
    session.commit()
    q = "".join(query)
    every = list(session.scalars(select(Subject.name)))
    assert sorted(_found(session, q)) == sorted(n for n in every if q in n)
