"""`xinyong calendar add FILE`, `xinyong calendar show YEAR`, `xinyong calendar list`."""
from __future__ import annotations

import calendar as stdlib_calendar
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="working-day calendar: holiday tables per year (工作日历)", no_args_is_help=True)
console = Console()
SOURCE_LABEL = {"table": "loaded table (管理员载入)", "chinese_calendar": "chinese-calendar package",
                "weekend_rule": "statutory holidays and weekends only — PROVISIONAL (暂定)"}


@app.command("add")
def add(file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True,
                                    help="holiday table, YAML or CSV (see docs/calendar-example.yaml)")) -> None:
    """Load a year's days off and make-up working days, replacing that year if loaded before."""
    from xinyong.audit import command_line_actor
    from xinyong.calendar import service
    from xinyong.db import session_scope
    from xinyong.kit.errors import XinyongError
    try:
        with session_scope() as session:
            loaded = service.add_file(session, command_line_actor(), file.read_bytes(), file.name)
            year, source = loaded.year, loaded.source
            view = service.year_view(session, year)
    except XinyongError as exc:
        console.print(f"[red]{file}: {exc.message_en}[/red]\n{exc.message}")
        raise typer.Exit(1) from None
    console.print(f"loaded {year} from {source}: {view.days_off_on_weekdays} weekdays off, "
                  f"{view.makeup_workdays} make-up working days, {view.working_days} working days in the year; "
                  f"open deadlines recounted: {loaded.deadlines_moved} due date(s) moved (subjects told, audited)")


@app.command("show")
def show(year: int = typer.Argument(..., help="the year"),
         as_list: bool = typer.Option(False, "--list", help="one line per exception instead of month grids")) -> None:
    """Print a year: month grids (or --list) and where the answer comes from."""
    from xinyong.calendar import service
    from xinyong.db import session_scope
    with session_scope() as session:
        view = service.year_view(session, service.check_year(year))
        loaded = f" — {view.loaded.source} (loaded {view.loaded.loaded_at:%Y-%m-%d} by {view.loaded.loaded_by})" \
            if view.loaded else ""
    style = "bold red" if view.provisional else "bold"
    console.print(f"[{style}]{year}: {SOURCE_LABEL[view.source]}{loaded}[/{style}]")
    if view.provisional:
        console.print("[red]PROVISIONAL: no official schedule is known for this year; only Saturdays and Sundays "
                      "are treated as days off. Load the year with `xinyong calendar add FILE`.[/red]")
    console.print(f"working days: {view.working_days}; weekdays off: {view.days_off_on_weekdays}; "
                  f"make-up working days: {view.makeup_workdays}")
    if as_list:
        table = Table()
        for col in ("date", "day", "working", "name"):
            table.add_column(col)
        for _, days in view.months:
            for d in days:
                if d.working == (d.day.weekday() >= 5) or d.name:
                    table.add_row(d.day.isoformat(), d.day.strftime("%a"), "work" if d.working else "off", d.name)
        console.print(table)
        return
    console.print("legend: NN working day, (NN) day off, *NN make-up working day, [NN] weekday off")
    for month, days in view.months:
        lines = [f"{stdlib_calendar.month_name[month]} {year}", "Mo  Tu  We  Th  Fr  Sa  Su"]
        cells = ["    "] * days[0].day.weekday()
        for d in days:
            weekend = d.day.weekday() >= 5
            n = f"{d.day.day:2d}"
            if d.working:
                cell = f"*{n} " if weekend else f" {n} "
            else:
                cell = f"({n})" if weekend else f"[{n}]"
            cells.append(cell)
        for i in range(0, len(cells), 7):
            lines.append("".join(cells[i:i + 7]).rstrip())
        console.print("\n".join(lines), markup=False, highlight=False)
        console.print("")


@app.command("list")
def list_years() -> None:
    """The years loaded from tables."""
    from xinyong.calendar import service
    from xinyong.db import session_scope
    with session_scope() as session:
        rows = [(r.year, r.source, f"{r.loaded_at:%Y-%m-%d}", r.loaded_by) for r in service.loaded_years(session)]
    table = Table(title="loaded years")
    for col in ("year", "source", "loaded", "by"):
        table.add_column(col)
    for row in rows:
        table.add_row(*map(str, row))
    console.print(table)
