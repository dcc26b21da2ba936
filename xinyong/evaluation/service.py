"""Public credit evaluation use cases (QZ art. 16-17, 26-27). Flushes, never commits.

- recompute_full: every subject, by subject range (one range by default; more ranges let a
  sharded deployment run one per shard), under the model version in force;
- recompute_scope: the subjects of one batch or named subjects (hooks.py), so the cost of an
  incremental recompute follows the subjects touched, not the city;
- current_grades: the grade of each subject under the model in force (measures, reports);
- explain: a result, its contributions and, for each, the model's indicator behind it."""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import time
from pathlib import Path

from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.audit import record_event
from xinyong.evaluation import repository
from xinyong.evaluation.scope import Scope, per_subject_plans
from xinyong.evaluation.rules import IndicatorModel, ModelError, parse_model
from xinyong.kit import yamlfiles
from xinyong.kit.access import Principal
from xinyong.kit.errors import InvalidInput, NotFound
from xinyong.law import active_profile
from xinyong.models import Subject
from xinyong.models.evaluation import EvaluationRun

MODELS_DIR = Path(__file__).parent / "models"


@functools.lru_cache(maxsize=16)
def load_model(version: str) -> IndicatorModel:
    """An indicator model version from xinyong/evaluation/models/<version>.yaml."""
    path = MODELS_DIR / f"{version}.yaml"
    if not path.is_file() or path.parent != MODELS_DIR:
        raise ModelError(f"no indicator model version {version!r} in {MODELS_DIR}")
    model = parse_model(yamlfiles.safe_load(path.read_text(encoding="utf-8")))
    if model.version != version:
        raise ModelError(f"{path.name} declares version {model.version!r}")
    return model


def available_versions() -> list[str]:
    return sorted(p.stem for p in MODELS_DIR.glob("*.yaml"))


@dataclasses.dataclass(frozen=True)
class ModelInForce:
    model: IndicatorModel
    citation: str
    published: bool


def model_in_force(on: dt.date | None = None) -> ModelInForce:
    """The model version the profile rule `evaluation.model` names for the day (QZ art. 16)."""
    on = on or clock.today()
    try:
        rule = active_profile().rule("evaluation.model", on=on)
    except LookupError as exc:
        raise InvalidInput(f"评价模型规则未生效：{exc}", code="no_evaluation_model",
                           message_en=f"no evaluation model in force: {exc}") from None
    citation = str(rule.citation)
    return ModelInForce(load_model(rule.value["version"]), citation, bool(rule.value.get("published", True)))


def open_run(session: Session, model: IndicatorModel, kind: str, trigger: str, as_of: dt.date,
             actor: Principal | None) -> EvaluationRun:
    run = EvaluationRun(model_version=model.version, kind=kind, trigger=trigger[:40], as_of=as_of, subjects=0,
                        contributions=0, started_by=actor.user_id if actor else None, started_at=clock.now())
    session.add(run)
    session.flush()
    return run


def compute_scope(session: Session, model: IndicatorModel, scope: Scope, as_of: dt.date, run_id: int,
                  now: dt.datetime) -> tuple[int, int]:
    """(results, contributions) written for one scope of a run; other subjects are untouched."""
    with per_subject_plans(session, scope):
        repository.delete_scope(session, model.version, scope)
        base = {"version": model.version, "as_of": as_of, "now": now, "run_id": run_id}
        contributions = (repository.insert_record_contributions(session, model, scope, as_of, base)
                         + repository.insert_list_contributions(session, model, scope, as_of, base)
                         + repository.insert_commitment_contributions(session, model, scope, as_of, base))
        subjects = repository.insert_results(session, model, scope, as_of, run_id, now)
    return subjects, contributions


def recompute_full(session: Session, *, model: IndicatorModel | None = None, as_of: dt.date | None = None,
                   ranges: int = 1, trigger: str = "cli", actor: Principal | None = None,
                   progress=None) -> EvaluationRun:
    """Every subject, range by range (QZ art. 16). Replaces this model version's results only."""
    as_of = as_of or clock.today()
    model = model or model_in_force(as_of).model
    started = time.perf_counter()
    run = open_run(session, model, "full", trigger, as_of, actor)
    now = clock.now()
    for lo, hi in split_ranges(*repository.subject_bounds(session), ranges):
        subjects, contributions = compute_scope(session, model, Scope.subject_range(lo, hi), as_of, run.id, now)
        run.subjects += subjects
        run.contributions += contributions
        if progress:
            progress(lo, hi, subjects, contributions)
    repository.analyze_tables(session)
    return finish_run(session, run, started, actor)


def recompute_scope(session: Session, scope: Scope, *, trigger: str, model: IndicatorModel | None = None,
                    as_of: dt.date | None = None, actor: Principal | None = None) -> EvaluationRun:
    """The subjects of one scope only: other subjects' rows are not touched."""
    as_of = as_of or clock.today()
    model = model or model_in_force(as_of).model
    started = time.perf_counter()
    run = open_run(session, model, "incremental", trigger, as_of, actor)
    run.subjects, run.contributions = compute_scope(session, model, scope, as_of, run.id, clock.now())
    return finish_run(session, run, started, actor)


def split_ranges(lo: int, hi: int, ranges: int) -> list[tuple[int, int]]:
    step = max(1, -(-(hi - lo + 1) // max(1, ranges)))
    return [(start, min(hi, start + step - 1)) for start in range(lo, hi + 1, step)]


def finish_run(session: Session, run: EvaluationRun, started: float, actor: Principal | None) -> EvaluationRun:
    """Closes the run. A full recompute is audited; an incremental one is the consequence of a
    change already audited (a batch, a repair) and is kept in evaluation_runs with its trigger."""
    run.seconds = round(time.perf_counter() - started, 3)
    run.finished_at = clock.now()
    session.flush()
    if run.kind != "full" or run.trigger == "sweep":   # the sweep audits its own run with these counts
        return run
    record_event(session, actor, "evaluation.recompute", target_type="evaluation_run", target_id=run.id,
                 details={"kind": run.kind, "trigger": run.trigger, "model_version": run.model_version,
                          "subjects": run.subjects, "contributions": run.contributions,
                          "milliseconds": int(run.seconds * 1000)})
    return run


def current_grades(session: Session, subject_ids) -> dict[int, str]:
    """{subject id: grade} under the model version in force; subjects never evaluated are left
    out (callers treat a missing grade as "not evaluated", never as a good one)."""
    ids = [int(i) for i in subject_ids]
    if not ids:
        return {}
    version = model_in_force().model.version
    return {sid: grade for sid, (grade, _score, _flagged) in repository.results_of(session, version, ids).items()}


@dataclasses.dataclass
class Contribution:
    indicator: object          # rules.Indicator
    dimension: object          # rules.Dimension
    matched: int
    flagged: int
    points: int


@dataclasses.dataclass
class Explanation:
    subject: Subject
    model: IndicatorModel
    citation: str
    result: dict | None
    contributions: list[Contribution]
    grade_reason: str | None


def explain(session: Session, subject_id: int, version: str | None = None) -> Explanation:
    subject = session.get(Subject, subject_id)
    if subject is None:
        raise NotFound("没有该主体", message_en="no such subject")
    in_force = model_in_force()
    model = load_model(version) if version else in_force.model
    result = repository.result_row(session, model.version, subject_id)
    contributions = []
    for row in repository.contributions_of(session, model.version, subject_id):
        try:
            ind = model.indicator(row["indicator"])
        except KeyError:
            continue
        contributions.append(Contribution(ind, model.dimension(ind.dimension), row["matched"], row["flagged"],
                                          row["points"]))
    from xinyong.evaluation.rules import grade_for
    reason = grade_for(model, result["score"]).reason if result else None
    return Explanation(subject, model, in_force.citation, dict(result) if result else None, contributions, reason)


def records_behind(session: Session, subject_id: int, indicator_code: str, version: str | None = None,
                   limit: int = 200) -> tuple[object, list[dict], dt.date | None]:
    """The rows behind one contribution of a subject's stored result, as of its date."""
    model = load_model(version) if version else model_in_force().model
    try:
        indicator = model.indicator(indicator_code)
    except KeyError:
        raise NotFound("没有该指标", message_en="no such indicator") from None
    result = repository.result_row(session, model.version, subject_id)
    if result is None:
        raise NotFound("该主体尚无评价结果", message_en="this subject has no evaluation result")
    rows = repository.records_behind(session, model, indicator, subject_id, result["as_of"], limit)
    return indicator, rows, result["as_of"]
