"""The `xinyong` command, against real databases."""
from __future__ import annotations

import json

from typer.testing import CliRunner

from tests.support.builders import penalty_rows, to_csv, valid_agency_uscc
from xinyong.cli import app

runner = CliRunner()


def test_agency_add_then_ingest_prints_one_json_object(db, tmp_path):
    uscc = valid_agency_uscc(5)
    added = runner.invoke(app, ["agency", "add", "--uscc", uscc, "--name", "泉州市应急管理局"])
    assert added.exit_code == 0, added.output
    rows = penalty_rows(5, uscc)
    rows[0]["处罚决定日期"] = "2026/13/45"
    f = tmp_path / "penalties.csv"
    f.write_bytes(to_csv(rows, bom=True))
    out = runner.invoke(app, ["ingest", str(f), "--source", uscc, "--item", "penalty", "--json"])
    assert out.exit_code == 0, out.output
    body = json.loads(out.stdout)
    assert (body["accepted"], body["rejected"]) == (4, 1) and isinstance(body["batch"], int)


def test_ingest_from_an_unregistered_source_fails_clearly(db, tmp_path):
    f = tmp_path / "p.csv"
    f.write_bytes(to_csv(penalty_rows(1, "x")))
    out = runner.invoke(app, ["ingest", str(f), "--source", valid_agency_uscc(6), "--item", "penalty", "--json"])
    assert out.exit_code == 2
    assert json.loads(out.stdout)["error"]["code"] == "unknown_agency"


def test_agency_add_with_an_invalid_code_names_the_field(db):
    out = runner.invoke(app, ["agency", "add", "--uscc", "123", "--name", "x"])
    assert out.exit_code == 2 and "uscc" in out.output


def test_law_show_prints_rules_with_citations():
    out = runner.invoke(app, ["law", "show", "--on", "2026-06-01"], env={"COLUMNS": "250"})
    assert out.exit_code == 0, out.output
    assert "publicity.penalty" in out.output and "QZ art. 22" in out.output
    fz = runner.invoke(app, ["law", "show", "--profile", "fuzhou", "--on", "2026-06-01"], env={"COLUMNS": "250"})
    assert "FZ art. 11" in fz.output


def test_catalogue_list_prints_items_and_codes():
    out = runner.invoke(app, ["catalogue", "list"], env={"COLUMNS": "250"})
    assert out.exit_code == 0
    assert "penalty" in out.output and "行政处罚" in out.output and "licence" in out.output


def test_sweep_marks_closed_windows_as_of_the_clock(db, tmp_path, monkeypatch):
    uscc = valid_agency_uscc(5)
    runner.invoke(app, ["agency", "add", "--uscc", uscc, "--name", "某局"])
    f = tmp_path / "p.csv"
    f.write_bytes(to_csv(penalty_rows(3, uscc)))
    assert runner.invoke(app, ["ingest", str(f), "--source", uscc, "--item", "penalty"]).exit_code == 0
    monkeypatch.setenv("XINYONG_TODAY", "2026-12-01")
    assert "publication_ended: 0" in runner.invoke(app, ["sweep"]).output
    monkeypatch.setenv("XINYONG_TODAY", "2027-06-01")
    assert "publication_ended: 3" in runner.invoke(app, ["sweep"]).output
    assert "publication_ended: 0" in runner.invoke(app, ["sweep"]).output


def test_init_loads_the_catalogue_and_the_measure_lists_as_drafts(db):
    from sqlalchemy import select

    from xinyong.db import session_scope
    from xinyong.models.measure import MeasureList
    first = runner.invoke(app, ["init"], env={"COLUMNS": "250"})
    assert first.exit_code == 0, first.output
    with session_scope() as s:
        lists = s.scalars(select(MeasureList)).all()
    assert lists and {x.status for x in lists} == {"draft"}  # publishing stays a decision of staff
    assert f"'added': {len(lists)}" in first.output
    again = runner.invoke(app, ["init"], env={"COLUMNS": "250"})
    assert again.exit_code == 0 and f"'unchanged': {len(lists)}" in again.output


def test_ingest_prints_its_outcome_and_knows_every_step_the_ingest_reports(db, tmp_path, monkeypatch):
    """The progress bar follows the steps the ingest reports: a step it did not know stopped
    the command (found by hand after the subjects step was added)."""
    from xinyong.ingest import service
    seen = []
    real = service._step
    monkeypatch.setattr(service, "_step", lambda progress, name: (seen.append(name), real(progress, name)))
    uscc = valid_agency_uscc(7)
    assert runner.invoke(app, ["agency", "add", "--uscc", uscc, "--name", "泉州市应急管理局"]).exit_code == 0
    f = tmp_path / "penalties.csv"
    f.write_bytes(to_csv(penalty_rows(3, uscc), bom=True))
    out = runner.invoke(app, ["ingest", str(f), "--source", uscc, "--item", "penalty"])
    assert out.exit_code == 0, out.output
    assert "completed" in out.output
    assert seen and set(seen) <= set(service.STEPS)
    assert [s for s in service.STEPS if s in seen] == list(dict.fromkeys(seen))   # reported in order
