"""Per agency and month: decision -> receipt -> acknowledgement in working days and the share
within the 7-working-day rule, on both backends; shown on the data-quality dashboard."""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select, update

from tests.feed.support import ingest, world
from tests.upstream.support import InProcessUpstream
from xinyong.dashboards import service as dashboards
from xinyong.models.upstream import UpstreamSubmission as S
from xinyong.upstream import service
from xinyong.upstream.worker import run_pass

UTC = dt.timezone.utc


def _at(day: str, hour: int = 2) -> dt.datetime:     # 02:00 UTC is 10:00 China time, the same date
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def _set(session, sid, decided, received, acked):
    session.execute(update(S).where(S.id == sid).values(
        decision_date=dt.date.fromisoformat(decided), received_at=_at(received),
        acknowledged_at=_at(acked, 5) if acked else None, upstream_id="UP" if acked else None))


def test_timeliness_per_agency_and_month_counts_working_days(session, today):
    today("2026-11-23")
    regulator, _, _ = world(session)
    ingest(session, regulator, 6)
    session.commit()
    assert run_pass(InProcessUpstream(), dt.datetime.now(UTC)).acknowledged >= 4
    sids = list(session.scalars(select(S.id).where(S.action == "publish").order_by(S.id)))[:4]
    # decided Thu 24 Sep 2026 (holidays 25-27 Sep and 1-7 Oct, make-up Sat 10 Oct)
    _set(session, sids[0], "2026-09-24", "2026-09-28", "2026-10-12")   # 7th working day: within
    _set(session, sids[1], "2026-09-24", "2026-10-09", "2026-10-13")   # 8th: late
    _set(session, sids[2], "2026-09-24", "2026-09-24", None)           # not acknowledged: late
    _set(session, sids[3], "2026-10-20", "2026-10-21", "2026-10-22")   # October, within
    session.flush()
    policy, rows = service.timeliness(session, dt.date(2026, 11, 23))
    assert policy.working_days == 7
    by_month = {t.month: t for t in rows if t.agency_id == regulator.id}
    sep = by_month["2026-09"]
    assert (sep.records, sep.acknowledged, sep.within) == (3, 2, 1)
    assert sep.share_within == round(1 / 3, 4)
    # receipt spans 1 (9/28), 5 (10/9), 0; ack spans 28/9 -> 12/10 = 6, 9/10 -> 13/10 = 3 (Sat 10 Oct works)
    assert sep.averages()["avg_workdays_to_receipt"] == round((1 + 5 + 0) / 3, 1)
    assert sep.averages()["avg_workdays_to_ack"] == round((6 + 3) / 2, 1)
    assert sep.averages()["avg_hours_to_ack"] == round((14 * 24 + 3 + 4 * 24 + 3) / 2, 1)
    assert by_month["2026-10"].share_within == 1.0
    summary = dashboards.summary(session, dt.date(2026, 11, 23))
    shown = {(u.agency_id, u.month): u for u in summary.upstream.rows}
    assert shown[(regulator.id, "2026-09")].share_within == sep.share_within
    assert summary.upstream.working_days == 7


def test_the_dashboard_page_shows_the_upstream_table(client, session, today):
    from tests.feed.support import PW
    today("2026-11-23")
    regulator, _, _ = world(session)
    ingest(session, regulator, 3)
    session.commit()
    run_pass(InProcessUpstream(), dt.datetime.now(UTC))
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"username": "staff1", "password": PW, "csrf_token": csrf, "next": "/"})
    page = client.get("/dashboards")
    assert page.status_code == 200 and 'id="table-upstream"' in page.text
    assert "7 个工作日" in page.text and regulator.name in page.text.split('id="table-upstream"')[1]
    upstream_page = client.get("/staff/upstream")
    assert upstream_page.status_code == 200 and "未配置上级平台接口地址" in upstream_page.text
