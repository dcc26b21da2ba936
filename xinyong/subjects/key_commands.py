"""`xinyong keys`: the data key ring — status, rotation, new keys."""
from __future__ import annotations

import json
import sys

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from xinyong.kit.errors import XinyongError

keys_app = typer.Typer(help="data keys that encrypt stored identifiers and complainants' identities (status, rotation)", no_args_is_help=True)
console = Console()
err = Console(stderr=True)


@keys_app.command("status")
def keys_status(as_json: bool = typer.Option(False, "--json", help="print one JSON object")) -> None:
    """How many sealed values (resident IDs, complainants' identities) are under each key."""
    from xinyong.db import session_scope
    from xinyong.kit.keyring import current_ring
    from xinyong.subjects.keys import pending, status
    ring = current_ring()
    with session_scope() as session:
        counts = status(session, ring)
        left = pending(session, ring)
    if as_json:
        print(json.dumps({"current_key": ring.current_id, "not_current": left,
                          "keys": {c.key: c.rows for c in counts}}, ensure_ascii=False))
        return
    table = Table(title=f"sealed values by data key (current: {ring.current_id})")
    for col in ("key", "rows", "note"):
        table.add_column(col)
    for c in counts:
        note = "current" if c.current else ("in the ring" if c.in_ring else "")
        if not c.rows and not c.current and not c.in_ring:
            continue
        table.add_row(c.key, f"{c.rows:,}", note)
    console.print(table)
    console.print(f"not under the current key: {left:,}" + ("  (run `xinyong keys rotate`)" if left else ""))


@keys_app.command("rotate")
def keys_rotate(chunk_rows: int = typer.Option(5_000, "--chunk-rows", min=1, help="rows per transaction"),
                as_json: bool = typer.Option(False, "--json", help="print one JSON object")) -> None:
    """Re-encrypt every sealed value not under the current key (resumable; safe while serving)."""
    from xinyong.kit.keyring import current_ring
    from xinyong.subjects.keys import rotate
    ring = current_ring()
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, disable=as_json or not sys.stderr.isatty()) as progress:
        task = progress.add_task(f"re-encrypting under key {ring.current_id}", total=None)
        try:
            report = rotate(ring=ring, chunk_rows=chunk_rows,
                            on_start=lambda total: progress.update(task, total=total),
                            after_chunk=lambda _r, n: progress.advance(task, n))
        except XinyongError as exc:
            err.print(f"[red]error[/red] ({exc.code}): {exc.message}\n       {exc.message_en}")
            err.print("chunks committed before it are kept; run the command again to resume")
            raise typer.Exit(2)
    _print_report(report, as_json)
    if report.unreadable:
        raise typer.Exit(1)


def _print_report(report, as_json: bool) -> None:
    body = report.as_dict()
    if as_json:
        print(json.dumps(body | {"unreadable_ids": report.unreadable_ids}, ensure_ascii=False))
        return
    table = Table(title=f"key rotation to {report.current}", show_header=False)
    for key in ("pending_at_start", "rotated", "changed_meanwhile", "unreadable", "chunks", "links_sealed"):
        table.add_row(key, f"{body[key]:,}")
    console.print(table)
    if report.unreadable:
        err.print(f"[yellow]{report.unreadable} row(s) open under no key of the ring and were left as they are"
                  f"[/yellow]; first ids: {report.unreadable_ids[:20]}")


@keys_app.command("new")
def keys_new(key_id: str = typer.Argument(..., help="a name for the key, e.g. 2026a")) -> None:
    """Print a fresh random key as an XINYONG_DATA_KEYS entry (put it first to make it current)."""
    from xinyong.kit.keyring import new_key_line
    try:
        print(new_key_line(key_id))
    except ValueError as exc:
        err.print(f"[red]error[/red]: {exc}")
        raise typer.Exit(2)
