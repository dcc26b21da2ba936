"""The demo's bulletins: made through the service as staff, published, on the public pages with
their attachment, and loaded once however often the demo runs."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from sqlalchemy import func, select

from xinyong.accounts.service import create_user
from xinyong.demo import bulletins as demo
from xinyong.models.bulletin import Bulletin, BulletinAttachment


def test_the_demo_publishes_real_looking_notices_once(client, session, today):
    today("2026-06-01")
    create_user(session, username="staff", password="demo-staff-pass-1", role="staff")
    session.commit()
    ctx = SimpleNamespace(today=dt.date(2026, 6, 1))
    lines = demo.load(session, ctx)
    session.commit()
    assert any("/notices" in line for line in lines)
    assert demo.load(session, ctx) == ["Bulletins: already loaded; public at /notices and /policies"]
    rows = session.scalars(select(Bulletin)).all()
    assert {b.category for b in rows} == {"notice", "policy"} and all(b.status == "published" for b in rows)
    assert session.scalar(select(func.count()).select_from(BulletinAttachment)) == 1
    notices, policies = client.get("/notices").text, client.get("/policies").text
    assert "信用修复集中服务月活动的通知" in notices and "《泉州市社会信用条例》" in policies
    home = client.get("/").text
    assert "信用修复集中服务月活动的通知" in home and "联合奖惩措施清单" in home
    regulation = next(b for b in rows if b.related_path and b.related_path.startswith("/policies/regulations/"))
    assert client.get(regulation.related_path).status_code == 200
