"""The objection pages through HTTP, on both backends: the subject's form (with its error shown
in place), the agency's queue and decision form, the window filing on a subject's behalf, and
the credit department's view of every objection."""
from __future__ import annotations

import re

from tests.objections.conftest import CSRF, PDF, login
from xinyong.models import Record, Subject
from xinyong.web.wording import item_name

REASONS = "处罚决定日期与决定书原件不一致，原件为2026年4月30日。"


def _csrf(client, path):
    return CSRF.search(client.get(path).text).group(1)


def _file_on_page(client, record_id, grounds=("error",), files=None):
    token = _csrf(client, "/me/objections")
    return client.post("/me/objections", data={"csrf_token": token, "record_id": str(record_id),
                                               "grounds": list(grounds), "reasons": REASONS},
                       files=files or [("evidence", ("原件.pdf", PDF, "application/pdf"))], follow_redirects=False)


def test_subject_files_on_the_page_and_the_agency_decides_on_its_page(client, world):
    login(client, "firm")
    form = client.get("/me/objections").text   # the minimum is said before a reason is refused for it
    assert "至少 10 个字" in form and 'minlength="10"' in form and "每个不超过 5 MiB" in form
    bad = _file_on_page(client, world.public_record, grounds=())
    assert bad.status_code == 422 and "请勾选至少一项异议情形" in bad.text and REASONS in bad.text
    r = _file_on_page(client, world.public_record)
    assert r.status_code == 303 and re.match(r"/me/objections/\d+\?filed=1", r.headers["location"])
    detail = client.get(r.headers["location"])
    assert "异议已提交" in detail.text and "原件.pdf" in detail.text and "deadline-badge" in detail.text
    # the record's catalogue item by its name, not its code ("泉市监罚〔2021〕5号 (penalty)")
    code = world.session.get(Record, world.public_record).item_code
    assert f"（{item_name(code, 'zh')}）" in detail.text and f"({code})" not in detail.text
    english = client.get(r.headers["location"] + "&lang=en").text
    assert f"({item_name(code, 'en')})" in english
    assert "<dd>The information is wrong</dd>" in english       # the grounds alone in their cell: a capital
    assert "> The information is wrong</label>" in client.get("/me/objections?lang=en").text
    oid = int(re.search(r"/me/objections/(\d+)", r.headers["location"]).group(1))
    assert client.get("/me/profile").text.count("data-under-objection") == 1
    client.cookies.clear()
    login(client, "scjg")
    queue = client.get("/agency/objections?status=open")
    assert queue.status_code == 200 and f'data-objection="{oid}"' in queue.text
    page = client.get(f"/agency/objections/{oid}")
    assert 'name="new_decision_date"' in page.text and 'name="new_decision_no"' not in page.text
    token = CSRF.search(page.text).group(1)
    bad = client.post(f"/agency/objections/{oid}/decision", data={
        "csrf_token": token, "outcome": "corrected", "reasons": "更正决定日期",
        "change_decision_date": "1", "new_decision_date": "2026-02-30"})
    assert bad.status_code == 422 and "日期不存在" in bad.text
    ok = client.post(f"/agency/objections/{oid}/decision", data={
        "csrf_token": token, "outcome": "corrected", "reasons": "更正决定日期",
        "change_decision_date": "1", "new_decision_date": "2026-04-30", "new_remarks": "not ticked: ignored"},
        follow_redirects=False)
    assert ok.status_code == 303
    done = client.get(ok.headers["location"])
    assert "处理结果已告知" in done.text and "2026-04-30" in done.text and "/documents/" in done.text
    world.session.expire_all()
    record = world.session.get(Record, world.public_record)
    assert record.under_objection is False and "remarks" not in record.fields
    assert client.get(f"/agency/objections/{oid}/decision").status_code in (404, 405)
    client.cookies.clear()
    login(client, "swj")
    assert client.get(f"/agency/objections/{oid}").status_code == 404


def test_the_window_files_for_a_subject_and_staff_see_every_objection(client, world):
    login(client, "staff")
    code = world.session.get(Subject, world.enterprise_id).uscc
    token = CSRF.search(client.get("/window/objections").text).group(1)
    page = client.post("/window/objections/lookup", data={"csrf_token": token, "code": code})
    assert page.status_code == 200 and "泉市监罚〔2026〕101号" in page.text and code not in str(page.url)
    subject_id = str(world.enterprise_id)
    missing = client.post("/window/objections", data={"csrf_token": token, "subject_id": subject_id,
                                                      "record_id": str(world.public_record),
                                                      "grounds": ["error"], "reasons": REASONS})
    assert missing.status_code == 422 and "授权书" in missing.text
    r = client.post("/window/objections", data={"csrf_token": token, "subject_id": subject_id,
                                                "record_id": str(world.public_record),
                                                "grounds": ["error"], "reasons": REASONS,
                                                "agent_authorisation_ref": "委托书〔2026〕3号"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/staff/objections/")
    assert "委托书〔2026〕3号" in client.get(r.headers["location"]).text
    listing = client.get("/staff/objections")
    assert listing.status_code == 200 and "泉州市闽南食品有限公司" in listing.text


def test_a_form_refused_for_forbidden_data_links_back_to_its_page(client, world):
    """Refused before its page could answer (a field holding personal data the law forbids to
    collect, FZ art. 11, is never echoed back): the error page sends the person back to the form,
    where the browser still holds what was typed, not only home; and only to a page of this site."""
    login(client, "firm")
    base = str(client.base_url)
    sent = {"csrf_token": _csrf(client, "/me/objections"), "record_id": str(world.public_record), "grounds": ["error"],
            "reasons": "我司法定代表人患有艾滋病，处罚决定日期与原件不一致。"}
    r = client.post("/me/objections", data=sent, headers={"referer": f"{base}/me/objections?record=1"},
                    files=[("evidence", ("原件.pdf", PDF, "application/pdf"))])
    assert r.status_code == 422, r.text[-300:]
    assert 'href="/me/objections?record=1" data-history-back' in r.text and "返回上一页修改" in r.text
    assert "艾滋病" not in r.text   # the value itself is never echoed
    away = client.post("/me/objections", data=sent, headers={"referer": "https://evil.example/me/objections"},
                       files=[("evidence", ("原件.pdf", PDF, "application/pdf"))])
    assert away.status_code == 422 and "data-history-back" not in away.text
