"""`xinyong upstream …`: report to the provincial platform / 信用中国 now, and reconcile."""
from __future__ import annotations

import typer
from rich.console import Console

app = typer.Typer(help="sharing upward to the provincial platform / 信用中国 (FZ art. 7; QZ art. 10)",
                  no_args_is_help=True)
console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def _upstream():
    from xinyong.config import get_settings
    from xinyong.upstream.client import from_settings
    upstream = from_settings(get_settings())
    if upstream is None:
        err.print("[red]XINYONG_UPSTREAM_URL is not set: no upstream to report to[/red]")
        raise typer.Exit(2)
    return upstream


@app.command("run")
def run_command() -> None:
    """One reporting pass: queue the feed's new changes and send what is due."""
    from xinyong.upstream.worker import run_pass
    report = run_pass(_upstream())
    console.print(report.as_dict())
    if report.failed:
        raise typer.Exit(1)


@app.command("reconcile")
def reconcile_command(resend: bool = typer.Option(False, "--resend", help="queue a resend for every gap")) -> None:
    """Every record in public view the upstream does not hold, and what it holds that we withdrew.
    Exit 1 when anything differs."""
    from xinyong.db import session_scope
    from xinyong.upstream.service import reconcile
    upstream = _upstream()
    with session_scope() as session:
        found = reconcile(session, upstream, resend=resend)
    console.print(f"as of {found.as_of}: {found.checked} records in public view checked")
    for label, ids in (("missing upstream", found.missing), ("withdrawn here, held upstream", found.held_withdrawn),
                       ("older version upstream", found.stale)):
        console.print(f"{label}: {len(ids)}" + (f" — records {', '.join(map(str, ids[:200]))}" if ids else ""))
    if resend:
        console.print(f"resends queued: {found.resent}")
    if not found.clean:
        raise typer.Exit(1)
