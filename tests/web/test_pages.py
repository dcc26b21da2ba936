"""The server-rendered pages, through the real app on SQLite and PostgreSQL: the public
portal (search, masking, publicity windows), aggregation pages and agency registration."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.support.builders import agency, agency_user, penalty_rows, staff_user, to_csv
from xinyong.ingest.service import ingest_file
from xinyong.kit.access import declared_roles

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PERSON = "李四0"  # the natural person among penalty_rows(..., persons=1)


def csrf_from(client, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    return CSRF.search(page.text).group(1)


def login(client, username: str, password: str) -> None:
    token = csrf_from(client, "/login")
    r = client.post("/login", data={"username": username, "password": password, "csrf_token": token, "next": "/"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text


def seed_portal(session, n: int = 3, persons: int = 1):
    """An agency and n published penalties (decided 2026-05-01 onwards; general severity)."""
    a = agency(session)
    rows = penalty_rows(n, a.uscc, persons=persons)
    out = ingest_file(session, data=to_csv(rows), filename="seed.csv", source_uscc=a.uscc, item_code="penalty")
    assert out.status == "completed" and out.accepted == n, out
    session.commit()
    return a, rows


def subject_link(html: str) -> str:
    return re.search(r'href="(/subjects/\d+)"', html).group(1)


# ---- public portal ---------------------------------------------------------------------------

def test_portal_pages_render_in_chinese_then_english(client):
    home = client.get("/")
    assert home.status_code == 200
    assert 'lang="zh-CN"' in home.text and "公共信用信息查询" in home.text
    assert "公示期限" in home.text and "12 个月" in home.text  # general: at most 1 year (NDRC Order 36)
    english = client.get("/?lang=en")
    assert 'lang="en"' in english.text and "Public credit information search" in english.text
    assert "How long records are published" in english.text and "NDRC Order 36" in english.text
    assert "公共信用信息查询" not in english.text
    assert "Catalogue" in client.get("/catalogue").text  # the cookie keeps the language
    back = client.get("/lang/zh", headers={"referer": "/catalogue"}, follow_redirects=True)
    assert "公共信用信息目录" in back.text


def test_catalogue_lists_items_and_the_column_layout(client):
    page = client.get("/catalogue")
    assert page.status_code == 200
    for text in ("行政处罚", "行政许可", "行政处罚决定书文号", "处罚类别", "警告", "知识产权信息"):
        assert text in page.text
    assert re.search(r"行政处罚决定书文号</span> <abbr class=\"required\"", page.text)
    assert not re.search(r"备注</span> <abbr", page.text)  # optional column has no mark
    en = client.get("/catalogue?lang=en")
    assert "Administrative penalty" in en.text and "Columns of" in en.text and "Penalty decision number" in en.text


def test_search_finds_by_partial_name_and_by_uscc(client, session):
    _, rows = seed_portal(session)
    company, uscc = rows[1]["行政相对人名称"], rows[1]["行政相对人代码_1(统一社会信用代码)"]
    by_name = client.get("/search", params={"q": "测试贸易"})
    assert by_name.status_code == 200 and company in by_name.text and uscc in by_name.text
    by_code = client.get("/search", params={"q": uscc})
    assert company in by_code.text
    assert client.get(subject_link(by_code.text)).status_code == 200


def test_search_explains_an_empty_query_and_no_results(client, session):
    seed_portal(session)
    assert "请输入主体名称或统一社会信用代码" in client.get("/search?q=").text
    assert "未找到与“不存在的公司”相关的信用主体" in client.get("/search", params={"q": "不存在的公司"}).text
    assert "No subject matches" in client.get("/search", params={"q": "不存在的公司", "lang": "en"}).text
    assert client.get("/search", params={"q": "x" * 101}).status_code == 422


def test_natural_person_is_masked_on_search_and_subject_pages(client, session):
    _, rows = seed_portal(session, persons=1)
    assert "李**" not in client.get("/search", params={"q": "李"}).text   # no person by a part of the name
    results = client.get("/search", params={"q": PERSON})                  # by the whole name: masked
    assert "李**" in results.text
    page = client.get(subject_link(results.text))
    assert page.status_code == 200 and "李**" in page.text
    resident_id = rows[0]["证件号码"]
    assert PERSON not in page.text and resident_id not in page.text
    assert resident_id[:6] + "*" * 8 + resident_id[-4:] in page.text  # masked as the profile says
    assert rows[0]["行政处罚决定书文号"] in page.text


def test_subject_page_shows_the_record_and_its_publicity(client, session):
    _, rows = seed_portal(session)
    results = client.get("/search", params={"q": rows[1]["行政相对人名称"]})
    page = client.get(subject_link(results.text))
    for text in (rows[1]["行政处罚决定书文号"], "违法行为类型", "违反食品安全管理规定", "罚款1.5万元", "罚款金额(万元)",
                 'class="badge general">一般', "泉州市市场监督管理局", "法定代表人", "张三", "2027-05-02",
                 "《信用修复管理办法》（国家发展改革委令第36号）", "信息截至"):
        assert text in page.text, text
    en = client.get(subject_link(results.text) + "?lang=en")
    assert "Credit Repair Measures, NDRC Order No. 36" in en.text and "Type of offence" in en.text and ">General<" in en.text and "Published until" in en.text


def test_a_record_past_its_publicity_period_is_not_shown(client, session, today):
    _, rows = seed_portal(session)
    link = subject_link(client.get("/search", params={"q": rows[1]["行政相对人名称"]}).text)
    decision = rows[1]["行政处罚决定书文号"]
    assert decision in client.get(link).text
    today("2027-06-01")  # general penalty decided 2026-05-02: public until 2027-05-02
    page = client.get(link)
    assert page.status_code == 200 and decision not in page.text
    assert "当前没有处于公示期内" in page.text and "2027-06-01" in page.text


def test_unknown_subject_is_404(client):
    assert client.get("/subjects/999999").status_code == 404


def test_an_unknown_address_says_so_in_the_pages_language(client):
    zh, en = client.get("/no-such-page"), client.get("/no-such-page?lang=en")
    assert zh.status_code == en.status_code == 404
    assert "未找到" in zh.text and "Not Found" not in zh.text
    assert "Not found" in en.text and "未找到" not in en.text
    api = client.get("/api/v1/no-such-thing").json()["error"]
    assert (api["code"], api["message"], api["message_en"]) == ("not_found", "未找到", "Not found")


# ---- aggregation pages -----------------------------------------------------------------------

def test_agency_uploads_a_csv_and_sees_the_returned_row(client, session):
    a = agency(session)
    agency_user(session, a.uscc)
    session.commit()
    login(client, "agency1", "agency-pass-123")
    rows = penalty_rows(3, a.uscc, start=dt.date(2026, 6, 1))
    rows[2]["行政相对人代码_1(统一社会信用代码)"] = "91350500BADCODE123"
    form = client.get("/batches")
    assert "上传批次文件" in form.text and 'enctype="multipart/form-data"' in form.text
    token = CSRF.search(form.text).group(1)
    r = client.post("/batches", data={"item": "penalty", "csrf_token": token, "change_reason": ""},
                    files={"file": ("penalties.csv", to_csv(rows), "text/csv")}, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert re.fullmatch(r"/batches/\d+", r.headers["location"])
    page = client.get(r.headers["location"])
    assert page.status_code == 200 and "已完成" in page.text and "退回复核" in page.text
    assert "91350500BADCODE123" in page.text and "<td>4</td>" in page.text  # data row 3 is file line 4
    assert "统一社会信用代码" in page.text and "/rejections.csv" in page.text
    english = client.get(r.headers["location"] + "?lang=en")
    assert "Returned for review" in english.text
    listing = client.get("/batches")
    assert "penalties.csv" in listing.text and "3 / 2 / 1" in listing.text


def test_upload_problems_re_render_the_form_with_the_message(client, session):
    a = agency(session)
    agency_user(session, a.uscc)
    session.commit()
    login(client, "agency1", "agency-pass-123")
    token = csrf_from(client, "/batches")
    missing = client.post("/batches", data={"item": "penalty", "csrf_token": token})
    assert missing.status_code == 422 and "请选择要上传的文件" in missing.text and "上传批次文件" in missing.text
    wrong = client.post("/batches", data={"item": "penalty", "csrf_token": token},
                        files={"file": ("notes.txt", b"hello", "text/plain")})
    assert wrong.status_code == 422 and "只接受 .csv 或 .xlsx 文件" in wrong.text
    unknown = client.post("/batches", data={"item": "no_such_item", "csrf_token": token},
                          files={"file": ("a.csv", to_csv(penalty_rows(1, a.uscc)), "text/csv")})
    assert unknown.status_code == 422 and "目录中没有信息项 no_such_item" in unknown.text
    other = client.post("/batches", data={"item": "penalty", "csrf_token": token, "source": "91350100M000100Y3X"},
                        files={"file": ("a.csv", to_csv(penalty_rows(1, a.uscc)), "text/csv")})
    assert other.status_code == 403 and "机构只能报送本单位数据" in other.text


def _refused_upload(client, session, name: str, data: bytes):
    """An agency uploads a penalty file the ingest refuses; the response (a 303 to its batch page)."""
    a = agency(session)
    agency_user(session, a.uscc)
    session.commit()
    login(client, "agency1", "agency-pass-123")
    token = csrf_from(client, "/batches")
    return client.post("/batches", data={"item": "penalty", "csrf_token": token},
                       files={"file": (name, data, "text/csv")}, follow_redirects=False)


def test_a_refused_batch_page_says_why(client, session):
    r = _refused_upload(client, session, "empty.csv", b"")
    assert r.status_code == 303
    page = client.get(r.headers["location"])
    assert "已拒收" in page.text and "拒收原因" in page.text


def test_a_refused_batch_page_gives_the_reason_in_its_own_language_without_the_code(client, session):
    r = _refused_upload(client, session, "x.csv", "名称\n甲\n".encode())
    zh, en = client.get(r.headers["location"]).text, client.get(r.headers["location"] + "?lang=en").text
    assert "缺少必填列" in zh and "mandatory column" not in zh and "missing_columns" not in zh
    assert "mandatory column(s) missing" in en and "缺少必填列" not in en and "missing_columns" not in en
    api = client.get("/api/v1" + r.headers["location"]).json()       # the API keeps its one message
    assert api["error_message"].startswith("缺少必填列") and " / mandatory column(s) missing" in api["error_message"]
    assert "refusal" not in api["notes"]


def test_another_agencys_batch_is_404(client, session):
    mine, theirs = agency(session, seed=7), agency(session, seed=8, name="泉州市交通运输局")
    agency_user(session, mine.uscc)
    out = ingest_file(session, data=to_csv(penalty_rows(2, theirs.uscc)), filename="theirs.csv",
                      source_uscc=theirs.uscc, item_code="penalty")
    session.commit()
    login(client, "agency1", "agency-pass-123")
    assert client.get(f"/batches/{out.batch_id}").status_code == 404
    assert client.get(f"/api/v1/batches/{out.batch_id}/rejections.csv").status_code == 404
    assert "theirs.csv" not in client.get("/batches").text


def test_staff_see_all_batches_and_upload_on_an_agencys_behalf(client, session):
    a = agency(session)
    staff_user(session)
    ingest_file(session, data=to_csv(penalty_rows(1, a.uscc)), filename="first.csv",
                source_uscc=a.uscc, item_code="penalty")
    session.commit()
    login(client, "staff1", "staff-pass-123")
    page = client.get("/batches")
    assert "first.csv" in page.text and "泉州市市场监督管理局" in page.text and 'name="source"' in page.text
    token = CSRF.search(page.text).group(1)
    r = client.post("/batches", data={"item": "penalty", "source": a.uscc, "csrf_token": token},
                    files={"file": ("second.csv", to_csv(penalty_rows(1, a.uscc, prefix="泉市监罚二")), "text/csv")},
                    follow_redirects=False)
    assert r.status_code == 303
    no_source = client.post("/batches", data={"item": "penalty", "csrf_token": token},
                            files={"file": ("third.csv", b"x", "text/csv")})
    assert no_source.status_code == 422 and "请指定数据来源单位" in no_source.text
    unknown = client.post("/batches", data={"item": "penalty", "source": "91350100M000100Y3X", "csrf_token": token},
                          files={"file": ("fourth.csv", b"x", "text/csv")})
    assert unknown.status_code == 422 and "未登记，批次不予接收" in unknown.text


def test_the_return_report_is_paginated(client, session, monkeypatch):
    from xinyong.ingest import pages
    monkeypatch.setattr(pages, "RETURNS_PAGE", 1)
    a = agency(session)
    staff_user(session)
    rows = penalty_rows(3, a.uscc)
    rows[0]["违法事实"] = rows[2]["违法事实"] = ""
    out = ingest_file(session, data=to_csv(rows), filename="p.csv", source_uscc=a.uscc, item_code="penalty")
    session.commit()
    login(client, "staff1", "staff-pass-123")
    first = client.get(f"/batches/{out.batch_id}")
    assert "<td>2</td>" in first.text and "<td>4</td>" not in first.text and "?page=2" in first.text
    second = client.get(f"/batches/{out.batch_id}?page=2")
    assert "<td>4</td>" in second.text and "?page=1" in second.text and "?page=3" not in second.text


# ---- agencies --------------------------------------------------------------------------------

def test_staff_register_an_agency_and_see_errors_by_field(client, session):
    staff_user(session)
    session.commit()
    login(client, "staff1", "staff-pass-123")
    token = csrf_from(client, "/admin/agencies")
    bad = client.post("/admin/agencies", data={"uscc": "123", "name": "泉州市税务局", "csrf_token": token})
    assert bad.status_code == 422
    assert re.search(r'id="uscc-error">统一社会信用代码无效', bad.text) and 'value="泉州市税务局"' in bad.text
    from tests.support.builders import valid_agency_uscc
    code = valid_agency_uscc(11)
    no_name = client.post("/admin/agencies", data={"uscc": code, "name": " ", "csrf_token": token})
    assert no_name.status_code == 422 and 'id="name-error">机构名称不能为空' in no_name.text
    ok = client.post("/admin/agencies", data={"uscc": code, "name": "泉州市税务局", "kind": "public_body",
                                              "csrf_token": token}, follow_redirects=False)
    assert ok.status_code == 303
    listing = client.get(ok.headers["location"])
    assert "已登记机构：泉州市税务局" in listing.text and code in listing.text
    again = client.post("/admin/agencies", data={"uscc": code, "name": "泉州市税务局", "csrf_token": token})
    assert again.status_code == 409 and 'id="uscc-error">' in again.text


def test_agency_users_cannot_manage_agencies(client, session):
    a = agency(session)
    agency_user(session, a.uscc)
    session.commit()
    login(client, "agency1", "agency-pass-123")
    assert client.get("/admin/agencies").status_code == 403
    assert "/admin/agencies" not in client.get("/batches").text  # not in the navigation either


# ---- access --------------------------------------------------------------------------------

def test_posts_without_the_csrf_token_are_refused(client, session):
    a = agency(session)
    agency_user(session, a.uscc)
    staff_user(session)
    session.commit()
    assert client.post("/login", data={"username": "agency1", "password": "agency-pass-123"}).status_code == 403
    login(client, "agency1", "agency-pass-123")
    r = client.post("/batches", data={"item": "penalty"}, files={"file": ("a.csv", b"x", "text/csv")})
    assert r.status_code == 403 and "表单已过期" in r.text
    assert client.post("/batches", data={"item": "penalty", "csrf_token": "forged"},
                       files={"file": ("a.csv", b"x", "text/csv")}).status_code == 403
    client.post("/logout", data={"csrf_token": csrf_from(client, "/batches")})
    login(client, "staff1", "staff-pass-123")
    assert client.post("/admin/agencies", data={"uscc": "x", "name": "y"}).status_code == 403


@pytest.mark.parametrize("path", ["/batches", "/batches/1", "/admin/agencies"])
def test_anonymous_back_office_redirects_to_login(client, path):
    r = client.get(path, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/login?next={path}"


def test_every_page_route_declares_who_may_call_it(client):
    mine = {"/", "/search", "/subjects/{subject_id}", "/catalogue", "/batches", "/batches/{batch_id}",
            "/admin/agencies"}
    found = {r.path: declared_roles(r.dependant) for r in _api_routes(client.app.routes) if r.path in mine}
    assert set(found) == mine
    assert all(found.values()), found
    assert found["/"] == {"public"} and found["/admin/agencies"] == {"staff", "admin"}


def _api_routes(routes):
    """Every APIRoute, looking inside included routers (FastAPI keeps them nested; the page
    routers have no prefix, so a nested route's path is its full path)."""
    for route in routes:
        nested = getattr(route, "original_router", None)
        if nested is not None:
            yield from _api_routes(nested.routes)
        elif hasattr(route, "dependant"):
            yield route
