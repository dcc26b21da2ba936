"""The public portal (issue #13 point 2): the services around the search box each lead to a
page; the latest 双公示 and browsing show only records in public view (persons masked); the
subject page separates licences and penalties, says when the subject is on a list with the
decision document, links to its grade and public report; lists are searched and filtered."""
from __future__ import annotations

import re

import pytest

from tests.lists.support import COMPANY
from tests.portal.support import (HIDDEN_FIRM, HIDDEN_NO, LICENCE_NO, OTHER_LICENCE_NO, PERSON, PERSON_NO,
                                  portal_world)
from xinyong.portal.pages import SERVICES


@pytest.fixture
def pw(session, today):
    return portal_world(session, today)


def test_home_offers_every_service_and_each_leads_to_a_page(client, pw):
    home = client.get("/")
    assert home.status_code == 200
    nav = home.text[home.text.index('class="services"'):home.text.index("</nav>", home.text.index('class="services"'))]
    links = re.findall(r'href="([^"]+)"', nav)
    assert links == [href for _, href in SERVICES] and len(links) == 8
    for word in ("信用查询", "双公示", "信用修复", "信用报告", "名单", "信用承诺", "通知公告", "政策法规"):
        assert word in nav
    for href in links:
        assert client.get(href).status_code == 200, href


def test_the_latest_records_on_home_are_only_those_in_public_view(client, pw):
    home = client.get("/").text
    assert PERSON_NO in home and LICENCE_NO in home and "泉市监罚〔2026〕501号" in home
    assert HIDDEN_NO not in home and HIDDEN_FIRM not in home
    assert PERSON not in home and "林*" in home


def test_browsing_by_type_agency_and_date(client, pw):
    licences = client.get("/publicity", params={"item": "licence"}).text
    assert LICENCE_NO in licences and OTHER_LICENCE_NO in licences and PERSON_NO not in licences
    assert 'class="badge' not in licences.split("<tbody>")[1]          # a licence carries no severity
    penalties = client.get("/publicity", params={"item": "penalty"}).text
    assert PERSON_NO in penalties and LICENCE_NO not in penalties and HIDDEN_NO not in penalties
    everything = client.get("/publicity", params={"item": "", "agency": "", "date_from": "", "date_to": ""})
    assert everything.status_code == 200 and LICENCE_NO in everything.text and PERSON_NO in everything.text
    by_agency = client.get("/publicity", params={"agency": pw.other_agency_id}).text
    assert OTHER_LICENCE_NO in by_agency and LICENCE_NO not in by_agency
    dated = client.get("/publicity", params={"date_from": "2026-05-15", "date_to": "2026-05-31"}).text
    assert PERSON_NO in dated and LICENCE_NO not in dated and OTHER_LICENCE_NO not in dated
    bad = client.get("/publicity", params={"date_from": "2026-06-01", "date_to": "2026-05-01"})
    assert bad.status_code == 422 and "起始日期" in bad.text
    api = client.get("/api/v1/publicity", params={"item": "licence"}).json()
    assert {r["decision_no"] for r in api} == {LICENCE_NO, OTHER_LICENCE_NO} and all(r["severity"] is None for r in api)
    assert HIDDEN_NO not in client.get("/api/v1/publicity").text


def test_a_page_past_the_end_or_not_a_number_leads_back_to_the_list(client, pw):
    # the demo audit: ?page=999 read "没有符合条件的公示信息。" as if the filter matched nothing;
    # ?page=abc answered a bare 422 page
    past = client.get("/publicity", params={"item": "licence", "page": 999})
    assert past.status_code == 200 and "没有符合条件的公示信息" not in past.text
    assert "第 999 页已超出最后一页" in past.text and 'href="?item=licence&amp;page=1"' in past.text
    assert "没有符合条件的公示信息" in client.get("/publicity", params={"date_from": "2001-01-01",
                                                                   "date_to": "2001-01-02"}).text
    for bad in ("abc", "0", "99999999"):
        r = client.get("/publicity", params={"item": "licence", "page": bad}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/publicity?item=licence", bad
    assert client.get("/publicity?page=abc").status_code == 200
    assert client.get("/api/v1/publicity?page=abc").status_code == 422   # the API still says what is wrong
    assert client.get("/publicity?page=abc&date_from=" + "x" * 11).status_code == 422   # another fault too


def test_the_subject_page_separates_licences_and_penalties_and_tells_the_listing(client, pw):
    page = client.get(f"/subjects/{pw.subject_id}").text
    head = page[:page.index("<h1>")]
    assert "该主体已被列入以下名单" in head and f'href="/lists/subject/{pw.subject_id}#entry-{pw.entry_id}"' in head
    decision = f"/lists/entries/{pw.entry_id}/decision"
    assert f'href="{decision}"' in head
    licences = page[page.index('id="records-licence"'):page.index('id="records-penalty"')]
    penalties = page[page.index('id="records-penalty"'):]
    assert LICENCE_NO in licences and "泉市监罚〔2026〕501号" not in licences and 'class="badge' not in licences
    assert "泉市监罚〔2026〕501号" in penalties and LICENCE_NO not in penalties and 'class="badge serious"' in penalties
    assert f'href="/evaluation/subjects/{pw.subject_id}"' in page and f'href="/reports/public/{pw.subject_id}"' in page
    doc = client.get(decision)
    assert doc.status_code == 200 and doc.headers["content-type"] == "application/pdf"
    assert doc.headers["content-disposition"].startswith("attachment;")
    assert client.get("/lists/entries/999999/decision").status_code == 404


def test_lists_are_searched_by_name_or_code_kind_and_date(client, pw):
    assert COMPANY in client.get("/lists", params={"q": "示范化工"}).text.split('id="latest-title"')[1]
    assert COMPANY in client.get("/lists", params={"q": pw.uscc}).text.split('id="latest-title"')[1]
    none = client.get("/lists", params={"q": "不存在的公司"}).text.split('id="latest-title"')[1]
    assert COMPANY not in none and "没有符合条件" in none
    dated = client.get("/lists", params={"kind": "serious_dishonesty", "date_from": "2026-06-09"}).text
    assert COMPANY in dated.split('id="latest-title"')[1]
    before = client.get("/lists", params={"date_to": "2026-06-08"}).text
    assert COMPANY not in before.split('id="latest-title"')[1]
    assert f"/lists/entries/{pw.entry_id}/decision" in client.get("/lists/serious_dishonesty").text
    assert client.get("/lists", params={"date_from": "June"}).status_code == 422


def test_guides_cite_the_rules_in_the_readers_words(client, pw):
    repair = client.get("/services/repair").text
    assert "《泉州市社会信用条例》" in repair and 'href="/me/repair"' in repair and 'href="/calendar"' in repair
    reports = client.get("/services/reports").text
    assert 'href="/verify"' in reports and 'href="/reports/certificate"' in reports
    en = client.get("/services/repair?lang=en").text
    assert "Credit repair" in en and "信用修复" not in en.split("<main")[1]
