"""`xinyong deadlines list [--overdue] [--procedure P]`."""
from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="procedure step deadlines (办理期限)", no_args_is_help=True)
console = Console()


@app.command("list")
def list_deadlines(overdue: bool = typer.Option(False, "--overdue", help="only overdue steps"),
                   procedure: str = typer.Option(None, help="objection | repair | listing | complaint | feed"),
                   limit: int = typer.Option(200, min=1, max=10_000)) -> None:
    """Open deadlines, soonest first, as of the clock's today (XINYONG_TODAY)."""
    from xinyong import clock
    from xinyong.audit import command_line_actor
    from xinyong.db import session_scope
    from xinyong.deadlines import service
    with session_scope() as session:
        found, names = service.queue(session, command_line_actor(), procedure=procedure,
                                     state="overdue" if overdue else None, limit=limit)
        rows = [(str(v.deadline.id), f"{v.deadline.procedure} #{v.deadline.procedure_id}", v.deadline.step,
                 v.deadline.due_on.isoformat(), str(v.working_days_left),
                 v.state.upper() if v.state == "overdue" else v.state, "PROVISIONAL" if v.provisional else "",
                 names.get(v.deadline.id) or (v.deadline.responsible_role or ""), v.citation) for v in found]
    table = Table(title=f"open deadlines as of {clock.today()}")
    for col in ("id", "procedure", "step", "due", "working days left", "state", "", "responsible", "citation"):
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*row, style="red" if row[5] == "OVERDUE" else None)
    console.print(table)
