"""Bulletins as the credit department publishes them: drafts are not public, a publication date
in the future waits, a withdrawal hides it; every change is versioned and audited."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tests.bulletins.support import PDF, VALUES, world
from xinyong.bulletins import repository, service
from xinyong.history import versions
from xinyong.kit.errors import Conflict, Forbidden, InvalidInput
from xinyong.models import AuditEntry


@pytest.fixture
def w(session, today):
    today("2026-06-01")
    return world(session)


def _public_ids(session, day: str) -> set[int]:
    return {b.id for b in repository.public_page(session, dt.date.fromisoformat(day), limit=100)}


def test_only_published_bulletins_whose_day_has_come_are_public(session, w):
    staff = w["principals"]["staff1"]
    now = service.create(session, staff, {**VALUES, "published_on": dt.date(2026, 6, 1)})
    later = service.create(session, staff, {**VALUES, "title": "下月施行的通知", "published_on": dt.date(2026, 7, 1)})
    draft = service.create(session, staff, {**VALUES, "title": "草稿", "published_on": dt.date(2026, 5, 1)})
    assert _public_ids(session, "2026-06-01") == set()
    service.publish(session, staff, now.id)
    service.publish(session, staff, later.id)
    assert _public_ids(session, "2026-06-01") == {now.id}
    assert _public_ids(session, "2026-07-01") == {now.id, later.id}
    service.withdraw(session, staff, now.id, "内容已过时")
    assert _public_ids(session, "2026-07-01") == {later.id}
    assert draft.id not in _public_ids(session, "2026-07-01")


def test_every_change_is_versioned_with_its_reason_and_audited(session, w):
    staff = w["principals"]["staff1"]
    b = service.create(session, staff, {**VALUES, "published_on": dt.date(2026, 6, 1)})
    service.update(session, staff, b.id, {"title": "关于开展信用修复集中服务的通知（修订）"}, "标题有误")
    service.publish(session, staff, b.id)
    service.withdraw(session, staff, b.id, "已被新通知替代")
    session.flush()
    history = versions(session, "bulletin", b.id)
    assert [h.change_reason for h in history] == ["标题有误", "publish", "withdraw"]
    assert history[0].snapshot["title"] == VALUES["title"] and history[1].snapshot["status"] == "draft"
    assert b.version == 4 and b.status == "withdrawn"
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.target_type == "bulletin",
                                                              AuditEntry.target_id == str(b.id))).all()
    assert actions == ["bulletin.created", "bulletin.edited", "bulletin.published", "bulletin.withdrawn"]


def test_refusals_name_the_field_and_only_staff_publish(session, w):
    staff, firm = w["principals"]["staff1"], w["principals"]["firm1"]
    with pytest.raises(Forbidden):
        service.create(session, firm, {**VALUES, "published_on": dt.date(2026, 6, 1)})
    for bad, field in (({"category": "gossip"}, "category"), ({"title": " "}, "title"),
                       ({"related_path": "https://evil.example/"}, "related_path"),
                       ({"related_path": "//evil.example/x"}, "related_path")):
        with pytest.raises(InvalidInput) as exc:
            service.create(session, staff, {**VALUES, **bad, "published_on": dt.date(2026, 6, 1)})
        assert exc.value.field == field
    b = service.create(session, staff, {**VALUES, "published_on": dt.date(2026, 6, 1)})
    with pytest.raises(Conflict):
        service.withdraw(session, staff, b.id, "未发布")
    with pytest.raises(InvalidInput):
        service.update(session, staff, b.id, {"title": "新标题"}, "")


def test_attachments_are_checked_by_content_and_counted(session, w):
    staff = w["principals"]["staff1"]
    b = service.create(session, staff, {**VALUES, "published_on": dt.date(2026, 6, 1)},
                       [service.Upload("通知附件.pdf", PDF)])
    assert [a.filename for a in repository.attachments(session, [b.id])[b.id]] == ["通知附件.pdf"]
    with pytest.raises(InvalidInput) as exc:
        service.add_attachments(session, staff, b.id, [service.Upload("page.pdf", b"<html><script>x</script>")])
    assert exc.value.code == "file_type"
    with pytest.raises(InvalidInput) as exc:
        service.add_attachments(session, staff, b.id, [service.Upload(f"{i}.pdf", PDF) for i in range(5)])
    assert exc.value.code == "too_many_files"
    service.remove_attachment(session, staff, b.id, repository.attachments(session, [b.id])[b.id][0].id)
    assert repository.attachments(session, [b.id])[b.id] == []
