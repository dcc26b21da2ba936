"""PostgreSQL: the evaluation hook reads a small batch's subjects in one statement
(scope.batch_subject_ids) instead of staging them in a temporary table first; the scope and the
results are the same."""
from __future__ import annotations

import datetime as dt
import random

import pytest

from tests.evaluation.conftest import assert_batch_recomputed_as_in_full, computed_at, penalty
from xinyong.evaluation import hooks, scope, service
from xinyong.ingest.service import ingest_file
from xinyong.synthetic import to_csv


def _two_penalties(city) -> bytes:
    rng = random.Random(13)
    return to_csv([penalty(rng, "泉州市评价测试有限公司", city.firm_uscc, "泉评罚〔2026〕88号", dt.date(2026, 8, 1), "罚款",
                           "2", city.agency_uscc),
                   penalty(rng, "泉州市评价清白有限公司", city.clean_uscc, "泉评罚〔2026〕89号", dt.date(2026, 8, 2), "警告",
                           "", city.agency_uscc)])


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_small_batchs_subjects_are_read_in_one_statement_not_staged(session, city, today, monkeypatch):
    service.recompute_full(session)
    session.commit()
    staged, real = [], hooks.stage_batch_subjects
    monkeypatch.setattr(hooks, "stage_batch_subjects", lambda *a: staged.append(1) or real(*a))
    before = computed_at(session)
    out = ingest_file(session, data=_two_penalties(city), filename="two.csv", source_uscc=city.agency_uscc,
                      item_code="penalty")
    assert out.accepted == 2 and staged == []
    assert scope.batch_subject_ids(session, out.batch_id, hooks.CHUNK) == sorted([city.firm, city.clean])
    assert_batch_recomputed_as_in_full(session, out.batch_id, before, {city.firm, city.clean})


@pytest.mark.parametrize("backend", ["postgresql"])
def test_beyond_its_bounds_a_batch_is_staged_as_before(session, city, today, monkeypatch):
    out = ingest_file(session, data=_two_penalties(city), filename="two.csv", source_uscc=city.agency_uscc,
                      item_code="penalty")
    assert scope.batch_subject_ids(session, out.batch_id, 1) is None        # two subjects: more than one
    monkeypatch.setattr(scope, "BATCH_IDS_RECORDS_PER_SUBJECT", 0)            # two records: more than 0 x 2
    assert scope.batch_subject_ids(session, out.batch_id, 2) is None
    monkeypatch.setattr(scope, "BATCH_IDS_RECORDS_PER_SUBJECT", 1)
    assert scope.batch_subject_ids(session, out.batch_id, 2) == sorted([city.firm, city.clean])
    assert scope.batch_subject_ids(session, out.batch_id + 1, 2) is None    # no such batch
