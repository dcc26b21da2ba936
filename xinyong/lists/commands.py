"""`xinyong lists show [--kind K]`: the lists in force and who is on them today."""
from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from xinyong import clock
from xinyong.db import session_scope
from xinyong.lists import repository, service, views

app = typer.Typer(help="红名单 / 严重失信主体名单 / 黑名单 — lists and their entries", no_args_is_help=True)


@app.command("show")
def show(kind: str = typer.Option(None, "--kind", help="only this list (e.g. serious_dishonesty, red, black)"),
         limit: int = typer.Option(50, "--limit", min=1, max=1000)) -> None:
    """The lists the profile runs, with the subjects on them today."""
    console, today = Console(), clock.today()
    policy = service.current_policy(today)
    if kind is not None and kind not in policy.kinds:
        console.print(f"[red]no such list {kind!r}; lists: {', '.join(policy.kinds)}[/red]")
        raise typer.Exit(2)
    with session_scope() as session:
        counts = repository.published_counts(session, today)
        for key, spec in policy.kinds.items():
            if kind is not None and key != kind:
                continue
            console.print(f"[bold]{spec.name_zh} / {spec.name_en}[/bold] ({key}) — {counts.get(key, 0)} on the list "
                          f"as of {today.isoformat()} — {spec.citation}")
            table = Table("entry", "subject", "name", "category", "agency", "listed", "until")
            for e, p, s, a in repository.published(session, today, kind=key, limit=limit):
                table.add_row(str(e.id), str(s.id), views.shown_name(s.name, s.kind)[0],
                              spec.categories.get(e.category or "", "") or ", ".join(p.criteria), a.name,
                              e.listed_on.isoformat() if e.listed_on else "", e.period_end.isoformat() if e.period_end else "")
            console.print(table)
