"""The standalone verifier, run as a journalist, a court or a subject would: given only the
published heads, keys and proofs (files or URLs), without the platform's code. The issue's
"done when": a head taken before; one audit row changed and every hash after it recomputed,
the checkpoints deleted; the verifier names the first bad entry."""
from __future__ import annotations

import json
import shutil

from typer.testing import CliRunner

from tests.audit.helpers import seed
from tests.transparency import attacks
from tests.transparency.standalone import run
from xinyong.cli import app
from xinyong.transparency import archive
from xinyong.transparency.worker import sequence_and_publish

runner = CliRunner()


def _dump(tmp_path, name="dump.jsonl"):
    path = tmp_path / name
    out = runner.invoke(app, ["audit", "export", str(path)])
    assert out.exit_code == 0, out.output
    return path


def test_a_head_taken_before_names_the_first_bad_entry_after_a_recomputed_rewrite(db, session, tmp_path):
    made = seed(session, 12)
    sequence_and_publish()
    taken = tmp_path / "taken"          # what a journalist copied: the published archive
    shutil.copytree(archive.archive_dir(), taken)
    keys = taken / "keys.json"
    assert run("audit-dump", _dump(tmp_path, "before.jsonl"), "--archive", taken, "--keys", keys).returncode == 0
    victim = made[7]
    attacks.change_actor(db, victim.id)           # every later hash of its chain recomputed, checkpoints gone
    shutil.rmtree(archive.archive_dir())          # and the platform's own archive wiped
    done = run("audit-dump", _dump(tmp_path), "--archive", taken, "--keys", keys,
               "--sth", taken / "sth" / "latest.json")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FIRST BAD ENTRY: leaf 7" in done.stderr and f"seq {victim.seq}" in done.stderr, done.stderr
    assert "actor 'mallory'" in done.stderr


def test_a_deleted_entry_is_named_by_the_standalone_verifier(db, session, tmp_path):
    made = seed(session, 9)
    sequence_and_publish()
    attacks.delete_and_renumber(db, made[2].id)
    done = run("audit-dump", _dump(tmp_path), "--archive", archive.archive_dir(),
               "--keys", archive.archive_dir() / "keys.json")
    assert done.returncode == 1 and "FIRST BAD ENTRY: leaf 2" in done.stderr, done.stderr


def test_heads_inclusion_and_consistency_from_files(db, session, client, tmp_path):
    seed(session, 5)
    first = sequence_and_publish()
    seed(session, 8)
    second = sequence_and_publish()
    keys = archive.archive_dir() / "keys.json"
    old, new = archive.archive_dir() / "sth" / "5.json", archive.archive_dir() / "sth" / "latest.json"
    ok = run("sth", new, "--keys", keys)
    assert ok.returncode == 0 and f"size {second.tree_size}" in ok.stdout
    proof = tmp_path / "inclusion.json"
    proof.write_text(client.get("/api/v1/transparency/proof/inclusion",
                                params={"leaf_index": 3, "tree_size": 13}).text)
    assert run("inclusion", "--sth", new, "--proof", proof, "--keys", keys).returncode == 0
    wrong = json.loads(proof.read_text())
    wrong["leaf_index"] = 4
    proof.write_text(json.dumps(wrong))
    assert run("inclusion", "--sth", new, "--proof", proof, "--keys", keys).returncode == 1
    cons = tmp_path / "consistency.json"
    cons.write_text(client.get("/api/v1/transparency/proof/consistency", params={"first": 5, "second": 13}).text)
    assert run("consistency", "--old", old, "--new", new, "--proof", cons, "--keys", keys).returncode == 0
    forged = json.loads(old.read_text())
    forged["root_hash"] = "ab" * 32   # a head the platform never signed
    fake = tmp_path / "fake.json"
    fake.write_text(json.dumps(forged))
    bad = run("sth", fake, "--keys", keys)
    assert bad.returncode == 1 and "signature does not verify" in bad.stderr
    assert first.tree_size == 5
