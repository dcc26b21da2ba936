"""`xinyong repair eligibility CODE` and `xinyong repair list` on the repair world."""
from __future__ import annotations

from typer.testing import CliRunner

from tests.repair.conftest import ELIGIBLE, TOO_EARLY
from xinyong.cli import app

runner = CliRunner()


def test_eligibility_and_list_commands(world):
    out = runner.invoke(app, ["repair", "eligibility", world.uscc], env={"COLUMNS": "400"})
    assert out.exit_code == 0, out.output
    lines = {line.split("│")[1].strip(): line for line in out.output.splitlines() if line.count("│") > 5}
    assert "minimum_period" in lines[TOO_EARLY] and "2026-11-03" in lines[TOO_EARLY]
    assert "│ yes" in lines[ELIGIBLE]
    out = runner.invoke(app, ["repair", "eligibility", "91350500MA00000000"], env={"COLUMNS": "400"})
    assert out.exit_code != 0
    out = runner.invoke(app, ["repair", "list"], env={"COLUMNS": "400"})
    assert out.exit_code == 0 and "repair applications" in out.output
