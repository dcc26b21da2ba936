"""`xinyong audit …`: verify the log, sign a checkpoint, manage the signing key."""
from __future__ import annotations

import base64

import typer
from rich.console import Console

audit_app = typer.Typer(help="the tamper-evident audit log", no_args_is_help=True)
console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)  # one problem per line, whatever the terminal width


@audit_app.command("verify")
def verify_command(chunk: int = typer.Option(5000, min=1, help="entries read per query")) -> None:
    """Recompute every hash and check every link, head and checkpoint. Exit 0 when intact,
    1 naming the first bad entry (chain, seq, id, what is wrong) when not."""
    from xinyong.audit.service import verify
    from xinyong.db import session_scope
    with session_scope() as session:
        report = verify(session, chunk=chunk)
    for chain in report.chains:
        state = "ok" if chain.ok else "BROKEN after that"
        console.print(f"chain {chain.chain}: {chain.entries} entries verified, head at seq {chain.head_seq}, {state}")
    if report.ok:
        console.print(report.summary())
        return
    err.print(f"[red]{report.summary()}[/red]")
    for problem in report.problems[1:]:
        err.print(f"  also: {problem.line()}")
    raise typer.Exit(1)


@audit_app.command("checkpoint")
def checkpoint_command() -> None:
    """Sign every chain head now with the platform's key."""
    from xinyong.audit.service import create_checkpoint
    from xinyong.db import session_scope
    with session_scope() as session:
        cp = create_checkpoint(session)
        console.print(f"checkpoint {cp.id} signed by key {cp.key_id}: "
                      + ", ".join(f"chain {c} at seq {seq}" for c, (seq, _) in cp.heads.items()))


@audit_app.command("public-key")
def public_key_command() -> None:
    """Print the current signing key's id and base64 public key (keep it in
    XINYONG_AUDIT_PUBLIC_KEYS after rotating to a new key, so old checkpoints still verify)."""
    from xinyong.audit import rules
    from xinyong.audit.service import signing_key
    from xinyong.config import get_settings
    public = signing_key().public_key()
    console.print(f"key id {rules.key_id(public)}")
    print(base64.b64encode(rules.raw_public(public)).decode("ascii"))
    if not get_settings().audit_signing_key:
        err.print("[yellow]warning[/yellow]: derived from XINYONG_SECRET_KEY (development only); "
                  "set XINYONG_AUDIT_SIGNING_KEY (`xinyong audit keygen`)")


@audit_app.command("keygen")
def keygen_command() -> None:
    """Generate a new Ed25519 signing key: the private key for XINYONG_AUDIT_SIGNING_KEY and
    its public key (printed once; store the private key as a secret)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    from xinyong.audit import rules
    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    public = key.public_key()
    print(f"XINYONG_AUDIT_SIGNING_KEY={base64.b64encode(raw).decode('ascii')}")
    print(f"# public key (key id {rules.key_id(public)}): {base64.b64encode(rules.raw_public(public)).decode('ascii')}")


@audit_app.command("sequence")
def sequence_command(force: bool = typer.Option(False, help="sign a fresh head even if no entry was added")) -> None:
    """Make every new audit entry a leaf of the public Merkle tree, sign a tree head, and copy
    it to the archive outside the database (XINYONG_TRANSPARENCY_ARCHIVE)."""
    from xinyong.transparency.archive import archive_dir
    from xinyong.transparency.worker import sequence_and_publish
    head = sequence_and_publish(force_head=force)
    if head is None:
        console.print("no tree head yet")
        return
    console.print(f"tree head: size {head.tree_size}, root {head.root_hash}, key {head.key_id[:16]}; "
                  f"published to {archive_dir()}")


@audit_app.command("export")
def export_command(output: str = typer.Argument("-", help="file to write (default: standard output)"),
                   chunk: int = typer.Option(5000, min=1)) -> None:
    """Write every leaf of the tree, in leaf order, one a line: each line is the entry's
    canonical JSON, exactly the bytes its leaf hash covers (for tools/verify_log.py audit-dump)."""
    import sys

    from xinyong.db import session_scope
    from xinyong.transparency.repository import iter_leaves
    from xinyong.transparency.rules import leaf_data
    out = sys.stdout.buffer if output == "-" else open(output, "wb")
    try:
        with session_scope() as session:
            for index, entry_id, entry in iter_leaves(session, chunk):
                if entry is None:
                    err.print(f"[yellow]leaf {index}: entry id {entry_id} is missing from the database[/yellow]")
                    continue
                out.write(leaf_data(entry.fields) + b"\n")
    finally:
        if out is not sys.stdout.buffer:
            out.close()
