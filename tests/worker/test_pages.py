"""/staff/worker: staff see each schedule's last and next run and its failures, and the failed
jobs with their error; other roles are refused."""
from __future__ import annotations

from tests.support.builders import agency, agency_user, staff_user
from tests.web.test_pages import login
from xinyong.config import reset_settings
from xinyong.db import session_scope
from xinyong.worker import runner, service


def test_staff_see_schedules_and_failed_jobs(client, session, db, monkeypatch):
    monkeypatch.setenv("XINYONG_WORKER_SCHEDULES", "feed.deadlines=every 1h,transparency=off")
    monkeypatch.setenv("XINYONG_WORKER_MAX_ATTEMPTS", "1")
    reset_settings()

    def broken(payload):
        raise RuntimeError("receiver table locked")

    runner.register("feed.deadlines", broken)
    try:
        assert runner.Worker(db).run_pending() == 1
    finally:
        runner._extra.pop("feed.deadlines")
    with session_scope(db) as s:
        service.enqueue(s, "sweep")
    staff_user(session)
    a = agency(session)
    agency_user(session, a.uscc)
    session.commit()
    login(client, "staff1", "staff-pass-123")
    page = client.get("/staff/worker")
    assert page.status_code == 200, page.text
    assert "订阅确认期限" in page.text and "每 3600 秒" in page.text and "已关闭" in page.text
    assert "receiver table locked" in page.text and "失败" in page.text
    # every schedule by its words (upstream and peers.sync are listed, off), never by a message key
    assert "worker.kind." not in page.text and "同步互认城市的惩戒名单" in page.text
    assert "<code" not in page.text.split("<main", 1)[-1]   # a kind with words is not followed by its code
    failed = client.get("/staff/worker?status=failed")
    assert "receiver table locked" in failed.text and "排队中</span>" not in failed.text
    assert client.get("/lang/en").status_code in (200, 303)
    english = client.get("/staff/worker")
    assert "Feed acknowledgement deadlines" in english.text and "failed" in english.text
    client.cookies.clear()
    login(client, "agency1", "agency-pass-123")
    assert client.get("/staff/worker").status_code == 403


def test_every_job_kind_has_words_in_both_languages():
    """The page names each schedule and job by its words (zh and en), its kind only beside them."""
    from xinyong.registry import JOBS
    from xinyong.web.i18n import messages
    missing = [kind for kind in JOBS if f"worker.kind.{kind}" not in messages()]
    assert missing == []
