"""`xinyong feed …`: the receiving systems of the change feed and their overdue acknowledgements."""
from __future__ import annotations

import typer
from rich.console import Console

app = typer.Typer(help="change feed receivers (QZ art. 36 para. 2)", no_args_is_help=True)
console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


@app.command("receivers")
def receivers_command() -> None:
    """Every receiver with its unacknowledged and overdue changes, most overdue first."""
    from xinyong.db import session_scope
    from xinyong.feed import service
    with session_scope() as session:
        rows = service.statuses(session, limit=10_000)
        policy = service.ack_clock(session).policy
        console.print(f"acknowledge within {policy.working_days} working days ({policy.citation})")
        for s in rows:
            flag = f"[red]{s.overdue} overdue[/red]" if s.overdue else "0 overdue"
            console.print(f"#{s.receiver.id} {s.org.name} ({s.org.kind}): {s.unacknowledged} unacknowledged, {flag}, "
                          f"oldest {s.oldest_unacknowledged_on or '-'} due {s.oldest_due_on or '-'}"
                          f"{'' if s.receiver.active else ' (inactive)'}")
        if not rows:
            console.print("no receivers")


@app.command("register")
def register_command(uscc: str = typer.Argument(..., help="the organisation's unified social credit code"),
                     backlog: int = typer.Option(0, min=0, help="also follow this many of the newest changes"),
                     note: str = typer.Option("", help="a note kept with the receiver")) -> None:
    """Register an organisation as a receiving system of the change feed."""
    from sqlalchemy import select

    from xinyong.audit.service import command_line_actor
    from xinyong.db import session_scope
    from xinyong.feed import service
    from xinyong.kit.errors import XinyongError
    from xinyong.models import Agency
    try:
        with session_scope() as session:
            org = session.scalar(select(Agency).where(Agency.uscc == uscc.strip().upper()))
            if org is None:
                err.print(f"no organisation with USCC {uscc}")
                raise typer.Exit(1)
            receiver = service.register_receiver(session, command_line_actor(), org.id, note, backlog)
            console.print(f"receiver #{receiver.id}: {org.name} follows changes after #{receiver.start_after_event_id}")
    except XinyongError as exc:
        err.print(f"{exc.message_en} ({exc.code})")
        raise typer.Exit(1) from None
