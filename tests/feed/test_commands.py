"""`xinyong feed register` and `xinyong feed receivers` on both backends."""
from __future__ import annotations

from typer.testing import CliRunner

from tests.feed.support import ingest, world
from xinyong.cli import app


def test_register_and_list(session, db, today):
    today("2026-11-20")
    regulator, cs, _ = world(session)
    ingest(session, regulator, 4)
    session.commit()
    runner = CliRunner()
    r = runner.invoke(app, ["feed", "register", cs.uscc, "--backlog", "2"])
    assert r.exit_code == 0, r.output
    again = runner.invoke(app, ["feed", "register", cs.uscc])
    assert again.exit_code == 1 and "already_receiver" in again.output
    today("2026-11-30")
    listed = runner.invoke(app, ["feed", "receivers"])
    assert listed.exit_code == 0 and "2 unacknowledged" in listed.output and "2 overdue" in listed.output
