"""`xinyong reports keygen | certificate | verify FILE`: the platform's report-signing key and
certificate, and an offline check of a report PDF."""
from __future__ import annotations

import stat
from pathlib import Path

import typer
from rich.console import Console

from xinyong.db import session_scope
from xinyong.kit.web import local_time
from xinyong.reports import service, signing, sm2seal

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
    if sm2seal.enabled() and sm2seal.SealSettings().sm2_signer == "local":
        sm2_key, created = sm2seal.keygen(force=force)
        console.print(("created" if created else "kept the existing") + f" SM2 seal key {sm2_key} (mode "
                      f"{stat.S_IMODE(sm2_key.stat().st_mode):o}, encrypted); public key SHA-256 "
                      f"{sm2seal.public_fingerprint()} published at /reports/certificate-sm2, its X.509 "
                      "certificate at /reports/certificate-sm2/x509, the GB/T 38540 seal at /reports/eseal")
    from xinyong.kit.pdf import common_font, font_cache_dir
    console.print(f"report font {common_font(font_cache_dir())}")


@app.command("certificate")
def certificate(sm2: bool = typer.Option(False, "--sm2", help="the SM2 seal public key instead"),
                sm2_x509: bool = typer.Option(False, "--sm2-x509", help="the SM2 seal key's X.509 certificate")) -> None:
    """Print the platform certificate (PEM), with --sm2 the SM2 seal public key, with --sm2-x509
    the SM2 seal key's X.509 certificate."""
    if sm2_x509:
        cert = sm2seal.certificate_pem()
        if cert is None:
            typer.echo("the SM2 signer gives no certificate: set XINYONG_SM2_CERTIFICATE", err=True)
            raise typer.Exit(1)
        typer.echo(cert.decode("ascii"), nl=False)
        return
    typer.echo((sm2seal.public_pem() if sm2 else signing.certificate_pem()).decode("ascii"), nl=False)


@app.command("verify")
def verify(file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
           sm2: Path | None = typer.Option(None, "--sm2", exists=True, dir_okay=False, readable=True,
                                           help="the report's detached SM2 signature (.sm2) or its GB/T 38540 sealed signature (.ses)")) -> None:
    """Check a report PDF: platform signature(s), and the hash stored when it was issued (logged)."""
    with session_scope() as session:
        seal = sm2.read_bytes()[:service.MAX_SM2_BYTES + 1] if sm2 is not None else b""
        result = service.verify_file(session, file.read_bytes(), client="cli", sm2_signature=seal)
        r = result.report
        typer.echo(f"{result.outcome}: {result.message_en}")
        typer.echo(f"signature valid: {result.signature_valid}; hash matches the issued report: {result.hash_matches}")
        if result.sm2_valid is not None:
            typer.echo(f"SM2 seal valid: {result.sm2_valid}")
        if result.seal is not None:
            typer.echo(f"GB/T 38540 seal: {result.seal.seal_name} ({result.seal.es_id}), sealed at "
                       f"{local_time(result.seal.signed_at, '%Y-%m-%d %H:%M:%S')}")
        if r is not None:
            typer.echo(f"{r.kind} report {r.number}, code {r.code}, issued {local_time(r.issued_at, '%Y-%m-%d')}, subject {r.subject_name_masked}")
    if result.outcome != "authentic" or result.sm2_valid is False:
        raise typer.Exit(1)
