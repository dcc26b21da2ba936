"""Commitment and measure pages through the real app (forms with CSRF): the agency records a
commitment and a breach, the public page shows it, accept-first lists its reasons; staff
publish a draft list on /admin/measures with a document number."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.measures.helpers import setup, subject_with_record
from xinyong.measures import service as measures
from xinyong.models.measure import MeasureList

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _login(client, username, password):
    token = CSRF.search(client.get("/login").text).group(1)
    r = client.post("/login", data={"username": username, "password": password, "csrf_token": token, "next": "/"},
                    follow_redirects=False)
    assert r.status_code == 303


def _csrf(client, path):
    page = client.get(path)
    assert page.status_code == 200, page.text
    return CSRF.search(page.text).group(1)


@pytest.fixture
def seeded(session, today, client):
    today("2026-06-01")
    ag, agent, staff = setup(session)
    subject, _ = subject_with_record(session, ag, "轻微")
    session.commit()
    return client, subject


def test_agency_records_a_commitment_and_its_breach_and_the_public_sees_it(seeded):
    client, subject = seeded
    _login(client, "agency1", "agency-pass-123")
    token = _csrf(client, "/agency/commitments")
    r = client.post("/agency/commitments", data={
        "csrf_token": token, "subject": subject.uscc, "type": "incomplete_materials", "commitment_no": "RQ-1",
        "matter": "食品经营许可", "text": "限期补齐材料", "deadline": "2026-06-30"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    cid = int(r.headers["location"].split("=")[1])
    accept = client.post("/agency/accept-first", data={"csrf_token": token, "subject": subject.uscc})
    assert accept.status_code == 200 and "可以先行受理" in accept.text and "《泉州市社会信用条例》第二十五条" in accept.text
    refused = client.post(f"/agency/commitments/{cid}/breach", data={"csrf_token": token,
                                                                    "facts": "逾期未补齐，法定代表人王某月收入三万元"})
    assert refused.status_code == 422 and "收入" in refused.text    # the breach record goes back for review...
    assert re.search(rf'id="facts-{cid}"[^>]*value="逾期未补齐，法定代表人王某月收入三万元"', refused.text)  # ...its facts kept
    r = client.post(f"/agency/commitments/{cid}/breach", data={"csrf_token": token, "facts": "逾期未补齐"},
                    follow_redirects=False)
    assert r.status_code == 303
    page = client.get("/agency/commitments").text
    assert "违诺" in page and "失信记录" in page
    accept = client.post("/agency/accept-first", data={"csrf_token": token, "subject": subject.uscc})
    assert "不予先行受理" in accept.text and "违诺" in accept.text
    public = client.get("/commitments")
    assert public.status_code == 200 and "RQ-1" in public.text
    bad = client.post("/agency/commitments", data={
        "csrf_token": token, "subject": "nobody", "type": "repair", "commitment_no": "RQ-2", "matter": "m", "text": "t"})
    assert bad.status_code == 422 and "未找到该主体" in bad.text


def test_staff_publish_a_draft_on_the_admin_page(seeded, session):
    client, _ = seeded
    measures.sync(session, None)
    session.commit()
    draft = session.scalar(select(MeasureList).where(MeasureList.code == "quanzhou-punishment"))
    _login(client, "staff1", "staff-pass-123")
    token = _csrf(client, "/admin/measures")
    empty = client.post(f"/admin/measures/{draft.id}/publish", data={"csrf_token": token, "document_no": ""})
    assert empty.status_code == 422 and "请填写发布文号" in empty.text
    assert "QZ-P-01" not in client.get("/measures").text        # a draft is not on the portal
    r = client.post(f"/admin/measures/{draft.id}/publish", data={"csrf_token": token, "document_no": "泉信用办〔2026〕8号"},
                    follow_redirects=False)
    assert r.status_code == 303
    public = client.get("/measures").text
    assert "QZ-P-01" in public and "泉信用办〔2026〕8号" in public
