"""`xinyong worker [--once] | status | enqueue KIND`."""
from __future__ import annotations

import json
import signal

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="the worker: schedules and the job queue (run any number, on any machines)",
                  invoke_without_command=True)
console = Console()


@app.callback()
def run(ctx: typer.Context,
        once: bool = typer.Option(False, "--once", help="fire due schedules, run due jobs, then exit")) -> None:
    """Run the worker until stopped (SIGTERM/SIGINT let the running job finish)."""
    if ctx.invoked_subcommand is not None:
        return
    from xinyong.worker.runner import Worker
    worker = Worker()
    if once:
        ran = worker.run_pending()
        console.print(f"worker {worker.name}: {ran} job(s) run")
        return
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: worker.stop.set())
    worker.run_forever()


@app.command("status")
def status(failed: bool = typer.Option(False, "--failed", help="list only failed jobs"),
           limit: int = typer.Option(20, min=1, max=1000)) -> None:
    """Schedules (last run, next run, failures) and the latest jobs."""
    from xinyong.db import session_scope
    from xinyong.worker import service
    with session_scope() as session:
        schedules = service.schedule_status(session)
        counts = service.counts(session)
        jobs = service.jobs(session, "failed" if failed else None, limit)
    table = Table(title="schedules")
    for col in ("schedule", "spec", "next run", "last run", "last status", "failed jobs", "last error"):
        table.add_column(col, overflow="fold")
    for s in schedules:
        table.add_row(s.name, s.spec, _at(s.next_run_at), _at(s.last_run_at), s.last_status or "",
                      str(s.failed), (s.last_error or "")[:200])
    console.print(table)
    console.print("jobs: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    table = Table(title="failed jobs" if failed else "latest jobs")
    for col in ("id", "kind", "status", "attempts", "run at", "worker", "error"):
        table.add_column(col, overflow="fold")
    for j in jobs:
        table.add_row(str(j.id), j.kind, j.status, f"{j.attempts}/{j.max_attempts}", _at(j.run_at),
                      j.locked_by or "", (j.last_error or "")[:200])
    console.print(table)
    if counts["failed"]:
        raise typer.Exit(1)  # a monitoring check sees failed jobs in the exit code


@app.command("enqueue")
def enqueue(kind: str = typer.Argument(..., help="job kind, e.g. sweep"),
            payload: str = typer.Option("{}", "--payload", help="JSON object")) -> None:
    """Queue one job now (e.g. an extra sweep); a running worker picks it up."""
    from xinyong.db import session_scope
    from xinyong.registry import JOBS
    from xinyong.worker import service
    if kind not in JOBS:
        console.print(f"[red]unknown job kind {kind!r}[/red]; known: {', '.join(sorted(JOBS))}")
        raise typer.Exit(2)
    with session_scope() as session:
        job_id = service.enqueue(session, kind, json.loads(payload))
    console.print(f"queued job {job_id} ({kind})")


def _at(value) -> str:
    return value.isoformat(timespec="seconds") if value else ""
