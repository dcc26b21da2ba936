"""`xinyong reports keygen | certificate | verify FILE`: the platform's report-signing key and
certificate, and an offline check of a report PDF."""
from __future__ import annotations

import stat
from pathlib import Path

import typer
from rich.console import Console

from xinyong.db import session_scope
from xinyong.kit.web import local_time
from xinyong.reports import service, signing

app = typer.Typer(help="信用报告 — credit reports: signing key, certificate, verification", no_args_is_help=True)


@app.command("keygen")
def keygen(force: bool = typer.Option(False, "--force", help="replace an existing key (old reports then no longer "
                                                              "verify against the new certificate)")) -> None:
    """Create the platform's signing key (encrypted PKCS#8, mode 0600) and self-signed certificate,
    and prepare the cached report font."""
    console = Console()
    made = signing.keygen(force=force)
    mode = stat.S_IMODE(made.key.stat().st_mode)
    console.print(("created" if made.created else "kept the existing") + f" key {made.key} (mode {mode:o}, "
                  "encrypted with a key derived from XINYONG_SECRET_KEY)")
    console.print(f"certificate {made.certificate} — SHA-256 {signing.certificate_fingerprint()}; "
                  "published at /reports/certificate")
    from xinyong.kit.pdf import common_font
    console.print(f"report font {common_font(signing.font_cache_dir())}")


@app.command("certificate")
def certificate() -> None:
    """Print the platform certificate (PEM)."""
    typer.echo(signing.certificate_pem().decode("ascii"), nl=False)


@app.command("verify")
def verify(file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True)) -> None:
    """Check a report PDF: platform signature, and the hash stored when it was issued (logged)."""
    with session_scope() as session:
        result = service.verify_file(session, file.read_bytes(), client="cli")
        r = result.report
        typer.echo(f"{result.outcome}: {result.message_en}")
        typer.echo(f"signature valid: {result.signature_valid}; hash matches the issued report: {result.hash_matches}")
        if r is not None:
            typer.echo(f"{r.kind} report {r.number}, code {r.code}, issued {local_time(r.issued_at, '%Y-%m-%d')}, subject {r.subject_name_masked}")
    if result.outcome != "authentic":
        raise typer.Exit(1)
