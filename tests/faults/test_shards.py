"""A province measured small (issue #16 point 8): a coordinator and two shard clusters on
loopback (xinyong/devtools/shards.py). The same small city is ingested by the platform's own
ingest into the coordinator and into a single-node database; the records land on the shard of
their subject, the profile read prunes to one shard and answers as the single node does, and an
evaluation run shard by shard gives the single node's results."""
from __future__ import annotations

import datetime as dt
import os
import random
import re

import pytest
from sqlalchemy import text

from tests.support.builders import agency
from xinyong.config import reset_settings
from xinyong.db import make_engine, session_factory
from xinyong.devtools import shards
from xinyong.devtools.pgcluster import throwaway_cluster
from xinyong.disclosure.service import subject_profile
from xinyong.evaluation import service as evaluation
from xinyong.ingest.service import ingest_file
from xinyong.migrate import upgrade
from xinyong.synthetic import make_resident_id, make_uscc, penalty_row, to_csv

TODAY = "2026-09-01"
FIRMS = 40
KINDS = (("吊销许可证件", ""), ("罚款", "1.5"), ("罚款", "30"), ("警告", ""))


def city_rows(agency_uscc: str) -> list[dict]:
    """Firms with 1-4 penalties of mixed severity and dates, and three natural persons."""
    rng = random.Random(16)
    rows, n = [], 0
    for f in range(FIRMS):
        code = make_uscc(rng)
        for _ in range(1 + f % 4):
            n += 1
            kind, fine = KINDS[rng.randrange(len(KINDS))]
            day = dt.date(2023, 1, 1) + dt.timedelta(days=rng.randrange(1300))
            rows.append(penalty_row(rng, name=f"泉州市分片测试{f}有限公司", subject_uscc=code, decision_no=f"泉片罚〔2026〕{n}号",
                                    decision_date=day, kind=kind, fine_wan=fine, agency_uscc=agency_uscc))
    for p in range(3):
        n += 1
        rows.append(penalty_row(rng, name="林某某", subject_uscc="", decision_no=f"泉片罚〔2026〕{n}号",
                                decision_date=dt.date(2026, 6, 1), agency_uscc=agency_uscc,
                                person_id=make_resident_id(rng)))
    return rows


def load_city(url: str) -> int:
    """The platform's ingest, unchanged, into the database at `url`; returns records accepted."""
    session = session_factory(make_engine(url))()
    try:
        a = agency(session)
        session.commit()
        rows = city_rows(a.uscc)
        out = ingest_file(session, data=to_csv(rows), filename="city.csv", source_uscc=a.uscc, item_code="penalty")
        assert out.status == "completed" and out.accepted == len(rows), out
        return out.accepted
    finally:
        session.close()
        session.get_bind().dispose()


@pytest.fixture(scope="module")
def env():
    saved = {k: os.environ.get(k) for k in ("XINYONG_TODAY", "XINYONG_DATABASE_URL")}
    os.environ["XINYONG_TODAY"] = TODAY
    reset_settings()
    with throwaway_cluster() as single, shards.loopback_province(2) as province:
        upgrade(single)
        os.environ["XINYONG_DATABASE_URL"] = province.coordinator
        reset_settings()
        accepted = load_city(province.coordinator)
        assert load_city(single) == accepted
        pushed = shards.push_subjects(province)
        shards.replicate_reference(province)   # the agency registered since the layout was made
        yield {"single": single, "province": province, "accepted": accepted, "pushed": pushed}
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    reset_settings()


def rows(url: str, sql: str, params: dict | None = None) -> list[tuple]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql), params or {})]
    finally:
        engine.dispose()


def test_ingest_routes_each_record_to_its_subjects_shard(env):
    assert_records_placed(env)
    assert env["pushed"] == rows(env["province"].coordinator, "SELECT count(*) FROM subjects")[0][0]


def assert_records_placed(env) -> None:
    province: shards.Province = env["province"]
    per_shard = [rows(url, "SELECT subject_id, decision_no FROM records") for url in province.shards]
    assert all(per_shard), "both shards hold records"
    owner = shards.shard_of(province, [s for part in per_shard for s, _ in part])
    for k, part in enumerate(per_shard):
        assert {owner[s] for s, _ in part} == {k}
    # the coordinator itself stores no record: its `records` is the partitioned parent
    assert rows(province.coordinator, "SELECT count(*) FROM ONLY records") == [(0,)]
    everywhere = sorted(r for part in per_shard for r in part)
    assert everywhere == sorted(rows(env["single"], "SELECT subject_id, decision_no FROM records"))
    assert len(everywhere) == env["accepted"]
    # every subject a record names has its copy on the record's shard
    for k, url in enumerate(province.shards):
        assert rows(url, "SELECT count(*) FROM records r LEFT JOIN subjects s ON s.id = r.subject_id "
                         "WHERE s.id IS NULL") == [(0,)]


def test_reference_tables_are_replicated_to_every_shard(env):
    province: shards.Province = env["province"]
    want = rows(province.coordinator, "SELECT id, uscc, name FROM agencies ORDER BY id")
    assert want
    for url in province.shards:
        assert rows(url, "SELECT id, uscc, name FROM agencies ORDER BY id") == want


def test_profile_read_prunes_to_one_shard_and_answers_as_one_node(env):
    assert_profiles_routed(env)


def assert_profiles_routed(env) -> None:
    province: shards.Province = env["province"]
    today = dt.date.fromisoformat(TODAY)
    subject_ids = [r[0] for r in rows(env["single"], "SELECT DISTINCT subject_id FROM records ORDER BY 1")]
    owner = shards.shard_of(province, subject_ids)
    for sid in subject_ids[:6] + [s for s in subject_ids if owner[s] == province.n - 1][:2]:
        plan = shards.profile_read_plan(province.coordinator, sid, today)
        assert re.findall(r"Foreign Scan on public\.records_shard(\d+)", plan) == [str(owner[sid])], plan
    coord = session_factory(make_engine(province.coordinator))()
    single = session_factory(make_engine(env["single"]))()
    try:
        for sid in subject_ids:
            assert subject_profile(coord, sid) == subject_profile(single, sid)
    finally:
        for s in (coord, single):
            s.close()
            s.get_bind().dispose()


def test_evaluation_run_shard_by_shard_gives_the_single_node_results(env):
    province: shards.Province = env["province"]
    out = shards.evaluate_by_shard(province, as_of=dt.date.fromisoformat(TODAY))
    assert len(out["per_shard"]) == 2 and all(p["subjects"] > 0 for p in out["per_shard"])
    assert_same_evaluation(env, out)


def assert_same_evaluation(env, out: dict) -> None:
    province: shards.Province = env["province"]
    single_engine = make_engine(env["single"])
    with session_factory(single_engine)() as s:
        evaluation.recompute_full(s, as_of=dt.date.fromisoformat(TODAY))
        s.commit()
    single_engine.dispose()
    result_sql = ("SELECT subject_id, score, grade, flagged FROM evaluation_results WHERE run_id = "
                  "(SELECT max(id) FROM evaluation_runs WHERE kind = 'full') ORDER BY subject_id")
    contrib_sql = ("SELECT subject_id, indicator, matched, flagged, points FROM evaluation_contributions "
                   "WHERE run_id = (SELECT max(id) FROM evaluation_runs WHERE kind = 'full') ORDER BY 1, 2")
    got, want = rows(province.coordinator, result_sql), rows(env["single"], result_sql)
    assert got == want and len(want) == out["subjects"]
    assert len({g for _, _, g, _ in want}) > 1, "the city gives more than one grade"
    assert rows(province.coordinator, contrib_sql) == rows(env["single"], contrib_sql)
    # each shard computed only its own subjects
    owner = shards.shard_of(province, [r[0] for r in got])
    for k, url in enumerate(province.shards):
        mine = rows(url, "SELECT subject_id FROM evaluation_results WHERE run_id = :r", {"r": out["run_id"]})
        assert mine and {owner[s] for (s,) in mine} == {k}


def test_shard_local_evaluation_refuses_while_an_undistributed_table_holds_rows(env, monkeypatch):
    """Lists and commitments stay on the coordinator in this layout: a shard-local run would
    not count them, so it refuses while such a table has rows (agencies stand in for one)."""
    province: shards.Province = env["province"]
    engine = make_engine(province.coordinator)
    try:
        shards._refuse_undistributed(engine)   # list_entries and commitments are empty here
        monkeypatch.setattr(shards, "NOT_YET_DISTRIBUTED", ("list_entries", "agencies"))
        with pytest.raises(shards.ShardError, match="agencies"):
            shards.evaluate_by_shard(province)
    finally:
        engine.dispose()


def test_an_update_that_would_move_a_record_to_another_shard_is_refused_by_the_shard(env):
    """postgres_fdw pushes `UPDATE records SET subject_id = …` down to the shard, where the
    coordinator's partition bound is not checked: without the shard's own placement CHECK the
    record would stay on the wrong shard, unseen by reads pruned to its new subject's shard."""
    province: shards.Province = env["province"]
    record_id, subject = rows(province.shards[0], "SELECT id, subject_id FROM records ORDER BY id LIMIT 1")[0]
    others = [s for (s,) in rows(province.shards[1], "SELECT id FROM subjects ORDER BY id")]
    engine = make_engine(province.coordinator)
    try:
        with pytest.raises(Exception, match="ck_records_on_shard"), engine.begin() as conn:
            conn.execute(text("UPDATE records SET subject_id = :s WHERE id = :r"), {"s": others[0], "r": record_id})
    finally:
        engine.dispose()
    assert rows(province.shards[0], "SELECT subject_id FROM records WHERE id = :r", {"r": record_id}) == [(subject,)]
    assert_records_placed(env)


def test_a_shard_split_moves_half_of_one_shards_subjects_and_answers_stay_the_same(env):
    """Rebalancing: shard 0's partition (2, 0) is split into (4, 0), staying, and (4, 2) on a new
    third shard; the records, profiles and a shard-by-shard evaluation are still the single node's."""
    from xinyong.devtools.shard_split import split_shard
    province: shards.Province = env["province"]
    before = [rows(url, "SELECT count(*) FROM records")[0][0] for url in province.shards]
    with throwaway_cluster() as third:
        moved = split_shard(province, 0, third)
        assert province.bounds == [(4, 0), (2, 1), (4, 2)]
        after = [rows(url, "SELECT count(*) FROM records")[0][0] for url in province.shards]
        assert after[1] == before[1] and after[0] + after[2] == before[0]
        assert 0 < after[2] == moved["records"] < before[0], (before, after)
        assert_records_placed(env)
        assert_profiles_routed(env)
        assert_same_evaluation(env, shards.evaluate_by_shard(province, as_of=dt.date.fromisoformat(TODAY)))
