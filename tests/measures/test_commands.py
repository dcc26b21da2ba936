"""`xinyong measures sync | publish | list` against the test database."""
from __future__ import annotations

from sqlalchemy import select
from typer.testing import CliRunner

from tests.support.builders import staff_user
from xinyong.measures.commands import app
from xinyong.models.measure import MeasureList


def test_sync_publish_and_list(session, today):
    today("2026-06-01")
    staff_user(session)
    session.commit()
    runner = CliRunner()
    out = runner.invoke(app, ["sync"])
    assert out.exit_code == 0 and "2 new draft version(s)" in out.output
    assert "0 new draft" in runner.invoke(app, ["sync"]).output
    out = runner.invoke(app, ["publish", "quanzhou-punishment", "--document-no", "泉信用办〔2026〕3号", "--by", "staff1"])
    assert out.exit_code == 0, out.output
    session.expire_all()
    status = dict(session.execute(select(MeasureList.code, MeasureList.status)).all())
    assert status == {"quanzhou-punishment": "published", "quanzhou-incentive": "draft"}
    listing = runner.invoke(app, ["list"]).output
    assert "泉信用办〔2026〕3号" in listing and "draft" in listing
    bad = runner.invoke(app, ["publish", "nope", "--document-no", "x", "--by", "staff1"])
    assert bad.exit_code != 0
