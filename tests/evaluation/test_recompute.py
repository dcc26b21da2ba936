"""Recompute on both backends: contributions traceable to their records, treatment of repaired
records and objections, incremental scope, model versions, government integrity."""
from __future__ import annotations

import dataclasses
import datetime as dt

import yaml
from sqlalchemy import text

from xinyong.evaluation import hooks, repository, service
from xinyong.evaluation.rules import parse_model
from xinyong.ingest.service import ingest_file
from xinyong.models import Record
from xinyong.synthetic import to_csv

from tests.evaluation.conftest import assert_batch_recomputed_as_in_full, computed_at, penalty


def _contribs(session, subject_id, version="qz-2026.1"):
    return {c["indicator"]: c for c in repository.contributions_of(session, version, subject_id)}


def _result(session, subject_id, version="qz-2026.1"):
    return repository.result_row(session, version, subject_id)


def test_full_recompute_grades_every_subject_from_its_records(session, city):
    run = service.recompute_full(session)
    total = session.execute(text("SELECT count(*) FROM subjects")).scalar()
    assert run.subjects == total == session.execute(text("SELECT count(*) FROM evaluation_results")).scalar()
    c = _contribs(session, city.firm)
    assert (c["penalty_serious"]["matched"], c["penalty_serious"]["points"]) == (2, -40)
    assert (c["penalty_general"]["matched"], c["penalty_general"]["points"]) == (1, -5)
    assert (c["penalty_minor"]["matched"], c["penalty_minor"]["points"]) == (1, -1)
    firm = _result(session, city.firm)
    assert (firm["score"], firm["grade"]) == (90 - 46, "D")
    # the 2022 general penalty is outside its 2-year window: no contribution, the base score
    assert _contribs(session, city.clean) == {}
    assert (_result(session, city.clean)["score"], _result(session, city.clean)["grade"]) == (90, "A")
    assert service.current_grades(session, [city.firm, city.clean, 10**9]) == {city.firm: "D", city.clean: "A"}


def test_each_contribution_leads_to_exactly_its_records(session, city):
    service.recompute_full(session)
    model = service.model_in_force().model
    seen: set[int] = set()
    for subject_id in [city.firm, city.body, city.person, *city.others]:
        for code, c in _contribs(session, subject_id).items():
            ind, rows, as_of = service.records_behind(session, subject_id, code)
            assert len(rows) == c["matched"], (subject_id, code)
            for r in rows:
                assert r["item_code"] in ind.items and (not ind.severities or r["severity"] in ind.severities)
                assert ind.within_years is None or r["decision_date"] >= ind.cutoff(as_of)
                assert r["id"] not in seen   # a record lies behind one contribution only
                seen.add(r["id"])
    counted = session.execute(text(
        "SELECT count(*) FROM records WHERE item_code IN ('penalty', 'government_breach') AND "
        "((severity = 'serious' AND decision_date >= :c3) OR (severity = 'general' AND decision_date >= :c2) OR "
        "(severity = 'minor' AND decision_date >= :c1) OR (item_code = 'government_breach' AND decision_date >= :c2))"),
        {"c3": dt.date(2023, 9, 1), "c2": dt.date(2024, 9, 1), "c1": dt.date(2025, 9, 1)}).scalar()
    assert len(seen) == counted
    assert model.version == "qz-2026.1"


def test_a_repaired_record_stops_counting_and_only_its_subject_is_recomputed(session, city):
    service.recompute_full(session)
    session.commit()
    before = {r[0]: r[1] for r in session.execute(text("SELECT subject_id, computed_at FROM evaluation_results"))}
    serious = session.query(Record).filter(Record.subject_id == city.firm, Record.severity == "serious").first()
    serious.status = "repaired"   # the repair service's effect on the record (xinyong.repair)
    session.flush()
    hooks.on_records_repaired(session, city.firm, [serious.id], dt.date(2026, 9, 1))
    c = _contribs(session, city.firm)
    assert (c["penalty_serious"]["matched"], c["penalty_serious"]["points"]) == (1, -20)
    assert _result(session, city.firm)["score"] == 90 - 26
    _, rows, _ = service.records_behind(session, city.firm, "penalty_serious")
    assert serious.id not in [r["id"] for r in rows]
    after = {r[0]: r[1] for r in session.execute(text("SELECT subject_id, computed_at FROM evaluation_results"))}
    changed = {s for s in before if before[s] != after[s]}
    assert changed == {city.firm}
    serious.status = "active"
    session.flush()
    hooks.on_repair_revoked(session, city.firm, [serious.id], dt.date(2026, 9, 1))
    assert _contribs(session, city.firm)["penalty_serious"]["matched"] == 2


def test_a_record_under_objection_counts_and_is_flagged(session, city):
    service.recompute_full(session)
    rec = session.query(Record).filter(Record.subject_id == city.firm, Record.severity == "general").one()
    rec.under_objection = True
    session.flush()
    hooks.on_records_corrected(session, city.firm, [rec.id], dt.date(2026, 9, 1))
    c = _contribs(session, city.firm)["penalty_general"]
    assert (c["matched"], c["flagged"], c["points"]) == (1, 1, -5)
    assert _result(session, city.firm)["flagged"] == 1


def test_incremental_recompute_after_a_batch_touches_only_its_subjects(session, city, today):
    service.recompute_full(session)
    session.commit()
    before = {r[0]: r[1] for r in session.execute(text("SELECT subject_id, computed_at FROM evaluation_results"))}
    import random
    rng = random.Random(9)
    out = ingest_file(session, data=to_csv([penalty(rng, "泉州市评价测试有限公司", city.firm_uscc, "泉评罚〔2026〕77号",
                                                    dt.date(2026, 8, 1), "吊销许可证件", "", city.agency_uscc)]),
                      filename="one.csv", source_uscc=city.agency_uscc, item_code="penalty")   # calls the hook
    assert out.accepted == 1
    after = {r[0]: r[1] for r in session.execute(text("SELECT subject_id, computed_at FROM evaluation_results"))}
    assert {s for s in before if before[s] != after[s]} == {city.firm}
    assert _contribs(session, city.firm)["penalty_serious"]["matched"] == 3
    assert _contribs(session, city.firm)["penalty_serious"]["points"] == -60   # capped
    run = session.execute(text("SELECT kind, trigger, subjects FROM evaluation_runs ORDER BY id DESC")).first()
    assert tuple(run) == ("incremental", f"batch:{out.batch_id}", 1)


def test_a_new_model_version_does_not_rewrite_old_results(session, city):
    service.recompute_full(session)
    session.commit()
    old = [tuple(r) for r in session.execute(text(
        "SELECT subject_id, score, grade, computed_at FROM evaluation_results WHERE model_version = 'qz-2026.1' "
        "ORDER BY subject_id"))]
    data = yaml.safe_load((service.MODELS_DIR / "qz-2026.1.yaml").read_text(encoding="utf-8"))
    data["version"] = "qz-2026.2"
    data["dimensions"][0]["indicators"][0]["points_each"] = -30   # serious penalties weigh more
    v2 = parse_model(data)
    service.recompute_full(session, model=v2)
    again = [tuple(r) for r in session.execute(text(
        "SELECT subject_id, score, grade, computed_at FROM evaluation_results WHERE model_version = 'qz-2026.1' "
        "ORDER BY subject_id"))]
    assert again == old
    assert repository.result_row(session, "qz-2026.2", city.firm)["score"] == 90 - 60 - 5 - 1
    assert {v["model_version"] for v in repository.versions_stored(session)} == {"qz-2026.1", "qz-2026.2"}


def test_government_breaches_count_for_public_bodies_only(session, city):
    service.recompute_full(session)
    c = _contribs(session, city.body)
    assert c["gov_breach_serious"]["dimension"] == "government_integrity"
    assert (c["gov_breach_serious"]["points"], c["gov_breach_general"]["points"]) == (-20, -10)
    assert _result(session, city.body)["grade"] == "C"   # 90 - 30 = 60
    # the same item sent about a firm is outside the government-integrity dimension
    session.execute(text("UPDATE records SET subject_id = :f WHERE item_code = 'government_breach'"), {"f": city.firm})
    service.recompute_full(session)
    assert not any(k.startswith("gov_") for k in _contribs(session, city.firm))
    assert _contribs(session, city.body) == {}


def test_the_sweep_recomputes_once_a_day(session, city):
    from xinyong.evaluation.sweep import run_sweep
    first = run_sweep(session, dt.date(2026, 9, 1))
    assert first["evaluation_recomputed"] == session.execute(text("SELECT count(*) FROM subjects")).scalar()
    assert run_sweep(session, dt.date(2026, 9, 1)) == {"evaluation_recomputed": 0}


def test_recompute_by_ranges_equals_one_range(session, city):
    service.recompute_full(session)
    one = [tuple(r) for r in session.execute(text(
        "SELECT subject_id, score, grade FROM evaluation_results ORDER BY subject_id"))]
    service.recompute_full(session, ranges=7)
    assert [tuple(r) for r in session.execute(text(
        "SELECT subject_id, score, grade FROM evaluation_results ORDER BY subject_id"))] == one
    assert dataclasses.is_dataclass(service.model_in_force())


def test_the_parallel_recompute_by_ranges_gives_the_same_results(session, city, db):
    from xinyong.evaluation import parallel
    service.recompute_full(session)
    session.commit()
    one = [tuple(r) for r in session.execute(text(
        "SELECT subject_id, score, grade FROM evaluation_results ORDER BY subject_id"))]
    session.commit()
    out = parallel.recompute_full(db, workers=2, ranges=3)
    session.expire_all()
    assert out["subjects"] == len(one) and out["ranges"] == 3
    assert [tuple(r) for r in session.execute(text(
        "SELECT subject_id, score, grade FROM evaluation_results ORDER BY subject_id"))] == one
    assert session.execute(text("SELECT count(DISTINCT run_id) FROM evaluation_results")).scalar() == 1


def test_a_large_batch_is_one_set_based_scope_with_the_same_results(session, city, today, monkeypatch):
    """Beyond hooks.CHUNK subjects the batch's subjects, staged once, are the scope: only they
    are recomputed, and their results equal those of a full recompute."""
    import random
    service.recompute_full(session)
    session.commit()
    rng = random.Random(11)
    rows = [penalty(rng, "泉州市评价测试有限公司", city.firm_uscc, "泉评罚〔2026〕78号", dt.date(2026, 8, 1), "罚款", "2",
                    city.agency_uscc),
            penalty(rng, "泉州市评价清白有限公司", city.clean_uscc, "泉评罚〔2026〕79号", dt.date(2026, 8, 2), "警告", "",
                    city.agency_uscc)]
    before = computed_at(session)
    monkeypatch.setattr(hooks, "CHUNK", 1)
    out = ingest_file(session, data=to_csv(rows), filename="two.csv", source_uscc=city.agency_uscc, item_code="penalty")
    assert out.accepted == 2
    assert_batch_recomputed_as_in_full(session, out.batch_id, before, {city.firm, city.clean})
