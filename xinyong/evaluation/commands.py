"""`xinyong evaluation recompute | show | models | import-sector`."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="public credit evaluation (公共信用综合评价, QZ art. 16-17)", no_args_is_help=True)
console = Console()


@app.command("recompute")
def recompute(ranges: int = typer.Option(1, min=1, max=10_000, help="subject ranges (one per shard)"),
              workers: int = typer.Option(1, min=1, max=64, help="ranges computed at a time, each committed on "
                                          "its own (PostgreSQL; 1 = one transaction for everything)"),
              as_of: str = typer.Option(None, "--as-of", help="YYYY-MM-DD (default: the clock's today)"),
              model: str = typer.Option(None, "--model", help="model version (default: the one in force)")) -> None:
    """Full recompute of every subject under the model in force, set-based, one transaction."""
    from xinyong.audit import command_line_actor
    from xinyong.db import session_scope
    from xinyong.evaluation import service
    day = dt.date.fromisoformat(as_of) if as_of else None
    if workers > 1:
        from xinyong.evaluation import parallel
        out = parallel.recompute_full(workers=workers, ranges=max(ranges, workers), as_of=day, trigger="cli",
                                      model=service.load_model(model) if model else None, actor=command_line_actor())
        console.print(f"run {out['run_id']}: model {out['model_version']} as of {out['as_of']}: {out['subjects']:,} "
                      f"subjects, {out['contributions']:,} contributions in {out['seconds']:.1f}s "
                      f"({out['ranges']} ranges, {out['workers']} at a time)")
        return
    with session_scope() as session:
        run = service.recompute_full(session, model=service.load_model(model) if model else None, as_of=day,
                                     ranges=ranges, trigger="cli", actor=command_line_actor(),
                                     progress=lambda lo, hi, s, c: console.print(
                                         f"  subjects {lo}..{hi}: {s:,} results, {c:,} contributions"))
        summary = (f"run {run.id}: model {run.model_version} as of {run.as_of}: {run.subjects:,} subjects, "
                   f"{run.contributions:,} contributions in {run.seconds:.1f}s")
    console.print(summary)


@app.command("show")
def show(subject_id: int) -> None:
    """A subject's grade, score and contributions under the model in force."""
    from xinyong.db import session_scope
    from xinyong.evaluation import service
    with session_scope() as session:
        ex = service.explain(session, subject_id)
        if ex.result is None:
            console.print(f"subject {subject_id}: not evaluated yet under {ex.model.version}")
            return
        console.print(f"subject {subject_id} {ex.subject.name}: grade {ex.result['grade']}, score "
                      f"{ex.result['score']} ({ex.grade_reason}; {ex.citation})")
        table = Table()
        for col in ("dimension", "indicator", "matched", "under objection", "points"):
            table.add_column(col)
        for c in ex.contributions:
            table.add_row(c.dimension.code, c.indicator.code, str(c.matched), str(c.flagged), str(c.points))
        console.print(table)


@app.command("models")
def models() -> None:
    """Indicator model versions available, and the one in force."""
    from xinyong.evaluation import service
    current = service.model_in_force()
    for version in service.available_versions():
        mark = "  (in force: " + current.citation + ")" if version == current.model.version else ""
        console.print(f"{version}{mark}")


@app.command("import-sector")
def import_sector(path: Path = typer.Argument(..., exists=True, dir_okay=False)) -> None:
    """File sector evaluations (CSV: 统一社会信用代码, 行业, 评价等级, 监管分级, 评价日期, 评价机构代码)."""
    from xinyong.audit import command_line_actor
    from xinyong.db import session_scope
    from xinyong.evaluation import sector
    with session_scope() as session:
        outcome = sector.import_csv(session, path.read_bytes(), path.name, actor=command_line_actor(), channel="cli")
        console.print(f"import {outcome.import_id}: {outcome.rows} sector evaluations filed")
