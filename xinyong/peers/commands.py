"""`xinyong peers list | sync`: the peer platforms this one recognises, and the copy of their
published punitive list entries (run hourly by the worker when peers are configured, or by hand)."""
from __future__ import annotations

import typer
from rich.console import Console

from xinyong.db import session_scope
from xinyong.peers import rules, service

app = typer.Typer(help="互认城市 — peer platforms: recognised certificates and punitive lists", no_args_is_help=True)


@app.callback()
def _configuration_checked() -> None:
    """A peers file or region key that is not well formed is said plainly (exit 2)."""
    try:
        service.configured()
        rules.region_key()
    except rules.PeerConfigError as exc:
        Console(stderr=True).print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None


@app.command("list")
def list_peers() -> None:
    """The configured peers (XINYONG_PEERS_FILE) and whether their pinned certificate is held."""
    console = Console()
    with session_scope() as session:
        held = {p.key for p, _ in service.recognised_certificates(session)}
    for p in service.configured():
        console.print(f"{p.key}\t{p.name_zh}\t{p.base_url}\tsha256 {p.fingerprint}\t"
                      f"{'certificate held' if p.key in held else 'certificate not fetched'}\t{p.basis}")
    persons = service.persons_status()
    console.print({"exchanged": f"natural persons: exchanged under the region key {persons.key_id}",
                   "rule": f"natural persons: not exchanged (the profile's rule peers.exchange, {persons.citation})",
                   "no_key": "natural persons: not exchanged (XINYONG_PEER_REGION_KEY is not set)"}[persons.state])


@app.command("sync")
def sync() -> None:
    """Fetch each peer's certificate (accepted only with the pinned SHA-256) and its punitive
    entries; removals at origin are followed. Exit 1 when any peer failed."""
    console = Console()
    with session_scope() as session:
        results = service.sync_all(session)
    failed = False
    for r in results:
        if r.error:
            failed = True
            console.print(f"[red]{r.peer}: {r.error}[/red]")
        else:
            console.print(f"{r.peer}: {r.added} added, {r.updated} updated, {r.removed} removed")
    if failed:
        raise typer.Exit(1)
