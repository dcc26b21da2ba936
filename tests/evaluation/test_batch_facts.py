"""The evaluation hook applied by the batch's own ingest right after its commit takes the
batch's subjects from the ingest (xinyong/kit/batchfacts.py) instead of reading them back from
the records, when the batch re-sent no record: the subjects handed over are exactly those the
records name, and the evaluation is the one a full recompute gives. Any other applier (the
worker, a re-send) reads the records as before."""
from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy import text

from tests.evaluation.conftest import assert_batch_recomputed_as_in_full, computed_at, penalty
from xinyong.evaluation import hooks, service
from xinyong.ingest import service as ingest_service
from xinyong.ingest.service import ingest_file
from xinyong.kit import batchfacts
from xinyong.synthetic import make_resident_id, make_uscc, to_csv


def _rows(city, n: int, seed: int, prefix: str) -> list[dict]:
    """n penalties of n // 2 new firms and a new person, and of the city's firm; one row
    rejected (no decision date)."""
    rng = random.Random(1000 + seed)   # not the city's seed (5): its firms' and person's identifiers
    firms = [(f"泉州市批次事实{prefix}{i}有限公司", make_uscc(rng)) for i in range(n // 2)]
    rows = [penalty(rng, *firms[i % len(firms)], f"泉批罚〔2026〕{prefix}{i}号", dt.date(2026, 8, 1 + i % 20), "罚款",
                    "2", city.agency_uscc) for i in range(n)]
    rows.append(penalty(rng, "陈某某", "", f"泉批罚〔2026〕{prefix}人号", dt.date(2026, 8, 3), "罚款", "1.5",
                        city.agency_uscc, person_id=make_resident_id(rng)))
    rows.append(penalty(rng, "泉州市评价测试有限公司", city.firm_uscc, f"泉批罚〔2026〕{prefix}企号",
                        dt.date(2026, 8, 4), "警告", "", city.agency_uscc))
    rows[1]["处罚决定日期"] = ""
    return rows


def _spy(session, monkeypatch) -> list[tuple]:
    """(batch, subjects handed to the hook, the distinct subjects of the batch's records, read
    by the hook's session) at each application of the evaluation hook; and whether it read
    them from the records itself."""
    seen: list[tuple] = []
    real = hooks.on_batch_ingested
    read: list[int] = []
    for name in ("batch_subject_ids", "stage_batch_subjects"):
        original = getattr(hooks, name)
        monkeypatch.setattr(hooks, name, lambda *a, _o=original, **kw: read.append(a[1]) or _o(*a, **kw))

    def spy(hook_session, batch_id, today=None):
        handed = batchfacts.subjects_of(batch_id)
        named = [r[0] for r in hook_session.execute(text(
            "SELECT DISTINCT subject_id FROM records WHERE batch_id = :b ORDER BY subject_id"), {"b": batch_id})]
        before = len(read)
        real(hook_session, batch_id, today)
        seen.append((batch_id, None if handed is None else handed.to_list(), named, len(read) > before))
    monkeypatch.setattr(hooks, "on_batch_ingested", spy)
    return seen


@pytest.mark.parametrize("chunk", [hooks.CHUNK, 3])   # named subjects; staged (more than `chunk`)
def test_the_subjects_handed_over_are_those_the_batchs_records_name(session, city, today, monkeypatch, chunk):
    monkeypatch.setattr(hooks, "CHUNK", chunk)
    service.recompute_full(session)
    session.commit()
    seen = _spy(session, monkeypatch)
    before = computed_at(session)
    rows = _rows(city, 12, 1, "甲")
    out = ingest_file(session, data=to_csv(rows), filename="p.csv", source_uscc=city.agency_uscc, item_code="penalty")
    assert (out.accepted, out.rejected) == (13, 1)
    (batch, handed, named, read_itself), = seen
    assert batch == out.batch_id and handed == named and len(named) == 8 and not read_itself
    assert_batch_recomputed_as_in_full(session, out.batch_id, before, set(named))


def test_a_batch_in_parts_hands_over_its_subjects_too(session, city, today, monkeypatch):
    monkeypatch.setattr(ingest_service, "VALIDATE_CHUNK_ROWS", 4)
    seen = _spy(session, monkeypatch)
    out = ingest_file(session, data=to_csv(_rows(city, 16, 2, "乙")), filename="p.csv", source_uscc=city.agency_uscc,
                      item_code="penalty")
    assert out.accepted == 17
    (_, handed, named, read_itself), = seen
    assert handed == named and len(named) == 10 and not read_itself


def test_a_batch_that_re_sends_hands_over_nothing_and_the_hook_reads_its_records(session, city, today, monkeypatch):
    rows = _rows(city, 6, 3, "丙")
    ingest_file(session, data=to_csv(rows), filename="p.csv", source_uscc=city.agency_uscc, item_code="penalty")
    service.recompute_full(session)
    session.commit()
    seen = _spy(session, monkeypatch)
    before = computed_at(session)
    rows[0]["处罚内容"] += "（更正）"   # one re-send changed, the others unchanged, one new row
    again = rows + _rows(city, 2, 4, "丁")[:1]
    out = ingest_file(session, data=to_csv(again), filename="p.csv", source_uscc=city.agency_uscc, item_code="penalty")
    assert (out.created, out.updated) == (1, 1)
    (_, handed, named, read_itself), = seen
    assert handed is None and read_itself and len(named) == 2   # the changed record's firm and the new row's
    assert_batch_recomputed_as_in_full(session, out.batch_id, before, set(named))


def test_applied_by_anything_else_the_hook_reads_the_records(session, city, today, monkeypatch):
    from xinyong.ingest import outbox
    outbox.apply_pending(session)   # the city's batches' names, left to the worker
    monkeypatch.setattr(outbox, "APPLY_AFTER_COMMIT", False)   # as after a crash between commit and application
    seen = _spy(session, monkeypatch)
    out = ingest_file(session, data=to_csv(_rows(city, 4, 55, "戊")), filename="p.csv", source_uscc=city.agency_uscc,
                      item_code="penalty")
    assert seen == []
    assert outbox.drain_job({})["applied"] == 3   # the worker's job: the feed, the evaluation, the new names
    (batch, handed, named, read_itself), = seen
    assert batch == out.batch_id and handed is None and read_itself and len(named) == 4
