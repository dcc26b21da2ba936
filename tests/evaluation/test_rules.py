"""The indicator model and its pure decisions (QZ art. 16-17)."""
from __future__ import annotations

import copy
import datetime as dt

import pytest
import yaml
from hypothesis import given, strategies as st

from xinyong.evaluation import rules
from xinyong.evaluation.rules import ModelError, grade_for, parse_model, points_for, score_for
from xinyong.evaluation.service import MODELS_DIR, available_versions, load_model, model_in_force

RAW = yaml.safe_load((MODELS_DIR / "qz-2026.1.yaml").read_text(encoding="utf-8"))
MODEL = parse_model(RAW)
RANK = {g.grade: n for n, g in enumerate(MODEL.grades)}   # 0 is the best


def test_the_model_in_force_is_data_with_its_citation():
    assert "qz-2026.1" in available_versions()
    current = model_in_force(dt.date(2026, 9, 1))
    assert current.model == load_model("qz-2026.1") and "QZ 16" in current.citation
    assert MODEL.citation == "QZ art. 16"
    assert [g.grade for g in MODEL.grades] == ["A", "B", "C", "D"]
    assert MODEL.dimension("government_integrity").subject_kinds == ("public_body",)
    assert not MODEL.treatment.repaired_counted and MODEL.treatment.objection_counted


def test_grade_thresholds_at_their_bounds():
    assert [grade_for(MODEL, s).value for s in (100, 90, 89, 75, 74, 60, 59, 0)] == list("AABBCCDD")
    assert "QZ art. 16" == grade_for(MODEL, 75).citation and "≥ 75" in grade_for(MODEL, 75).reason


def test_points_are_capped_and_scores_bounded():
    serious = MODEL.indicator("penalty_serious")
    assert [points_for(serious, n) for n in (0, 1, 2, 3, 10)] == [0, -20, -40, -60, -60]
    honour = MODEL.indicator("honour")
    assert [points_for(honour, n) for n in (1, 2, 5)] == [3, 6, 6]
    assert score_for(MODEL, [-60, -60, -60]) == 0 and score_for(MODEL, [6, 5, 50]) == 100


deductions = st.lists(st.tuples(st.sampled_from([i.code for i in MODEL.indicators if i.points_each < 0]),
                                st.integers(0, 6)), max_size=8)


@given(base=deductions, more=deductions, bonus=st.integers(0, 3))
def test_more_deductions_never_improve_the_grade(base, more, bonus):
    def grade(counts):
        pts = {}
        for code, n in counts:
            pts[code] = pts.get(code, 0) + n
        points = [points_for(MODEL.indicator(c), n) for c, n in pts.items()]
        points.append(points_for(MODEL.indicator("honour"), bonus))
        return grade_for(MODEL, score_for(MODEL, points)).value
    assert RANK[grade(base + more)] >= RANK[grade(base)]


@given(st.integers(-500, 500), st.integers(-500, 500))
def test_a_lower_score_never_gets_a_better_grade(a, b):
    lo, hi = sorted((a, b))
    assert RANK[grade_for(MODEL, score_for(MODEL, [lo]) ).value] >= RANK[grade_for(MODEL, score_for(MODEL, [hi])).value]


@pytest.mark.parametrize("change, message", [
    (lambda d: d["grades"].append({"grade": "E", "min": 10}), "the last has none"),
    (lambda d: d["grades"].__setitem__(1, {"grade": "B", "min": 95}), "strictly"),
    (lambda d: d["dimensions"][0]["indicators"][0].__setitem__("cap", 10), "same sign"),
    (lambda d: d["dimensions"][0]["indicators"][0].__setitem__("source", "gossip"), "source"),
    (lambda d: d["dimensions"][0]["indicators"][0].__setitem__("items", ["penalty'; DROP TABLE records; --"]),
     "characters"),
    (lambda d: d["dimensions"][1]["indicators"][0].__setitem__("code", "penalty_serious"), "repeat"),
    (lambda d: d.pop("grades"), "grades"),
])
def test_a_bad_model_is_refused_with_the_reason(change, message):
    data = copy.deepcopy(RAW)
    change(data)
    with pytest.raises(ModelError, match=message):
        parse_model(data)


def test_repaired_and_objection_treatment_follow_the_model():
    assert not rules.counts_record(MODEL, "repaired", False)
    assert rules.counts_record(MODEL, "active", True)
    data = copy.deepcopy(RAW)
    data["treatment"]["under_objection"]["counted"] = False
    assert not rules.counts_record(parse_model(data), "active", True)


def test_years_before_handles_29_february():
    assert rules.years_before(dt.date(2028, 2, 29), 1) == dt.date(2027, 2, 28)


def test_supervision_tiers_from_the_profile():
    from xinyong.law import active_profile
    value = active_profile().rule("supervision.tiers", on=dt.date(2026, 9, 1)).value
    assert rules.tier_for(value, "优", None).value == "A"
    assert rules.tier_for(value, "whatever", "C").value == "C"
    assert rules.tier_for(value, "whatever", None) is None and rules.tier_for(value, "A", "Z") is None
    assert rules.tiers_of(value)["D"].inspections_per_year > rules.tiers_of(value)["A"].inspections_per_year
