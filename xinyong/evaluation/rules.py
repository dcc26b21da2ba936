"""The public credit evaluation's decisions, pure (QZ art. 16-17, 26-27).

An indicator model (xinyong/evaluation/models/<version>.yaml) is parsed here into frozen
dataclasses; points, scores, grades and supervision tiers are computed here from counts. The
SQL that counts (repository.py) is generated from the same model, so the page that explains a
grade and the recompute cannot disagree."""
from __future__ import annotations

import dataclasses
import datetime as dt
import re

SOURCES = ("records", "lists", "commitments")
CODE = re.compile(r"^[A-Za-z0-9_.+\-]{1,64}$")   # codes are written into generated SQL as literals
SEVERITIES = ("minor", "general", "serious")
MODEL_CITATION = "QZ art. 16"
TIERS_CITATION = "QZ art. 17"


class ModelError(ValueError):
    """An indicator model file that cannot be used."""


@dataclasses.dataclass(frozen=True)
class Indicator:
    code: str
    dimension: str
    source: str
    points_each: int
    cap: int | None
    name_zh: str
    name_en: str
    items: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    within_years: int | None = None
    list_kinds: tuple[str, ...] = ()
    subject_kinds: tuple[str, ...] = ()

    def cutoff(self, as_of: dt.date) -> dt.date | None:
        return None if self.within_years is None else years_before(as_of, self.within_years)


@dataclasses.dataclass(frozen=True)
class Dimension:
    code: str
    name_zh: str
    name_en: str
    subject_kinds: tuple[str, ...]
    citation: str | None
    indicators: tuple[Indicator, ...]


@dataclasses.dataclass(frozen=True)
class Grade:
    grade: str
    min: int | None
    name_zh: str
    name_en: str


@dataclasses.dataclass(frozen=True)
class Treatment:
    repaired_counted: bool
    repaired_citation: str
    objection_counted: bool
    objection_citation: str


@dataclasses.dataclass(frozen=True)
class IndicatorModel:
    version: str
    title_zh: str
    title_en: str
    citation: str
    base_score: int
    min_score: int
    max_score: int
    grades: tuple[Grade, ...]
    treatment: Treatment
    dimensions: tuple[Dimension, ...]

    @property
    def indicators(self) -> tuple[Indicator, ...]:
        return tuple(i for d in self.dimensions for i in d.indicators)

    def indicator(self, code: str) -> Indicator:
        for i in self.indicators:
            if i.code == code:
                return i
        raise KeyError(code)

    def dimension(self, code: str) -> Dimension:
        return next(d for d in self.dimensions if d.code == code)

    def of_source(self, source: str) -> tuple[Indicator, ...]:
        return tuple(i for i in self.indicators if i.source == source)


@dataclasses.dataclass(frozen=True)
class Decision:
    value: str
    reason: str
    citation: str


def parse_model(data: dict) -> IndicatorModel:
    """An indicator model from its data file's contents; ModelError says what is wrong."""
    try:
        cit = data["citation"]
        citation = f"{cit['regulation']} art. {cit['article']}" if isinstance(cit, dict) else str(cit)
        grades = tuple(Grade(str(g["grade"]), None if g.get("min") is None else int(g["min"]),
                             g.get("name_zh", ""), g.get("name_en", "")) for g in data["grades"])
        t = data.get("treatment") or {}
        treatment = Treatment(bool(t.get("repaired", {}).get("counted", False)),
                              str(t.get("repaired", {}).get("citation", "")),
                              bool(t.get("under_objection", {}).get("counted", True)),
                              str(t.get("under_objection", {}).get("citation", "")))
        dimensions = tuple(_dimension(d) for d in data["dimensions"])
        model = IndicatorModel(str(data["version"]), data.get("title_zh", ""), data.get("title_en", ""), citation,
                               int(data["base_score"]), int(data.get("min_score", 0)),
                               int(data.get("max_score", data["base_score"])), grades, treatment, dimensions)
    except (KeyError, TypeError) as exc:
        raise ModelError(f"indicator model lacks or mistypes {exc}") from None
    _check(model)
    return model


def _dimension(d: dict) -> Dimension:
    kinds = tuple(d.get("subject_kinds") or ())
    indicators = tuple(Indicator(
        code=str(i["code"]), dimension=str(d["code"]), source=str(i["source"]), points_each=int(i["points_each"]),
        cap=None if i.get("cap") is None else int(i["cap"]), name_zh=i.get("name_zh", i["code"]),
        name_en=i.get("name_en", i["code"]), items=tuple(i.get("items") or ()),
        severities=tuple(i.get("severities") or ()),
        within_years=None if i.get("within_years") is None else int(i["within_years"]),
        list_kinds=tuple(i.get("list_kinds") or ()), subject_kinds=kinds) for i in d["indicators"])
    return Dimension(str(d["code"]), d.get("name_zh", d["code"]), d.get("name_en", d["code"]), kinds,
                     d.get("citation"), indicators)


def _check(model: IndicatorModel) -> None:
    problems = []
    codes = [i.code for i in model.indicators]
    if len(codes) != len(set(codes)):
        problems.append("indicator codes repeat")
    for i in model.indicators:
        if i.source not in SOURCES:
            problems.append(f"{i.code}: source {i.source!r} not in {SOURCES}")
        if i.source == "records" and not i.items:
            problems.append(f"{i.code}: a records indicator names its catalogue items")
        if set(i.severities) - set(SEVERITIES):
            problems.append(f"{i.code}: unknown severity")
        if i.cap is not None and (i.cap < 0) != (i.points_each < 0):
            problems.append(f"{i.code}: cap and points_each must have the same sign")
    words = [model.version, *(g.grade for g in model.grades), *(d.code for d in model.dimensions)]
    for i in model.indicators:
        words += [i.code, *i.items, *i.severities, *i.list_kinds, *i.subject_kinds]
    problems += [f"code {w!r} has characters other than letters, digits, _ + -" for w in words if not CODE.match(w)]
    mins = [g.min for g in model.grades]
    if not mins or mins[-1] is not None or any(m is None for m in mins[:-1]):
        problems.append("grades: every grade but the last has a min; the last has none")
    elif any(a <= b for a, b in zip(mins[:-2], mins[1:-1])):
        problems.append("grades: mins must fall strictly from the best grade")
    if not model.min_score <= model.base_score <= model.max_score:
        problems.append("base_score must lie within [min_score, max_score]")
    if problems:
        raise ModelError(f"model {model.version}: " + "; ".join(problems))


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` earlier (29 February falls back to the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def points_for(indicator: Indicator, matched: int) -> int:
    """matched × points_each, bounded by the indicator's cap (a deduction never exceeds it)."""
    raw = matched * indicator.points_each
    if indicator.cap is None:
        return raw
    return max(raw, indicator.cap) if indicator.points_each < 0 else min(raw, indicator.cap)


def score_for(model: IndicatorModel, points: list[int] | tuple[int, ...]) -> int:
    return max(model.min_score, min(model.max_score, model.base_score + sum(points)))


def grade_for(model: IndicatorModel, score: int) -> Decision:
    """QZ art. 16: the grade is the first whose threshold the score reaches."""
    for g in model.grades:
        if g.min is None or score >= g.min:
            bound = f"≥ {g.min}" if g.min is not None else "below every threshold"
            return Decision(g.grade, f"score {score} {bound} (model {model.version})", model.citation)
    raise AssertionError("the last grade has no threshold")  # _check guarantees it


def applies_to(indicator: Indicator, subject_kind: str) -> bool:
    return not indicator.subject_kinds or subject_kind in indicator.subject_kinds


def counts_record(model: IndicatorModel, status: str, under_objection: bool) -> bool:
    """Whether a record of this status counts at all (the model's treatment rules)."""
    if status == "repaired" and not model.treatment.repaired_counted:
        return False
    return not (under_objection and not model.treatment.objection_counted)


@dataclasses.dataclass(frozen=True)
class Tier:
    tier: str
    name_zh: str
    name_en: str
    inspections_per_year: float
    sampling_ratio: float | None


def tiers_of(value: dict) -> dict[str, Tier]:
    return {t["tier"]: Tier(str(t["tier"]), t.get("name_zh", ""), t.get("name_en", ""),
                            float(t["inspections_per_year"]), t.get("sampling_ratio")) for t in value["tiers"]}


def tier_for(value: dict, grade: str, tier: str | None) -> Decision | None:
    """QZ art. 17: a sector evaluation's supervision tier — as sent, else mapped from its grade;
    None when neither names a tier of the profile."""
    tiers = tiers_of(value)
    if tier:
        return Decision(tier, f"tier {tier} as sent by the agency", TIERS_CITATION) if tier in tiers else None
    mapped = (value.get("grade_to_tier") or {}).get(grade)
    if mapped in tiers:
        return Decision(mapped, f"grade {grade} → tier {mapped}", TIERS_CITATION)
    return None
