"""`xinyong ingest --idempotency-key` (issue 16 points 4 and 5), on both backends: a command
killed after its commit is run again with the same key and prints the first batch instead of
making a second one; the same key with another file is refused."""
from __future__ import annotations

import json

from sqlalchemy import func, select
from typer.testing import CliRunner

from tests.support.builders import penalty_rows, to_csv, valid_agency_uscc
from xinyong.cli import app
from xinyong.db import session_scope
from xinyong.models import Batch, Record

runner = CliRunner()


def _ingest(path, uscc: str, key: str):
    return runner.invoke(app, ["ingest", str(path), "--source", uscc, "--item", "penalty", "--json",
                               "--idempotency-key", key])


def test_the_same_key_prints_the_first_batch_and_makes_no_second(db, tmp_path):
    uscc = valid_agency_uscc(5)
    assert runner.invoke(app, ["agency", "add", "--uscc", uscc, "--name", "泉州市应急管理局"]).exit_code == 0
    f = tmp_path / "penalties.csv"
    f.write_bytes(to_csv(penalty_rows(4, uscc)))
    first, again = _ingest(f, uscc, "cli-0001"), _ingest(f, uscc, "cli-0001")
    assert first.exit_code == again.exit_code == 0, again.output
    a, b = json.loads(first.stdout), json.loads(again.stdout)
    assert (a.pop("replayed"), b.pop("replayed")) == (False, True)
    assert a == b and a["accepted"] == 4
    with session_scope(db) as session:
        assert session.scalar(select(func.count()).select_from(Batch)) == 1
        assert session.scalar(select(func.count()).select_from(Record)) == 4


def test_the_same_key_with_another_file_is_refused(db, tmp_path):
    uscc = valid_agency_uscc(5)
    assert runner.invoke(app, ["agency", "add", "--uscc", uscc, "--name", "泉州市应急管理局"]).exit_code == 0
    f, g = tmp_path / "a.csv", tmp_path / "b.csv"
    f.write_bytes(to_csv(penalty_rows(2, uscc)))
    g.write_bytes(to_csv(penalty_rows(3, uscc, seed=2)))
    assert _ingest(f, uscc, "cli-0002").exit_code == 0
    other = _ingest(g, uscc, "cli-0002")
    assert other.exit_code == 2 and json.loads(other.stdout)["error"]["code"] == "idempotency_key_reused"
    with session_scope(db) as session:
        assert session.scalar(select(func.count()).select_from(Batch)) == 1
