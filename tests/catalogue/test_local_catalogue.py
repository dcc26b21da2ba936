"""Issue 15 point 1: staff keep the local supplementary catalogue (地方补充目录) on a page,
versioned with a reason; a new item takes batches with no code change (both backends)."""
from __future__ import annotations

import random
import re

import pytest

import yaml
from sqlalchemy import select

from tests.catalogue.local_items import definition, rows
from tests.support.builders import agency, agency_user, staff_user, to_csv
from tests.support.web import bearer, page_login
from xinyong.accounts.tokens import issue_token
from xinyong.models import AuditEntry, Batch, Record
from xinyong.models.local_catalogue import LocalCatalogueVersion
from xinyong.synthetic import make_uscc

PAGE = "/admin/local-catalogue"
CODE = "qz_honest_model_firm"


def _setup(session):
    a = agency(session)
    staff_user(session)
    agency_user(session, a.uscc)
    session.commit()
    token = issue_token(session, "agency1")
    session.commit()
    return a, bearer(token)


def _post_item(client, csrf, d, reason, path=PAGE):
    return client.post(path, data={"definition": yaml.safe_dump(d, allow_unicode=True), "reason": reason,
                                   "csrf_token": csrf}, follow_redirects=False)


def _csv(data):
    return to_csv(data, headers=tuple(data[0]))


def _usccs(n):
    rng = random.Random(5)
    return [make_uscc(rng) for _ in range(n)]


def test_an_item_added_on_the_page_takes_a_json_batch_and_keeps_its_history(session, client):
    a, agency_auth = _setup(session)
    refused = client.post("/api/v1/batches", json={"item": CODE, "rows": rows(2, a.uscc, _usccs(2))}, headers=agency_auth)
    assert refused.status_code == 422 and "unknown_item" in refused.text   # not in any catalogue yet
    csrf = page_login(client, "staff1", "staff-pass-123")
    r = _post_item(client, csrf, definition(), "市信用办2026年第3号文增设")
    assert r.status_code == 303, r.text[:500]
    assert CODE in client.get("/api/v1/catalogue").text   # the public catalogue lists it on the next request
    sent = client.post("/api/v1/batches", json={"item": CODE, "rows": rows(3, a.uscc, _usccs(3))}, headers=agency_auth)
    assert sent.status_code == 201, sent.text
    assert (sent.json()["status"], sent.json()["accepted"]) == ("completed", 3)
    template = client.get(f"/api/v1/catalogue/{CODE}/template?format=csv", headers=agency_auth)
    assert template.status_code == 200 and template.content.decode("utf-8-sig").startswith("主体名称,主体类别")
    upload = client.post("/api/v1/batches/file", data={"item": CODE}, headers=agency_auth,
                         files={"file": ("示范企业.csv", _csv(rows(2, a.uscc, _usccs(5)[3:], start=3)), "text/csv")})
    assert upload.status_code == 201 and upload.json()["accepted"] == 2, upload.text
    batches = session.scalars(select(Batch).where(Batch.item_code == CODE).order_by(Batch.id)).all()
    assert [b.item_version for b in batches] == [1, 1]
    batch = batches[0]
    assert len(session.scalars(select(Record).where(Record.item_code == CODE)).all()) == 5

    no_reason = _post_item(client, csrf, definition(name_zh="泉州市诚信示范企业"), "  ", path=f"{PAGE}/{CODE}")
    assert no_reason.status_code == 422 and "请填写变更理由" in no_reason.text
    broken = client.post(f"{PAGE}/{CODE}", data={"definition": "name_zh: [unclosed", "reason": "更名为示范企业",
                                                  "csrf_token": csrf}, follow_redirects=False)
    assert broken.status_code == 422 and 'value="更名为示范企业"' in broken.text   # the reason kept as sent
    assert "name_zh: [unclosed</textarea>" in broken.text
    assert _post_item(client, csrf, definition(name_zh="泉州市诚信示范企业"), "更名",
                      path=f"{PAGE}/{CODE}").status_code == 303
    withdrawn = client.post(f"{PAGE}/{CODE}/withdraw", data={"reason": "示范认定停止", "csrf_token": csrf},
                            follow_redirects=False)
    assert withdrawn.status_code == 303
    again = client.post("/api/v1/batches", json={"item": CODE, "rows": rows(1, a.uscc, _usccs(1))}, headers=agency_auth)
    assert again.status_code == 422 and "item_not_ingestible" in again.text
    session.expire_all()
    assert session.get(Batch, batch.id).item_version == 1          # the records keep the version they came under
    assert len(session.scalars(select(Record).where(Record.item_code == CODE)).all()) == 5

    page = client.get(PAGE).text
    assert "泉州市诚信示范企业" in page and "更名" in page and "示范认定停止" in page and "name_zh" in page
    history = client.get(f"/api/v1/local-catalogue/{CODE}/versions", headers=_staff_token(session)).json()
    assert [(v["version"], v["action"], v["reason"]) for v in history] == [
        (1, "added", "市信用办2026年第3号文增设"), (2, "changed", "更名"), (3, "withdrawn", "示范认定停止")]
    assert history[1]["changes"] == [{"path": "name_zh", "before": "泉州市诚信经营示范企业", "after": "泉州市诚信示范企业"}]
    assert history[2]["changes"] == [] and all(v["author"] == "staff1" for v in history)
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.target_id == CODE)).all()
    assert sorted(actions) == ["catalogue.local.added", "catalogue.local.changed", "catalogue.local.withdrawn"]


def _staff_token(session):
    token = issue_token(session, "staff1")
    session.commit()
    return bearer(token)


def test_the_json_api_adds_changes_and_requires_a_reason(session, client):
    _setup(session)
    auth = _staff_token(session)
    assert client.post("/api/v1/local-catalogue", json={"definition": definition(), "reason": ""},
                       headers=auth).status_code == 422
    made = client.post("/api/v1/local-catalogue", json={"definition": definition(), "reason": "增设"}, headers=auth)
    assert made.status_code == 201, made.text
    assert (made.json()["version"], made.json()["status"]) == (1, "active")
    twice = client.post("/api/v1/local-catalogue", json={"definition": definition(), "reason": "再增"}, headers=auth)
    assert twice.status_code == 409
    changed = definition()
    changed["fields"] = [*changed["fields"], {"code": "remark", "header_zh": "备注", "type": "text", "max_length": 500}]
    r = client.post(f"/api/v1/local-catalogue/{CODE}", json={"definition": changed, "reason": "增加备注列"}, headers=auth)
    assert r.status_code == 200 and r.json()["version"] == 2
    item = client.get(f"/api/v1/catalogue/{CODE}").json()
    assert [f["header_zh"] for f in item["fields"]][-1] == "备注"
    versions = session.scalars(select(LocalCatalogueVersion).order_by(LocalCatalogueVersion.version)).all()
    assert [v.definition["fields"][-1]["code"] for v in versions] == ["source_agency_uscc", "remark"]   # old kept
    listed = client.get("/api/v1/local-catalogue", headers=auth).json()
    assert [(i["code"], i["version"]) for i in listed] == [(CODE, 2)]


@pytest.mark.parametrize("field", [
    {"code": "faith", "header_zh": "信教情况", "type": "enum", "codes": ["佛教", "基督教", "无"]},
    {"code": "blood", "header_zh": "ABO分组", "type": "enum", "codes": ["A", "B", "AB", "O"]},
    {"code": "health", "header_zh": "身体状况说明", "type": "text", "max_length": 200},
    {"code": "group", "header_zh": "分组", "type": "enum", "codes": ["信奉伊斯兰教", "其他"]},
])
def test_a_local_item_cannot_be_made_to_collect_forbidden_data(session, client, field):
    """FZ art. 11 para. 3 / QZ data.forbidden: a batch with such a column is refused; so is an item
    that would define one, by its name or by its coded values."""
    _setup(session)
    auth = _staff_token(session)
    bad = definition()
    bad["fields"] = [*bad["fields"], field]
    r = client.post("/api/v1/local-catalogue", json={"definition": bad, "reason": "增设"}, headers=auth)
    assert r.status_code == 422 and r.json()["error"]["code"] == "forbidden_data", r.text
    assert client.get("/api/v1/local-catalogue", headers=auth).json() == []


def test_a_national_item_cannot_be_edited_or_shadowed(session, client):
    _setup(session)
    auth = _staff_token(session)
    r = client.post("/api/v1/local-catalogue", json={"definition": definition(code="penalty"), "reason": "覆盖"},
                    headers=auth)
    assert r.status_code == 409 and r.json()["error"]["code"] == "shadows_national_item"
    assert "国家目录" in r.json()["error"]["message"]
    assert client.post("/api/v1/local-catalogue/penalty", json={"definition": definition(code="penalty"), "reason": "改"},
                      headers=auth).status_code == 409
    csrf = page_login(client, "staff1", "staff-pass-123")
    page = _post_item(client, csrf, definition(code="licence"), "覆盖许可")
    assert page.status_code == 409 and "不得修改或覆盖" in page.text
    assert session.scalars(select(LocalCatalogueVersion)).all() == []
    assert client.get("/api/v1/catalogue/penalty").json()["name_zh"] != definition()["name_zh"]


def test_a_definition_naming_a_key_twice_is_refused_on_the_page(session, client):
    """The second name_zh was kept silently, the first lost, and the item stored."""
    _setup(session)
    csrf = page_login(client, "staff1", "staff-pass-123")
    text = yaml.safe_dump(definition(), allow_unicode=True) + "name_zh: 另一个名称\n"
    line = text.count("\n")
    r = client.post(PAGE, data={"definition": text, "reason": "增设", "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 422 and f"第 {line}:1 处" in r.text, r.text[:500]
    assert session.scalars(select(LocalCatalogueVersion)).all() == []


def test_the_page_and_api_are_denied_to_everyone_but_staff(session, client):
    a, agency_auth = _setup(session)
    assert client.get("/api/v1/local-catalogue", headers=agency_auth).status_code == 403
    assert client.post("/api/v1/local-catalogue", json={"definition": definition(), "reason": "x"},
                       headers=agency_auth).status_code == 403
    assert client.get("/api/v1/local-catalogue").status_code == 401
    assert client.get(PAGE, follow_redirects=False).status_code == 303      # to the sign-in page
    csrf = page_login(client, "agency1", "agency-pass-123")
    assert client.get(PAGE).status_code == 403
    assert _post_item(client, csrf, definition(), "越权").status_code == 403
    assert session.scalars(select(LocalCatalogueVersion)).all() == []


def test_a_change_made_elsewhere_is_seen_on_the_next_request(session, client, monkeypatch):
    """Another app node writes through the database only: the next request here sees it, because
    a request reads the shared change token (at most every XINYONG_CATALOGUE_TOKEN_SECONDS; 0 here:
    every request), never a per-process flag."""
    from xinyong.catalogue.local import repository, service
    from xinyong.config import reset_settings
    from xinyong.kit.access import Principal
    monkeypatch.setenv("XINYONG_CATALOGUE_TOKEN_SECONDS", "0")
    reset_settings()
    _setup(session)
    assert CODE not in client.get("/api/v1/catalogue").text
    node_b = Principal(user_id=None, username="node-b", role="staff")
    service.add(session, node_b, definition(), "另一节点增设")
    session.commit()
    assert client.get(f"/api/v1/catalogue/{CODE}").json()["name_zh"] == "泉州市诚信经营示范企业"
    version = session.scalar(select(LocalCatalogueVersion))
    version.definition = definition(name_zh="未经令牌的改动")     # a write that skips the token is not seen...
    session.commit()
    assert client.get(f"/api/v1/catalogue/{CODE}").json()["name_zh"] == "泉州市诚信经营示范企业"
    repository.touch(session)                                   # ...until the token changes
    session.commit()
    assert client.get(f"/api/v1/catalogue/{CODE}").json()["name_zh"] == "未经令牌的改动"


def test_the_page_with_items_and_versions_speaks_each_language(session, client):
    """The words check of tests/web/test_words.py on the page as it is once items have versions
    (the demo city has none, so its crawl reads the empty page only)."""
    from tests.web.test_words import _data
    from tests.web.words_check import findings, page_text
    from xinyong.web.wording import known_codes
    _setup(session)
    csrf = page_login(client, "staff1", "staff-pass-123")
    assert _post_item(client, csrf, definition(), "增设").status_code == 303
    assert _post_item(client, csrf, definition(ingestible=False), "暂停接收", path=f"{PAGE}/{CODE}").status_code == 303
    codes = known_codes()
    data = _data(codes)
    for lang in ("zh", "en"):
        text = page_text(client.get(f"{PAGE}?lang={lang}").text, lang)
        assert findings(text.chunks, text.alone, lang, data, codes) == []


def test_the_rules_an_item_may_name_are_listed_one_key_each_with_its_values_apart(session, client):
    # the demo audit read "publicity_rule: publicity.licencepublicity_rule: publicity.listing…"
    _setup(session)
    page_login(client, "staff1", "staff-pass-123")
    page = client.get(PAGE).text
    refs = re.search(r'<ul class="rule-refs">(.*?)</ul>', page, re.S).group(1)
    assert refs.count("<code>publicity_rule</code>") == 1
    assert "<code>publicity.licence</code>、<code>" in refs or "<code>publicity.licence</code></li>" in refs


def test_a_command_ingests_a_local_item_and_code_outside_any_scope_sees_the_files(session, db, tmp_path):
    """`xinyong ingest` runs in a catalogue scope like a request (a worker job too: the runner opens
    one per job); code outside any request, job or command reads the files alone."""
    import json

    from typer.testing import CliRunner

    from xinyong.catalogue import get_catalogue
    from xinyong.catalogue.local import service
    from xinyong.catalogue.local.merge import catalogue_scope
    from xinyong.cli import app
    from xinyong.kit.access import Principal
    a, _ = _setup(session)
    service.add(session, Principal(user_id=None, username="cli:ops", role="admin"), definition(), "增设")
    session.commit()
    f = tmp_path / "示范企业.csv"
    f.write_bytes(_csv(rows(2, a.uscc, _usccs(2))))
    out = CliRunner().invoke(app, ["ingest", str(f), "--source", a.uscc, "--item", CODE, "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["accepted"] == 2
    assert session.scalar(select(Batch.item_version).where(Batch.item_code == CODE)) == 1
    assert CODE not in {i.code for i in get_catalogue().items}
    with catalogue_scope(db):
        assert get_catalogue().get(CODE).name_zh == "泉州市诚信经营示范企业"


def test_the_token_is_read_at_most_every_interval_and_a_lost_primary_serves_the_last_items(session, monkeypatch):
    """A node reads the change token at most every catalogue_token_seconds (no round trip to the
    primary on every public read), and with the database out of reach serves the items it last
    loaded instead of failing the read."""
    from sqlalchemy import event as sa_event

    from xinyong.catalogue.loader import file_catalogue, get_catalogue
    from xinyong.catalogue.local import merge
    from xinyong.catalogue.local.merge import catalogue_scope
    from xinyong.config import reset_settings
    from xinyong.kit.access import Principal
    from xinyong.catalogue.local import service
    monkeypatch.setenv("XINYONG_CATALOGUE_TOKEN_SECONDS", "3600")
    reset_settings()
    _setup(session)
    service.add(session, Principal(user_id=None, username="node-b", role="staff"), definition(), "增设")
    session.commit()
    engine = session.get_bind()
    reads = []
    listener = lambda *a: reads.append(1)   # noqa: E731
    sa_event.listen(engine, "before_cursor_execute", listener)
    try:
        merge.forget_loaded()
        for _ in range(3):
            with catalogue_scope(engine):
                assert get_catalogue().get(CODE).name_zh == "泉州市诚信经营示范企业"
        assert len(reads) == 2                # one token read and one read of the items, then none
        monkeypatch.setenv("XINYONG_CATALOGUE_TOKEN_SECONDS", "0")
        reset_settings()

        def refused(*a, **k):
            raise merge.OperationalError("SELECT token", {}, Exception("connection refused"))
        monkeypatch.setattr(engine, "connect", refused)
        with catalogue_scope(engine):
            assert get_catalogue().get(CODE).name_zh == "泉州市诚信经营示范企业"
        merge.forget_loaded()
        with catalogue_scope(engine), pytest.raises(merge.OperationalError):
            get_catalogue()                   # nothing loaded before: the outage is told, not hidden
    finally:
        sa_event.remove(engine, "before_cursor_execute", listener)
        assert file_catalogue() is not None
