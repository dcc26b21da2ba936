"""Sharing upward against a real HTTP fake upstream (tests/upstream/support.py) on both
backends: incremental submission, retries with back-off, idempotency, repair, correction and
withdrawal, list entries, reconciliation and resubmission, the worker job, CLI and staff page."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from tests.feed.support import ingest, world
from tests.upstream.support import fake_upstream
from xinyong.feed import hooks, sweep
from xinyong.models import Record
from xinyong.models.upstream import UpstreamSubmission
from xinyong.upstream import service
from xinyong.upstream.client import HttpUpstream, UpstreamError
from xinyong.upstream.worker import run_pass

NOW = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def upstream():
    with fake_upstream() as pair:
        yield pair


def _published(session, batch_id):
    return list(session.scalars(select(Record.id).where(Record.batch_id == batch_id,
                                                        Record.publicity_published.is_(True)).order_by(Record.id)))


def _subs(session):
    session.expire_all()
    return list(session.scalars(select(UpstreamSubmission).order_by(UpstreamSubmission.id)))


def test_incremental_submission_reaches_upstream_in_national_layout(session, today, upstream):
    state, up = upstream
    today("2026-11-23")
    regulator, _, _ = world(session)
    _, out = ingest(session, regulator, 5)
    session.commit()
    public = _published(session, out.batch_id)
    first = run_pass(up, NOW)
    assert first.queued == len(public) and first.acknowledged == len(public) and first.failed == 0
    assert set(state.held) == {f"record:{i}" for i in public}
    item = next(iter(state.received.values()))
    assert item["layout"] == "penalty" and item["data"]["行政处罚决定书文号"].startswith("泉市监罚")
    assert all(s.upstream_id and s.acknowledged_at for s in _subs(session))
    # nothing new: nothing sent; a second batch: only its records
    assert run_pass(up, NOW).sent == 0
    _, out2 = ingest(session, regulator, 3, seed=2, prefix="泉市监罚二")
    session.commit()
    second = run_pass(up, NOW)
    assert second.queued == len(_published(session, out2.batch_id)) == second.acknowledged
    assert len(state.received) == len(public) + second.acknowledged


def test_failures_back_off_exponentially_then_succeed(session, today, upstream, monkeypatch):
    state, up = upstream
    monkeypatch.setenv("XINYONG_UPSTREAM_BACKOFF_SECONDS", "10")
    monkeypatch.setenv("XINYONG_UPSTREAM_BACKOFF_MAX_SECONDS", "25")
    from xinyong.config import reset_settings
    reset_settings()
    today("2026-11-23")
    regulator, _, _ = world(session)
    ingest(session, regulator, 3)
    session.commit()
    state.fail_next = 3
    waits = []
    at = NOW
    for _ in range(3):
        report = run_pass(up, at)
        assert report.acknowledged == 0 and report.failed > 0 and "503" in report.errors[0]
        sub = _subs(session)[0]
        waits.append((sub.next_attempt_at - at).total_seconds())
        assert run_pass(up, at).sent == 0          # not before its time
        at = sub.next_attempt_at
    assert waits == [10, 20, 25]                   # doubling, capped
    final = run_pass(up, at)
    assert final.failed == 0 and final.acknowledged == len(_subs(session))
    assert all(s.attempts == 4 and s.last_error == "" for s in _subs(session))


def test_a_lost_answer_does_not_duplicate_at_upstream(session, today, upstream):
    state, up = upstream
    today("2026-11-23")
    regulator, _, _ = world(session)
    ingest(session, regulator, 4)
    session.commit()
    state.drop_answers = 1                         # the upstream stores, then the answer is lost
    lost = run_pass(up, NOW)
    assert lost.acknowledged == 0 and lost.failed == lost.sent > 0
    n = lost.sent
    later = _subs(session)[0].next_attempt_at
    again = run_pass(up, later)
    assert again.acknowledged == n
    assert state.posts == 2 * n and len(state.received) == n     # sent twice, held once


def test_repair_and_withdrawal_reach_upstream(session, today, upstream):
    state, up = upstream
    today("2026-11-23")
    regulator, _, _ = world(session)
    _, out = ingest(session, regulator, 5)
    session.commit()
    run_pass(up, NOW)
    public = _published(session, out.batch_id)
    repaired, ended = public[0], public[1]
    session.execute(update(Record).where(Record.id == repaired).values(status="repaired"))
    hooks.on_records_repaired(session, 0, [repaired], dt.date(2026, 11, 23))
    session.execute(update(Record).where(Record.id == ended).values(publicity_ended_on=dt.date(2026, 11, 23)))
    sweep.run_sweep(session, dt.date(2026, 11, 23))
    corrected = public[2]
    hooks.on_records_corrected(session, 0, [corrected], dt.date(2026, 11, 23))
    session.commit()
    report = run_pass(up, NOW)
    assert report.acknowledged == 3
    actions = {i["key"]: i["action"] for i in state.received.values() if i["action"] != "publish"}
    assert actions == {f"record:{repaired}": "repair", f"record:{ended}": "withdraw", f"record:{corrected}": "correct"}
    assert f"record:{repaired}" not in state.held and f"record:{ended}" not in state.held
    first = next(i for i in state.received.values() if i["key"] == f"record:{corrected}" and i["action"] == "publish")
    assert state.held[f"record:{corrected}"]["version"] > first["version"]   # the correction replaced it


def test_reconciliation_names_missing_and_withdrawn_then_nothing_after_resend(session, today, upstream):
    state, up = upstream
    today("2026-11-23")
    regulator, _, _ = world(session)
    _, out = ingest(session, regulator, 5)
    session.commit()
    run_pass(up, NOW)
    public = _published(session, out.batch_id)
    assert service.reconcile(session, up).clean
    lost = public[2]
    del state.held[f"record:{lost}"]              # the upstream lost one
    withdrawn = public[3]                           # and we withdrew one it still shows
    session.execute(update(Record).where(Record.id == withdrawn).values(status="withdrawn"))
    session.commit()
    found = service.reconcile(session, up, resend=True)
    assert found.missing == [lost] and found.held_withdrawn == [withdrawn] and found.resent == 2
    assert found.checked == len(public) - 1
    session.commit()
    assert run_pass(up, dt.datetime.now(dt.timezone.utc)).acknowledged == 2
    assert service.reconcile(session, up).clean


def test_http_upstream_reports_refusals_and_unreachable_hosts(upstream):
    state, up = upstream
    with pytest.raises(UpstreamError, match="401"):
        HttpUpstream(up.base_url, "wrong-token").holdings(["record:1"])
    closed = HttpUpstream("http://127.0.0.1:9", timeout=0.5)
    with pytest.raises(UpstreamError):
        closed.holdings(["record:1"])
    assert up.holdings([]) == {} and up.holdings(["record:1"]) == {}


def _configure(monkeypatch, up):
    from xinyong.config import reset_settings
    monkeypatch.setenv("XINYONG_UPSTREAM_URL", up.base_url)
    monkeypatch.setenv("XINYONG_UPSTREAM_TOKEN", up.token)
    reset_settings()


def test_the_worker_job_and_the_cli_use_the_configured_upstream(session, db, today, upstream, monkeypatch):
    from typer.testing import CliRunner

    from xinyong.cli import app
    from xinyong.worker import runner
    from xinyong.worker.service import enqueue
    state, up = upstream
    today("2026-11-23")
    regulator, _, _ = world(session)
    _, out = ingest(session, regulator, 4)
    session.commit()
    assert runner.Worker(db).run_one()   # the job the ingest left queued: its new subjects' names
    cli = CliRunner()
    off = cli.invoke(app, ["upstream", "run"])
    assert off.exit_code == 2 and "XINYONG_UPSTREAM_URL" in off.output
    _configure(monkeypatch, up)
    enqueue(session, "upstream")
    session.commit()
    assert runner.Worker(db).run_one()
    assert set(state.held) == {f"record:{i}" for i in _published(session, out.batch_id)}
    clean = cli.invoke(app, ["upstream", "reconcile"])
    assert clean.exit_code == 0 and "missing upstream: 0" in clean.output, clean.output
    lost = sorted(state.held)[0]
    del state.held[lost]
    gap = cli.invoke(app, ["upstream", "reconcile", "--resend"])
    assert gap.exit_code == 1 and f"records {lost.split(':')[1]}" in gap.output and "resends queued: 1" in gap.output
    assert cli.invoke(app, ["upstream", "run"]).exit_code == 0
    assert lost in state.held


def test_the_staff_page_lists_what_the_upstream_lacks(client, session, today, upstream, monkeypatch):
    import re

    from tests.feed.support import PW
    state, up = upstream
    today("2026-11-23")
    regulator, _, _ = world(session)
    _, out = ingest(session, regulator, 4)
    session.commit()
    run_pass(up, dt.datetime.now(dt.timezone.utc))
    lost = _published(session, out.batch_id)[1]
    del state.held[f"record:{lost}"]
    _configure(monkeypatch, up)
    assert client.get("/staff/upstream", follow_redirects=False).status_code in (302, 303, 401, 403)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"username": "staff1", "password": PW, "csrf_token": csrf, "next": "/"})
    page = client.get("/staff/upstream?check=1")
    assert page.status_code == 200
    missing = page.text.split('id="recon-missing"')[1].split("</ul>")[0]
    assert f"record:{lost}" in missing and missing.count("<li>") == 1
    english = client.get("/staff/upstream?check=1&lang=en")
    assert "In public view, not held upstream" in english.text
    state.fail_next = 5
    down = client.get("/staff/upstream?check=1")
    assert down.status_code == 200 and 'id="upstream-error"' in down.text and "503" in down.text


def test_list_entries_and_their_removal_reach_upstream(session, today, upstream):
    from xinyong.feed.service import emit
    state, up = upstream
    today("2026-11-23")
    emit(session, "listed", [{"subject_id": 7, "details": {"entry_id": 41, "kind": "black", "category": "tax"}}])
    session.commit()
    assert run_pass(up, NOW).acknowledged == 1
    assert "list:41" in state.held
    sent = next(i for i in state.received.values() if i["key"] == "list:41")
    assert sent["layout"] == "list" and sent["action"] == "list" and sent["data"]["category"] == "tax"
    emit(session, "delisted", [{"subject_id": 7, "details": {"entry_id": 41, "reason": "period_ended"}}])
    session.commit()
    assert run_pass(up, NOW).acknowledged == 1
    assert "list:41" not in state.held
