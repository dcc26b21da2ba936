"""Bulletins through the pages and the API: staff create with an attachment, publish, withdraw;
the public reads the list, the paragraphs (typed markup shown as text) and downloads the
attachment as a file; nobody else reaches the desk."""
from __future__ import annotations

import re

import pytest

from tests.bulletins.support import PDF, VALUES, page_login, world
from tests.support.web import bearer


@pytest.fixture
def w(session, today):
    today("2026-06-01")
    return world(session)


def _create(client, csrf, **extra):
    data = {**VALUES, "published_on": "2026-06-01", "csrf_token": csrf, **extra}
    return client.post("/staff/bulletins", data=data, files=[("attachments", ("通知附件.pdf", PDF, "application/pdf"))],
                       follow_redirects=False)


def test_staff_publish_a_notice_that_the_public_reads_with_its_attachment(client, w):
    csrf = page_login(client, "staff1")
    created = _create(client, csrf, body="第一段<script>alert(1)</script>\n\n第二段")
    assert created.status_code == 303
    desk = created.headers["location"]
    bulletin_id = int(re.search(r"/staff/bulletins/(\d+)", desk).group(1))
    client.cookies.clear()
    assert client.get(f"/bulletins/{bulletin_id}").status_code == 404          # a draft is not public
    csrf = page_login(client, "staff1")
    assert client.post(f"/staff/bulletins/{bulletin_id}/publish", data={"csrf_token": csrf},
                       follow_redirects=False).status_code == 303
    client.cookies.clear()
    listing = client.get("/notices")
    assert listing.status_code == 200 and VALUES["title"] in listing.text
    home = client.get("/").text
    assert f'href="/bulletins/{bulletin_id}"' in home
    page = client.get(f"/bulletins/{bulletin_id}").text
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count('class="bulletin-text"') == 2 and VALUES["document_no"] in page
    link = re.search(r'href="(/bulletins/\d+/attachments/\d+)"', page).group(1)
    file = client.get(link)
    assert file.status_code == 200 and file.content == PDF and file.headers["content-type"] == "application/pdf"
    assert file.headers["content-disposition"].startswith("attachment;")
    assert file.headers["x-content-type-options"] == "nosniff"


def test_a_wrong_file_is_refused_on_the_form_and_nothing_is_saved(client, w):
    csrf = page_login(client, "staff1")
    refused = client.post("/staff/bulletins", data={**VALUES, "published_on": "2026-06-01", "csrf_token": csrf},
                          files=[("attachments", ("x.pdf", b"<html></html>", "application/pdf"))])
    assert refused.status_code == 422 and "只接受" in refused.text and VALUES["title"] in refused.text
    assert re.search(r"每个不超过 \d+ [KMG]iB。", refused.text)   # sizes read as on every other form ("5 MiB")
    assert VALUES["title"] not in client.get("/staff/bulletins").text.split("new-title")[0]
    assert client.get("/staff/bulletins", params={"status": ""}).status_code == 200      # the filter's "all"


def test_withdrawal_hides_it_and_the_history_is_shown(client, w):
    csrf = page_login(client, "staff1")
    bulletin_id = int(re.search(r"(\d+)", _create(client, csrf).headers["location"]).group(1))
    client.post(f"/staff/bulletins/{bulletin_id}/publish", data={"csrf_token": csrf})
    edited = client.post(f"/staff/bulletins/{bulletin_id}", data={**VALUES, "title": "更正后的通知",
                                                                   "published_on": "2026-06-01", "reason": "标题更正",
                                                                   "csrf_token": csrf}, follow_redirects=True)
    assert "标题更正" in edited.text and "更正后的通知" in edited.text
    client.post(f"/staff/bulletins/{bulletin_id}/withdraw", data={"reason": "已废止", "csrf_token": csrf})
    client.cookies.clear()
    assert client.get(f"/bulletins/{bulletin_id}").status_code == 404
    assert "更正后的通知" not in client.get("/notices").text


def test_a_refused_edit_keeps_what_was_sent(client, w):
    csrf = page_login(client, "staff1")
    bulletin_id = int(re.search(r"(\d+)", _create(client, csrf).headers["location"]).group(1))
    refused = client.post(f"/staff/bulletins/{bulletin_id}", data={**VALUES, "title": "改过的标题",
                                                                   "published_on": "2026-06-01", "reason": " ",
                                                                   "csrf_token": csrf})
    assert refused.status_code == 422 and 'value="改过的标题"' in refused.text   # not the stored title


def test_only_the_credit_department_reaches_the_desk(client, w):
    page_login(client, "firm1")
    assert client.get("/staff/bulletins").status_code == 403
    client.cookies.clear()
    assert client.get("/staff/bulletins", follow_redirects=False).status_code == 303   # to sign-in


def test_the_api_creates_publishes_and_lists(client, w):
    staff, firm = bearer(w["tokens"]["staff1"]), bearer(w["tokens"]["firm1"])
    body = {**VALUES, "category": "policy", "published_on": "2026-05-20"}
    assert client.post("/api/v1/bulletins", json=body, headers=firm).status_code == 403
    created = client.post("/api/v1/bulletins", json=body, headers=staff)
    assert created.status_code == 201 and created.json()["status"] == "draft"
    bid = created.json()["id"]
    assert client.get(f"/api/v1/bulletins/{bid}").status_code == 404
    attached = client.post(f"/api/v1/bulletins/{bid}/attachments", headers=staff,
                           files=[("files", ("规定.pdf", PDF, "application/pdf"))])
    assert attached.status_code == 201 and attached.json()["attachments"][0]["filename"] == "规定.pdf"
    assert client.post(f"/api/v1/bulletins/{bid}/publish", headers=staff).json()["status"] == "published"
    patched = client.post(f"/api/v1/bulletins/{bid}", json={"title": "新的标题", "reason": "更正"}, headers=staff)
    assert patched.json()["version"] == 3
    public = client.get("/api/v1/bulletins", params={"category": "policy"}).json()
    assert [b["id"] for b in public] == [bid] and public[0]["title"] == "新的标题"
    assert client.get("/api/v1/bulletins", params={"category": "notice"}).json() == []


def test_policies_list_the_regulations_the_platform_applies(client, w):
    page = client.get("/policies").text
    assert "泉州市社会信用条例" in page and 'href="/policies/regulations/QZ"' in page
    reg = client.get("/policies/regulations/QZ").text
    assert "第十三条" in reg and "第十条第二款" in reg
    assert client.get("/policies/regulations/NO-SUCH").status_code == 404
    en = client.get("/policies/regulations/QZ?lang=en").text
    assert "Quanzhou" in en and "art. 13" in en
