"""The `xinyong` command."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from xinyong import clock
from xinyong.audit.commands import audit_app
from xinyong.config import get_settings
from xinyong.kit.errors import XinyongError
from xinyong.subjects.key_commands import keys_app

app = typer.Typer(help="Xinyong 信用 — public credit information platform", no_args_is_help=True)
law_app = typer.Typer(help="law profiles (rules as data)", no_args_is_help=True)
catalogue_app = typer.Typer(help="the information catalogue", no_args_is_help=True)
agency_app = typer.Typer(help="agencies (data sources)", no_args_is_help=True)
user_app = typer.Typer(help="accounts", no_args_is_help=True)
token_app = typer.Typer(help="API tokens", no_args_is_help=True)
app.add_typer(law_app, name="law")
app.add_typer(catalogue_app, name="catalogue")
app.add_typer(agency_app, name="agency")
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.add_typer(audit_app, name="audit")
app.add_typer(keys_app, name="keys")


@app.callback()
def _every_command(ctx: typer.Context) -> None:
    # a command sees the local supplementary catalogue items current when it starts
    from xinyong.catalogue.local.merge import catalogue_scope
    ctx.with_resource(catalogue_scope(lenient=True))


def _add_domain_groups() -> None:
    from xinyong.registry import COMMAND_GROUPS, load
    for name, module_name in COMMAND_GROUPS:
        app.add_typer(load(module_name).app, name=name)


_add_domain_groups()
console = Console()
err = Console(stderr=True)


def _fail(exc: XinyongError) -> None:
    err.print(f"[red]error[/red] ({exc.code}{', field ' + exc.field if exc.field else ''}): {exc.message}")
    if exc.message_en != exc.message:
        err.print(f"       {exc.message_en}")
    raise typer.Exit(2)


@app.command()
def init() -> None:
    """Create the database, or upgrade it to the latest schema."""
    from xinyong.audit import command_line_actor
    from xinyong.catalogue.service import sync
    from xinyong.db import session_scope
    from xinyong.migrate import upgrade
    url = get_settings().database_url
    upgrade(url)
    from xinyong.measures.service import sync as sync_measures
    with session_scope() as session:
        counts = sync(session, actor=command_line_actor(), reason="catalogue files at xinyong init")
        lists = sync_measures(session, None)  # changed list files become drafts; publishing stays a decision
    console.print(f"database ready: {_safe_url(url)}; catalogue {counts}; measure lists {lists} "
                  "(drafts: `xinyong measures publish`)")


def _safe_url(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000,
          workers: int = typer.Option(1, min=1, help="worker processes sharing the listening socket; they share "
                                                     "their rate-limit buckets through the database (PostgreSQL) or "
                                                     "XINYONG_RATE_STORE (a private file when unset), so each limit "
                                                     "holds once, not per worker"),
          access_log: bool = typer.Option(True, help="log every request (uvicorn's access log)")) -> None:
    """Run the web application (API and pages).

    Rate limits hold across the workers of this command. On PostgreSQL every node shares
    them through the database (several nodes behind nginx: docs/CLUSTER.md); on SQLite
    separate `serve` processes on one machine share them only when XINYONG_RATE_STORE names
    the same file."""
    from xinyong.config import follow_serve_address
    from xinyong.web.server import serve as run
    follow_serve_address(host, port)   # report links and QR codes point where this server listens
    settings = get_settings()
    if settings.uses_dev_secret and not settings.dev:
        err.print("[red]refusing to serve with the development secret[/red]: set XINYONG_SECRET_KEY "
                  "(or XINYONG_DEV=1 for a local demo)")
        raise typer.Exit(2)
    if not settings.audit_signing_key and not settings.dev:
        err.print("[red]refusing to serve without XINYONG_AUDIT_SIGNING_KEY[/red]: the tree heads the platform "
                  "publishes must be signed by an explicit key (`xinyong audit keygen`), not one derived from "
                  "XINYONG_SECRET_KEY (or XINYONG_DEV=1 for a local demo)")
        raise typer.Exit(2)
    from xinyong.peers.rules import PeerConfigError, load_peers, region_key
    try:
        load_peers(), region_key()
    except PeerConfigError as exc:
        err.print(f"[red]refusing to serve[/red]: {exc}")
        raise typer.Exit(2) from None
    run(host, port, workers, log_level="info", access_log=access_log)


@app.command()
def demo(subjects: int = typer.Option(400, help="how many enterprises to generate"),
         seed: int = typer.Option(2026, help="random seed (same seed, same city)")) -> None:
    """Load a synthetic city: agencies, subjects, licences and penalties, demo accounts."""
    from xinyong.demo import load_demo
    try:
        summary = load_demo(subjects=subjects, seed=seed, console=console)
    except XinyongError as exc:
        _fail(exc)
    console.print(summary)


@app.command()
def ingest(file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
           source: str = typer.Option(..., "--source", help="source agency USCC"),
           item: str = typer.Option(..., "--item", help="catalogue item code, e.g. penalty"),
           change_reason: str = typer.Option(None, "--reason", help="why re-sent records changed"),
           as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
           idempotency_key: str = typer.Option(None, "--idempotency-key", help="run again with the same key after a "
                                               "crash: the first batch's outcome if it was committed, else the ingest")
           ) -> None:
    """Ingest a batch file (CSV UTF-8/GBK, or XLSX) from a registered agency."""
    from xinyong.audit import command_line_actor
    from xinyong.db import session_scope
    from xinyong.ingest import idempotency
    from xinyong.ingest.service import STEPS as steps
    from xinyong.ingest.service import ingest_file
    held = [file.read_bytes()]   # handed over to the ingest, which frees it once parsed
    fingerprint = idempotency.fingerprint("cli", source, item, change_reason, file.name, held[0])
    try:
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                      console=err, disable=as_json or not sys.stderr.isatty()) as progress:
            task = progress.add_task(f"ingest {file.name}", total=len(steps))

            def step(name: str) -> None:
                progress.update(task, completed=steps.index(name) + 1, description=f"{file.name}: {name}")

            with session_scope() as session:
                def run() -> int:
                    return ingest_file(session, data=held.pop(), filename=file.name, source_uscc=source, item_code=item,
                                       channel="cli", change_reason=change_reason, progress=step,
                                       actor=command_line_actor(), idempotency_key=idempotency_key,
                                       request_sha256=fingerprint).batch_id
                batch_id, replayed = idempotency.submit_once(session, idempotency_key, source, fingerprint, run)
                body = _batch_body(session, batch_id, replayed)
    except XinyongError as exc:
        if as_json:
            print(json.dumps({"error": exc.to_dict()}, ensure_ascii=False))
            raise typer.Exit(2)
        _fail(exc)
    if as_json:
        print(json.dumps(body, ensure_ascii=False))
    else:
        _print_outcome(body)
    if body["status"] != "completed":
        raise typer.Exit(1)


def _batch_body(session, batch_id: int, replayed: bool) -> dict:
    """The batch as stored (the same for the first run and a replay under the same key)."""
    from xinyong.models import Batch
    b = session.get(Batch, batch_id)
    return {"batch": b.id, "batch_id": b.id, "status": b.status, "item": b.item_code, "total_rows": b.total_rows,
            "accepted": b.accepted_rows, "rejected": b.rejected_rows, "created": b.created_records,
            "updated": b.updated_records, "unchanged": b.unchanged_records, "error_code": b.error_code,
            "error_message": b.error_message, **{k: v for k, v in (b.notes or {}).items() if k != "refusal"},
            "replayed": replayed}   # the refusal's words per language are the pages'; error_message has both


def _print_outcome(body: dict) -> None:
    table = Table(title=f"batch {body['batch']}: {body['status']}")
    for key in ("total_rows", "accepted", "rejected", "created", "updated", "unchanged", "error_code",
                "error_message"):
        if body.get(key) not in (None, ""):
            table.add_row(key, str(body[key]))
    console.print(table)


@app.command()
def sweep() -> None:
    """Time-driven housekeeping as of the clock's today (XINYONG_TODAY); `xinyong worker` runs
    the same on its schedule (XINYONG_WORKER_SCHEDULES)."""
    from xinyong.audit import command_line_actor
    from xinyong.worker.tasks import run_sweep
    report, checkpoint_id, head = run_sweep(command_line_actor())
    for key, value in report.items():
        console.print(f"{key}: {value}")
    console.print(f"audit checkpoint: {checkpoint_id}")
    if head is not None:
        console.print(f"tree head: size {head.tree_size}, root {head.root_hash}")


@law_app.command("show")
def law_show(profile: str = typer.Option(None, help="profile name (default: XINYONG_PROFILE)"),
             on: str = typer.Option(None, help="date (default: today)")) -> None:
    """Print the rules in force with their citations."""
    import datetime as dt
    from xinyong.law import active_profile, get_profile
    p = get_profile(profile) if profile else active_profile()
    day = dt.date.fromisoformat(on) if on else clock.today()
    table = Table(title=f"{p.title_zh} / {p.title_en} — rules in force on {day}")
    for col in ("rule", "in force", "citation", "value"):
        table.add_column(col, overflow="fold")
    for rule in p.rules_in_force(on=day):
        span = f"{rule.effective_from or '…'} – {rule.effective_to or '…'}"
        table.add_row(rule.key, span, str(rule.citation), json.dumps(rule.value, ensure_ascii=False)[:160])
    console.print(table)


@catalogue_app.command("list")
def catalogue_list() -> None:
    """Print the catalogue items and their codes."""
    from xinyong.catalogue import get_catalogue
    table = Table(title="公共信用信息目录 / catalogue")
    for col in ("code", "名称", "name", "category", "disclosure", "ingestible"):
        table.add_column(col)
    for item in get_catalogue().items:
        table.add_row(item.code, item.name_zh, item.name_en, str(item.category), item.disclosure,
                      "yes" if item.ingestible else "")
    console.print(table)


@catalogue_app.command("sync")
def catalogue_sync(reason: str = typer.Option(..., "--reason", help="why the catalogue changed")) -> None:
    """Record the catalogue files in the database; each changed entry keeps its old version."""
    from xinyong.audit import command_line_actor
    from xinyong.catalogue.service import sync
    from xinyong.db import session_scope
    with session_scope() as session:
        counts = sync(session, actor=command_line_actor(), reason=reason)
    console.print(counts)


@agency_app.command("add")
def agency_add(uscc: str = typer.Option(..., "--uscc"), name: str = typer.Option(..., "--name"),
               kind: str = typer.Option("public_body", "--kind")) -> None:
    """Register an agency, so that its batches are accepted."""
    from xinyong.agencies.service import register
    from xinyong.audit import command_line_actor
    from xinyong.db import session_scope
    try:
        with session_scope() as session:
            agency = register(session, uscc=uscc, name=name, kind=kind, actor=command_line_actor())
            console.print(f"registered agency {agency.id}: {agency.uscc} {agency.name}")
    except XinyongError as exc:
        _fail(exc)


@agency_app.command("list")
def agency_list() -> None:
    from xinyong.agencies.service import list_all
    from xinyong.db import session_scope
    with session_scope() as session:
        for a in list_all(session):
            console.print(f"{a.id}\t{a.uscc}\t{a.kind}\t{a.name}")


@user_app.command("add")
def user_add(username: str = typer.Argument(...), role: str = typer.Option(..., "--role"),
             agency: str = typer.Option(None, "--agency", help="organisation USCC (organisation roles)"),
             subject_uscc: str = typer.Option(None, "--subject-uscc", help="for role subject: the firm's USCC"),
             resident_id: str = typer.Option(None, "--resident-id", help="for role subject: the person's ID number"),
             name: str = typer.Option("", "--name"),
             email: str = typer.Option(None, "--email", help="where password-reset links are sent"),
             password: str = typer.Option(None, "--password", help="default: prompt; or XINYONG_NEW_PASSWORD")) -> None:
    """Create an account (staff of an organisation, an auditor, or a subject's portal account)."""
    from xinyong.accounts.service import create_user
    from xinyong.audit import command_line_actor
    from xinyong.db import session_scope
    password = password or os.environ.get("XINYONG_NEW_PASSWORD") or typer.prompt(
        "password", hide_input=True, confirmation_prompt=True)
    try:
        with session_scope() as session:
            user = create_user(session, username=username, password=password, role=role, display_name=name,
                               agency_uscc=agency, subject_uscc=subject_uscc, subject_resident_id=resident_id,
                               actor=command_line_actor(), email=email.strip().lower() if email else None)
            console.print(f"created user {user.id}: {user.username} ({user.role})")
    except XinyongError as exc:
        _fail(exc)


@user_app.command("disable")
def user_disable(username: str = typer.Argument(...), reason: str = typer.Option(..., "--reason")) -> None:
    """Disable an account: its page sessions end at once and its API tokens stop working."""
    _set_active(username, False, reason)


@user_app.command("enable")
def user_enable(username: str = typer.Argument(...), reason: str = typer.Option(..., "--reason")) -> None:
    """Enable a disabled account again (it signs in anew: ended sessions stay ended)."""
    _set_active(username, True, reason)


def _set_active(username: str, active: bool, reason: str) -> None:
    from xinyong.accounts.service import set_active
    from xinyong.audit import command_line_actor
    from xinyong.db import session_scope
    try:
        with session_scope() as session:
            set_active(session, username, active, reason, actor=command_line_actor())
    except XinyongError as exc:
        _fail(exc)
    console.print(f"{'enabled' if active else 'disabled'} user {username}")


@token_app.command("issue")
def token_issue(username: str = typer.Argument(...), name: str = typer.Option("", "--name"),
                scope: list[str] = typer.Option(None, "--scope", help="limit the token (repeatable); default all"),
                days: int = typer.Option(365, "--days", help="validity in days (0 = no expiry)")) -> None:
    """Issue an API token for a user (printed once; only its hash is stored)."""
    from xinyong.accounts.tokens import issue_token
    from xinyong.audit import command_line_actor
    from xinyong.db import session_scope
    try:
        with session_scope() as session:
            token = issue_token(session, username, name, scopes=scope or None, days=days or None,
                                actor=command_line_actor())
    except XinyongError as exc:
        _fail(exc)
    print(token)


@token_app.command("list")
def token_list(username: str = typer.Argument(...)) -> None:
    """A user's tokens (never the tokens themselves)."""
    from xinyong.accounts.tokens import list_tokens
    from xinyong.db import session_scope
    with session_scope() as session:
        for t in list_tokens(session, username):
            state = "revoked" if t.revoked_at else "active"
            console.print(f"{t.id}\t{state}\t{t.name}\tscopes={','.join(t.scopes or [])}\texpires={t.expires_at}")


@token_app.command("revoke")
def token_revoke(token_id: int = typer.Argument(...)) -> None:
    """Revoke a token at once."""
    from xinyong.accounts.tokens import revoke_token
    from xinyong.audit import command_line_actor
    from xinyong.db import session_scope
    try:
        with session_scope() as session:
            revoke_token(session, token_id, actor=command_line_actor())
    except XinyongError as exc:
        _fail(exc)
    console.print(f"revoked token {token_id}")


if __name__ == "__main__":
    app()
