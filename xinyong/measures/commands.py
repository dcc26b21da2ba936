"""`xinyong measures ...`: load the list files as drafts, publish a version, show the lists."""
from __future__ import annotations

import typer

from xinyong.db import session_scope
from xinyong.measures import repository, service

app = typer.Typer(help="Measure lists (联合奖惩措施清单): sync, publish, show", no_args_is_help=True)


@app.command()
def sync() -> None:
    """Load the active profile's list files: new or changed lists become draft versions."""
    with session_scope() as session:
        counts = service.sync(session, None)
    typer.echo(f"measure lists: {counts['added']} new draft version(s), {counts['unchanged']} unchanged")


@app.command()
def publish(code: str = typer.Argument(..., help="list code, e.g. quanzhou-punishment"),
            document_no: str = typer.Option(..., "--document-no", help="发布文号"),
            by: str = typer.Option("admin", "--by", help="username recorded as publisher")) -> None:
    """Publish the latest draft version of a list (FZ art. 15, QZ art. 24)."""
    from sqlalchemy import select

    from xinyong.accounts.service import principal_of
    from xinyong.models import User
    with session_scope() as session:
        user = session.scalar(select(User).where(User.username == by))
        if user is None:
            raise typer.BadParameter(f"no user {by!r}")
        latest = repository.latest_versions(session).get(code)
        if latest is None:
            raise typer.BadParameter(f"no list {code!r}; run `xinyong measures sync` first")
        lst = service.publish(session, principal_of(user, "cli"), latest.id, document_no)
        typer.echo(f"published {lst.code} v{lst.edition} as {lst.document_no}")


@app.command("list")
def show() -> None:
    """Every list version with its status."""
    with session_scope() as session:
        for lst in repository.lists(session, statuses=None):
            typer.echo(f"{lst.id:>4} {lst.code:<28} v{lst.edition} {lst.status:<10} {lst.document_no or ''}")
