"""`xinyong audit verify | checkpoint | public-key | keygen` against real databases."""
from __future__ import annotations

from sqlalchemy import update
from typer.testing import CliRunner

from tests.audit.helpers import LOG, chain_rows, delete_entry, seed, sql
from xinyong.cli import app

runner = CliRunner()


def test_verify_exits_0_when_intact_and_1_naming_the_first_bad_entry(db, session):
    seed(session, 10)
    assert runner.invoke(app, ["audit", "checkpoint"]).exit_code == 0
    ok = runner.invoke(app, ["audit", "verify", "--chunk", "2"])
    assert ok.exit_code == 0, ok.output
    assert "intact: 10 entries in 4 chains, 1 checkpoints verified" in ok.output
    victim = chain_rows(db, 3)[1]
    sql(db, update(LOG).where(LOG.c.id == victim.id).values(target_id="elsewhere"))
    delete_entry(db, chain_rows(db, 1)[0].id)
    bad = runner.invoke(app, ["audit", "verify"])
    assert bad.exit_code == 1
    assert f"changed: chain 3, seq 2, entry id {victim.id}" in bad.output   # the first bad entry (chain 1 too)
    assert "missing: chain 1, seq 1" in bad.output or "missing: chain 1, seq 1" in bad.stderr


def test_checkpoint_and_key_commands(db, session):
    seed(session, 3)
    out = runner.invoke(app, ["audit", "checkpoint"])
    assert out.exit_code == 0 and "chain 0 at seq 1" in out.output
    key = runner.invoke(app, ["audit", "public-key"])
    assert key.exit_code == 0 and "key id" in key.output
    gen = runner.invoke(app, ["audit", "keygen"])
    assert gen.exit_code == 0 and gen.output.startswith("XINYONG_AUDIT_SIGNING_KEY=")
