"""`xinyong repair eligibility CODE` and `xinyong repair list [--status S]`."""
from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="credit repair (信用修复)", no_args_is_help=True)
console = Console()


@app.command("eligibility")
def eligibility(code: str = typer.Argument(..., help="the subject's USCC or resident ID number")) -> None:
    """Each record of a subject: can it be repaired today (XINYONG_TODAY), from when, and why not."""
    from xinyong import clock
    from xinyong.access.service import subject_for_window
    from xinyong.db import session_scope
    from xinyong.repair import repository, service
    with session_scope() as session:
        is_uscc = repository.subject_by_code(session, code) is not None
        subject_id = subject_for_window(session, code if is_uscc else None, None if is_uscc else code)
        rows = [(e.record.decision_no, e.record.item_code, e.record.decision_date.isoformat(),
                 "yes" if e.result.eligible else "no", e.result.from_date.isoformat() if e.result.from_date else "",
                 e.result.regime, "\n".join(f"{r.code}: {r.text_en} [{r.citation}]" for r in e.result.reasons))
                for e in service.eligibility(session, subject_id)]
    table = Table(title=f"repair eligibility as of {clock.today()}")
    for col in ("decision", "item", "decided", "eligible", "from", "rule", "reasons"):
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*row, style=None if row[3] == "yes" else "yellow")
    console.print(table)


@app.command("list")
def list_applications(status: str = typer.Option(None, help="received | accepted | refused | approved | rejected | revoked"),
                      limit: int = typer.Option(100, min=1, max=10_000)) -> None:
    """Repair applications, newest first."""
    from xinyong.db import session_scope
    from xinyong.repair import repository
    with session_scope() as session:
        rows = [(str(a.id), name, r.decision_no, agency, a.status, a.channel, a.received_on.isoformat())
                for a, r, name, agency in repository.queue(session, None, (status,) if status else None, limit, 0)]
    table = Table(title="repair applications")
    for col in ("id", "subject", "decision", "deciding body", "status", "channel", "received"):
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*row)
    console.print(table)
