"""A full recompute run as one unit of work per subject range, several ranges at a time: the
shape a sharded deployment runs (one range per shard, ARCHITECTURE.md), and on one PostgreSQL
server the way to use more than one core (PostgreSQL runs no INSERT … SELECT in parallel).
This is a boundary, like the CLI: it commits each range. A reader may meanwhile see some
ranges recomputed and others not yet; each subject's own result is always whole.
SQLite has one writer: there the ranges run one after the other."""
from __future__ import annotations

import datetime as dt
import time
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.engine import Engine

from xinyong import clock
from xinyong.db import get_engine, session_scope
from xinyong.evaluation import repository, service
from xinyong.evaluation.scope import Scope
from xinyong.evaluation.rules import IndicatorModel
from xinyong.kit.access import Principal
from xinyong.models.evaluation import EvaluationRun


def recompute_full(engine: Engine | None = None, *, workers: int = 2, ranges: int | None = None,
                   model: IndicatorModel | None = None, as_of: dt.date | None = None, trigger: str = "cli",
                   actor: Principal | None = None) -> dict:
    engine = engine or get_engine()
    if engine.dialect.name != "postgresql":
        workers = 1
    as_of = as_of or clock.today()
    started = time.perf_counter()
    with session_scope(engine) as session:
        model = model or service.model_in_force(as_of).model
        run_id = service.open_run(session, model, "full", trigger, as_of, actor).id
        parts = service.split_ranges(*repository.subject_bounds(session), ranges or workers)
    now = clock.now()

    def one(part: tuple[int, int]) -> tuple[int, int]:
        with session_scope(engine) as s:
            return service.compute_scope(s, model, Scope.subject_range(*part), as_of, run_id, now)

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        done = list(pool.map(one, parts))
    with session_scope(engine) as session:
        run = session.get(EvaluationRun, run_id)
        run.subjects, run.contributions = sum(d[0] for d in done), sum(d[1] for d in done)
        repository.analyze_tables(session)
        service.finish_run(session, run, started, actor)
        return {"run_id": run.id, "model_version": run.model_version, "as_of": run.as_of, "subjects": run.subjects,
                "contributions": run.contributions, "seconds": run.seconds, "ranges": len(parts), "workers": workers}
