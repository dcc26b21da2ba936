"""The repair pages through the app with a browser session (CSRF forms): the subject sees each
record's eligibility with reasons and articles and applies with a commitment letter; the agency
accepts and approves from the queue; the staff window files for a subject; errors show on the page."""
from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

from tests.access.support import csrf_from, login
from tests.repair.conftest import ELIGIBLE, PASSWORD, PDF, TOO_EARLY, conditions_in_force
from xinyong.kit.web import templates
from xinyong.web.i18n import translate
from xinyong.web.wording import item_name


def _window(client, code: str):
    """The window page of a subject, found by POST (the identifier never goes in the URL)."""
    return client.post("/repair/window/lookup", data={"csrf_token": csrf_from(client, "/repair/window"),
                                                      "subject": code})


def _apply(client, record_id, files=None, path="/me/repair", **extra):
    token = csrf_from(client, path)
    files = files if files is not None else {"commitment_letter": ("承诺书.pdf", PDF, "application/pdf"),
                                             "proof_of_performance": ("缴款凭证.pdf", PDF, "application/pdf")}
    return client.post(path, data={"csrf_token": token, "record_id": str(record_id), "statement": "已整改", **extra},
                       files=files, follow_redirects=False)


def test_subject_applies_and_agency_decides_through_the_pages(client, world):
    login(client, "firm", PASSWORD)
    page = client.get("/me/repair").text
    row = re.search(rf'<tr id="record-{world.records[TOO_EARLY]}" data-eligible="no">.*?</tr>', page, re.S).group(0)
    assert "2026-11-03" in row and "《信用修复管理办法》（国家发展改革委令第36号）" in row
    assert f'id="apply-{world.records[ELIGIBLE]}"' in page and f'id="apply-{world.records[TOO_EARLY]}"' not in page
    assert "每个文件不超过 5 MiB" in page   # the limit of the rule in force, as the form states it
    # the proof of performance is a required material of a general penalty (FZ art. 21 para. 2 (4))
    assert re.search(rf'<input type="file" id="proof_of_performance-{world.records[ELIGIBLE]}"[^>]*required', page)
    missing = _apply(client, world.records[ELIGIBLE], files={})
    assert missing.status_code == 422 and "信用修复承诺书" in missing.text
    r = _apply(client, world.records[ELIGIBLE])
    assert r.status_code == 303, r.text
    detail = r.headers["location"].split("?")[0]
    shown = client.get(detail).text
    assert 'data-status="received"' in shown and "受理决定" in shown and 'id="accept"' not in shown

    client.cookies.clear()
    login(client, "scjg", PASSWORD)
    assert detail in client.get("/repair/queue").text
    token = csrf_from(client, detail)
    assert client.post(f"{detail}/accept", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    refused = client.post(f"{detail}/reject", data={"csrf_token": token, "reason": " "})
    assert refused.status_code == 422 and "请填写理由" in refused.text
    form = client.get(detail).text
    for code in conditions_in_force():   # one checkbox per condition (FZ art. 21 para. 2), none preselected
        box = re.search(rf'<input type="checkbox" name="conditions" value="{code}"[^>]*>', form).group(0)
        assert "checked" not in box
    ticked = conditions_in_force()[:-1]   # one left unticked: refused, and the form keeps what was sent
    unconfirmed = client.post(f"{detail}/approve", data={"csrf_token": token, "conditions": ticked,
                                                         "reason": "已核实整改材料"})
    assert unconfirmed.status_code == 409 and "尚未确认" in unconfirmed.text
    assert re.search(r'<textarea id="approve-reason"[^>]*>已核实整改材料</textarea>', unconfirmed.text)
    for code in conditions_in_force():
        box = re.search(rf'<input type="checkbox" name="conditions" value="{code}"[^>]*>', unconfirmed.text).group(0)
        assert ("checked" in box) == (code in ticked), code
    assert re.search(r'<textarea id="reject-reason"[^>]*></textarea>', unconfirmed.text)   # only the form sent
    assert client.post(f"{detail}/approve", data={"csrf_token": token, "conditions": conditions_in_force()},
                       follow_redirects=False).status_code == 303
    after = client.get(detail).text
    assert 'data-status="approved"' in after and "信用修复结果告知书" in after
    regime = re.search(r"<dt>适用规则</dt><dd>(.*?)</dd>", after).group(1)   # named once, with its chapter
    assert regime.count("《信用修复管理办法》") == 1 and "第" in regime
    public = client.get(f"/subjects/{world.subject_id}").text
    assert ELIGIBLE not in public

    client.cookies.clear()
    login(client, "swj", PASSWORD)   # another agency: not found
    assert client.get(detail).status_code == 404


def test_staff_window_files_for_the_subject(client, world):
    login(client, "staff", PASSWORD)
    found = _window(client, world.uscc)
    assert "/repair/window?subject_id=" in str(found.url) and world.uscc not in str(found.url)
    page = found.text
    assert f'id="apply-{world.records[ELIGIBLE]}"' in page
    r = _apply(client, world.records[ELIGIBLE], path="/repair/window", subject=world.uscc)
    assert r.status_code == 303, r.text
    assert "线下服务窗口" in client.get(r.headers["location"]).text
    unknown = _window(client, "91350500MA2YQ6XK4W")            # a valid USCC no subject holds
    assert unknown.status_code == 404 and "未找到" in unknown.text
    assert _window(client, "91350500000000000X").status_code == 422   # not a USCC nor an ID: named as such
    assert "18" in _window(client, "abc").text


def test_every_repair_string_is_translated_in_both_languages(client, world):
    login(client, "firm", PASSWORD)
    assert _apply(client, world.records[ELIGIBLE]).status_code == 303
    client.cookies.clear()
    login(client, "staff", PASSWORD)
    for lang in ("zh", "en"):
        window = str(_window(client, world.uscc).url).split("testserver", 1)[-1]
        for path in ("/repair/queue", "/repair/1", window):
            text = client.get(f"{path}{'&' if '?' in path else '?'}lang={lang}").text
            assert not re.search(r"\brepair\.(?!css)[a-z_.]+\b", text), (lang, path, re.findall(r"\brepair\.[a-z_.]+", text))
    client.cookies.clear()
    login(client, "firm", PASSWORD)
    en = client.get("/me/repair?lang=en").text
    assert "the minimum publicity period ends on 2026-11-03" in en and "Apply" in en
    assert not re.search(r"\brepair\.(?!css)[a-z_.]+\b", en)


def test_an_incomplete_set_is_offered_as_a_refusal_and_a_second_submission_files_nothing(client, world):
    login(client, "firm", PASSWORD)
    letter_only = {"commitment_letter": ("承诺书.pdf", PDF, "application/pdf")}
    r = _apply(client, world.records[ELIGIBLE], files=letter_only)
    assert r.status_code == 303, r.text
    detail = r.headers["location"].split("?")[0]
    # sent again (a double click, the back button): answered with the open application, nothing filed
    again = _apply(client, world.records[ELIGIBLE], files=letter_only)
    assert again.status_code == 409 and "正在办理" in again.text and "申请已提交" not in again.text
    from sqlalchemy import func, select
    from xinyong.models.repair import RepairApplication
    world.session.expire_all()
    assert world.session.scalar(select(func.count(RepairApplication.id))) == 1
    assert "不予受理决定书" not in client.get(detail).text

    client.cookies.clear()
    login(client, "scjg", PASSWORD)
    page = client.get(detail).text
    # the proof of performance is missing: the review is offered as what it is, a refusal
    assert 'id="accept-incomplete"' in page and "材料不齐全，作出不予受理决定" in page
    assert 'data-confirm="材料不齐全，将作出不予受理决定' in page and ">予以受理<" not in page


def test_the_eligibility_table_names_every_catalogue_item_in_words():
    # any item the catalogue may carry, not only penalty and licence: "contract_performance" was printed as is
    row = SimpleNamespace(record_id=1, eligible=False, decision_no="泉合〔2026〕1号", item_code="contract_performance",
                          decision_date=dt.date(2026, 1, 5), source_agency="某局", severity=None, from_date=None,
                          regime="NDRC-58", reasons=[])
    for lang in ("zh", "en"):
        html = templates.get_template("repair/_eligibility_table.html").render(
            items=[row], lang=lang, t=lambda key, **kw: translate(key, lang, **kw))
        assert item_name("contract_performance", lang) in html and "contract_performance" not in html
