"""Issue 12's "done when", as a new user would try it on a fresh demo (SQLite, the demo's
database): take a published head; with nothing but sqlite3 and the standard library, change
one audit row, recompute every hash after it in its chain and delete the checkpoints; the
standalone verifier, run as its own process against the head taken before, names the first
bad entry. And a downloaded credit report's inclusion is checked by the standalone verifier
alone."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import sqlite3

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from tests.transparency.standalone import run
from xinyong.accounts.tokens import issue_token
from xinyong.cli import app
from xinyong.db import session_scope
from xinyong.demo import run_demo
from xinyong.models import User
from xinyong.models.report import IssuedReport as Report
from xinyong.transparency import archive

TODAY = dt.date(2026, 11, 23)


def _canonical(body: dict) -> str:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _rewrite_with_sqlite3(path: str, dump: list[dict], victim: int) -> None:
    """What someone with the database file does: the victim's actor changed, then every later
    entry of its chain re-linked and re-hashed (the algorithm is public), the chain head moved,
    every checkpoint deleted. Only sqlite3, json and hashlib."""
    chain, seq = dump[victim]["chain"], dump[victim]["seq"]
    later = sorted((e for e in dump if e["chain"] == chain and e["seq"] >= seq), key=lambda e: e["seq"])
    con = sqlite3.connect(path)
    with con:
        prev = later[0]["prev_hash"]
        for n, entry in enumerate(later):
            body = {**entry, "prev_hash": prev, **({"actor": "mallory"} if n == 0 else {})}
            digest = hashlib.sha256(_canonical(body).encode("utf-8")).hexdigest()
            con.execute("UPDATE audit_log SET actor = ?, prev_hash = ?, hash = ? WHERE chain = ? AND seq = ?",
                        (body["actor"], prev, digest, chain, body["seq"]))
            prev = digest
        con.execute("UPDATE audit_heads SET hash = ? WHERE chain = ?", (prev, chain))
        con.execute("DELETE FROM audit_checkpoints")
    con.close()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)   # the issue's scenario: the demo's SQLite file
def test_a_fresh_demo_a_head_taken_before_and_a_rewrite_by_sqlite3(db, client, today, tmp_path):
    today(TODAY.isoformat())
    run_demo(subjects=30, seed=7)
    runner = CliRunner()
    taken = tmp_path / "taken"                       # the new user's copy of what was published
    shutil.copytree(archive.archive_dir(), taken)
    head, keys = taken / "sth" / "latest.json", taken / "keys.json"
    assert run("sth", head, "--keys", keys).returncode == 0

    # a downloaded credit report, checked by the standalone verifier alone
    with session_scope() as s:
        user = s.scalar(select(User).where(User.username == "firm-demo"))
        report = s.scalar(select(Report).where(Report.requester_user_id == user.id).order_by(Report.id.desc()).limit(1))
        report_id, code, token = report.id, report.code, issue_token(s, "firm-demo")
    pdf = tmp_path / "report.pdf"
    got = client.get(f"/api/v1/reports/{report_id}/pdf", headers={"Authorization": f"Bearer {token}"})
    assert got.status_code == 200
    pdf.write_bytes(got.content)
    bundle = tmp_path / "report-proof.json"
    bundle.write_text(client.get(f"/api/v1/transparency/reports/{code}").text)
    done = run("report", pdf, "--proof", bundle, "--keys", keys)
    assert done.returncode == 0 and hashlib.sha256(got.content).hexdigest() in done.stdout, done.stderr
    assert 'data-status="included"' in client.get(f"/verify/{code}").text

    # the rewrite, then the dump a court would be handed, checked against the head taken before
    before = tmp_path / "before.jsonl"
    assert runner.invoke(app, ["audit", "export", str(before)]).exit_code == 0
    dump = [json.loads(line) for line in before.read_text(encoding="utf-8").splitlines()]
    victim = len(dump) // 2
    while not any(e["chain"] == dump[victim]["chain"] and e["seq"] > dump[victim]["seq"] for e in dump):
        victim -= 1                                  # an entry with later ones in its chain to re-hash
    _rewrite_with_sqlite3(db.url.database, dump, victim)
    shutil.rmtree(archive.archive_dir())
    after = tmp_path / "after.jsonl"
    assert runner.invoke(app, ["audit", "export", str(after)]).exit_code == 0
    changed = [i for i, (a, b) in enumerate(zip(before.read_text().splitlines(), after.read_text().splitlines()))
               if a != b]
    assert changed[0] == victim and len(changed) > 1   # the victim and the re-hashed later entries
    found = run("audit-dump", after, "--archive", taken, "--keys", keys, "--sth", head)
    assert found.returncode == 1, found.stdout + found.stderr
    assert f"FIRST BAD ENTRY: leaf {victim} " in found.stderr and "actor 'mallory'" in found.stderr, found.stderr
    assert f"seq {dump[victim]['seq']}" in found.stderr
