"""The query gate through the API, on SQLite and PostgreSQL: each basis allows exactly what it
covers and nothing more, and every attempt — allowed or refused — is in the access log."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, select, text

from tests.access.support import grant, read, refused
from xinyong.access import gate, repository
from xinyong.db import get_engine
from xinyong.models import AccessLog, Authorisation


def _log(session) -> list[AccessLog]:
    session.expire_all()
    return list(session.scalars(select(AccessLog).order_by(AccessLog.id)))


def test_without_a_basis_an_organisation_is_refused_and_the_attempt_is_logged(world, client, session):
    r = read(client, world.token("bank"), world.enterprise_id, basis="authorisation", basis_id=1)
    assert refused(r, "no_authorisation")
    assert "QZ art. 33" in r.json()["error"]["details"]["citation"]
    (entry,) = _log(session)
    assert (entry.subject_id, entry.org_id, entry.role, entry.items, entry.basis_kind, entry.basis_ref,
            entry.purpose, entry.allowed, entry.channel) == (
        world.enterprise_id, world.orgs["bank"].id, "financial", ["penalty"], "authorisation", "1", "信贷审查",
        False, "api")
    assert entry.user_id == world.users["bank"].id and "第三十三条" in entry.reason


def test_an_authorisation_covers_its_items_and_purpose_and_nothing_more(world, client, session):
    auth_id = grant(client, world.token("firm"), world.orgs["bank"].uscc, items=("penalty", "licence")).json()["id"]
    bank = world.token("bank")
    ok = read(client, bank, world.enterprise_id, items="penalty,licence", basis_id=auth_id)
    assert ok.status_code == 200, ok.text
    records = ok.json()["records"]
    assert {r["visibility"] for r in records} == {"public", "publicity_ended"}   # the non-public one is there, marked
    ended = next(r for r in records if r["visibility"] == "publicity_ended")
    assert ended["public"] is False and "2025-01-10" in ended["visibility_note"]
    assert refused(read(client, bank, world.enterprise_id, items="penalty,contract_performance", basis_id=auth_id),
                   "item_not_covered")
    assert refused(read(client, bank, world.enterprise_id, purpose="招聘背景调查", basis_id=auth_id), "purpose_mismatch")
    # another organisation presenting the same authorisation number
    assert refused(read(client, world.token("rating"), world.enterprise_id, basis_id=auth_id), "no_authorisation")
    # the same authorisation for another subject
    assert refused(read(client, bank, world.person_id, basis_id=auth_id), "no_authorisation")
    assert [e.allowed for e in _log(session)] == [True, False, False, False, False]


def test_an_authorisation_holds_only_from_its_first_to_its_last_day(world, client, today):
    body = {"valid_from": "2026-09-10"}
    auth_id = grant(client, world.token("firm"), world.orgs["bank"].uscc, valid_to="2026-09-30", **body).json()["id"]
    bank = world.token("bank")
    assert refused(read(client, bank, world.enterprise_id, basis_id=auth_id), "not_valid_today")   # 2026-09-01
    today("2026-09-10")
    assert read(client, bank, world.enterprise_id, basis_id=auth_id).status_code == 200
    today("2026-09-30")
    assert read(client, bank, world.enterprise_id, basis_id=auth_id).status_code == 200
    today("2026-10-01")
    assert refused(read(client, bank, world.enterprise_id, basis_id=auth_id), "not_valid_today")


def test_revocation_takes_effect_at_once(world, client, session):
    firm, bank = world.token("firm"), world.token("bank")
    auth_id = grant(client, firm, world.orgs["bank"].uscc).json()["id"]
    assert read(client, bank, world.enterprise_id, basis_id=auth_id).status_code == 200
    r = client.post(f"/api/v1/me/authorisations/{auth_id}/revoke", json={"reason": "贷款已结清"}, headers=firm)
    assert r.status_code == 200 and r.json()["status"] == "revoked"
    assert refused(read(client, bank, world.enterprise_id, basis_id=auth_id), "revoked")


def test_query_items_are_a_basis_only_while_published_and_only_for_their_agency(world, client):
    scjg = world.token("scjg")
    body = {"matter": "食品经营许可审查", "items": ["penalty"], "legal_basis": "《中华人民共和国食品安全法》第三十五条"}
    qi = client.post("/api/v1/query-items", json=body, headers=scjg).json()
    assert qi["status"] == "draft"

    def ask(headers, **kw):
        return read(client, headers, world.enterprise_id, **{"purpose": "食品经营许可审查", "basis": "query_item",
                                                            "basis_id": qi["id"], **kw})
    assert refused(ask(scjg), "query_item_draft")
    assert client.post(f"/api/v1/query-items/{qi['id']}/publish", headers=scjg).status_code == 200
    assert ask(scjg).status_code == 200
    assert refused(ask(scjg, items="penalty,licence"), "item_not_covered")
    assert refused(ask(scjg, purpose="其他事项"), "purpose_mismatch")
    assert refused(ask(world.token("swj")), "no_query_item")           # another agency, same item number
    assert refused(ask(world.token("bank")), "no_query_item")          # not a public body
    assert client.post(f"/api/v1/query-items/{qi['id']}/withdraw", headers=scjg).status_code == 200
    assert refused(ask(scjg), "query_item_withdrawn")


def test_a_query_item_cannot_list_what_only_the_subjects_authorisation_opens(world, client):
    """FZ art. 13 para. 3 / QZ art. 33: refused when drafted, with the reason, and never offered."""
    from xinyong.catalogue import get_catalogue
    consent_only = [i for i in get_catalogue().items if i.disclosure == "authorisation_required"]
    assert consent_only
    scjg = world.token("scjg")
    body = {"matter": "招商引资项目审查", "items": ["penalty", consent_only[0].code], "legal_basis": "《某条例》"}
    r = client.post("/api/v1/query-items", json=body, headers=scjg)
    assert r.status_code == 422 and consent_only[0].name_zh in r.json()["error"]["message"], r.text


def test_a_query_item_does_not_cover_a_persons_identity(world, client):
    scjg = world.token("scjg")
    body = {"matter": "从业资格审查", "items": ["penalty"], "legal_basis": "《食品安全法》第一百三十五条"}
    qi_id = client.post("/api/v1/query-items", json=body, headers=scjg).json()["id"]
    client.post(f"/api/v1/query-items/{qi_id}/publish", headers=scjg)
    r = read(client, scjg, world.person_id, purpose="从业资格审查", basis="query_item", basis_id=qi_id)
    profile = r.json()
    assert r.status_code == 200 and profile["masked"] is True
    assert profile["name"] == "陈**" and world.person_resident_id not in r.text and "陈美玲" not in r.text
    assert profile["resident_id"].startswith(world.person_resident_id[:6]) and "*" in profile["resident_id"]
    assert len(profile["records"]) == 2


def test_a_legal_basis_serves_its_organisation_kind_with_a_document_number(world, client):
    court, bank, scjg = world.token("court"), world.token("bank"), world.token("scjg")
    args = {"basis": "legal_basis", "basis_id": "civil_court_inquiry", "purpose": "执行案件财产调查"}
    ok = read(client, court, world.person_id, reference="（2026）闽05执123号", **args)
    assert ok.status_code == 200, ok.text
    assert ok.json()["name"] == "陈美玲" and ok.json()["resident_id"] == world.person_resident_id  # identity covered
    assert "民事诉讼法" in ok.json()["decision"]["citation"]
    assert refused(read(client, court, world.person_id, **args), "reference_required")
    assert refused(read(client, bank, world.person_id, reference="x", **args), "wrong_organisation_kind")
    assert refused(read(client, scjg, world.person_id, reference="x", **args), "wrong_organisation_kind")
    assert refused(read(client, court, world.person_id, items="penalty,volunteered", reference="x", **args),
                   "item_not_covered")
    assert refused(read(client, court, world.person_id, items="restricted:deposits", reference="x", **args),
                   "restricted_needs_consent")


def test_restricted_classes_need_consent_after_the_notice(world, client, session):
    chen, bank = world.token("chen"), world.token("bank")
    no_consent = grant(client, chen, world.orgs["bank"].uscc, items=("restricted:income",))
    assert no_consent.status_code == 422 and no_consent.json()["error"]["field"] == "restricted_consent"
    given = grant(client, chen, world.orgs["bank"].uscc, items=("penalty", "restricted:income"), restricted_consent=True)
    assert given.status_code == 201 and given.json()["restricted_consent"] is True
    assert "不利后果" in given.json()["consequences_notice"]
    assert read(client, bank, world.person_id, items="penalty,restricted:income", basis_id=given.json()["id"]).status_code == 200
    # an authorisation on file that names a restricted class but carries no consent is no basis for it
    paper = Authorisation(subject_id=world.person_id, grantee_org_id=world.orgs["bank"].id, items=["restricted:income"],
                          purpose="信贷审查", valid_from=dt.date(2026, 9, 1), valid_to=dt.date(2026, 12, 31),
                          restricted_consent=False)
    session.add(paper)
    session.commit()
    assert refused(read(client, bank, world.person_id, items="restricted:income", basis_id=paper.id),
                   "restricted_needs_consent")


def test_a_subject_reads_itself_and_nobody_else(world, client):
    firm = world.token("firm")
    own = read(client, firm, world.enterprise_id, items="penalty,licence,restricted:tax_amount", purpose="", basis="self")
    assert own.status_code == 200 and len(own.json()["records"]) == 2
    assert refused(read(client, firm, world.person_id, basis="self"), "not_own_subject")


def test_staff_serve_a_self_query_at_the_window_with_the_application_number(world, client, session):
    staff = world.token("staff")
    assert refused(read(client, staff, world.person_id, basis="self"), "reference_required")
    ok = read(client, staff, world.person_id, basis="self", reference="窗口申请-0901-07")
    assert ok.status_code == 200 and ok.json()["masked"] is False
    assert _log(session)[-1].channel == "window"


def test_an_unknown_subject_is_404_and_bad_input_422(world, client, session):
    bank = world.token("bank")
    assert read(client, bank, 999_999).status_code == 404
    assert client.get(f"/api/v1/subjects/{world.enterprise_id}/profile", headers=bank,
                      params={"items": "penalty", "basis": "gossip"}).status_code == 422
    assert _log(session) == []


def test_a_token_without_the_scope_cannot_read_profiles(world, client):
    narrow = world.token("bank", scopes=["batches:read"])
    r = read(client, narrow, world.enterprise_id, basis_id=1)
    assert r.status_code == 403 and r.json()["error"]["code"] == "insufficient_scope"
    assert client.get(f"/api/v1/subjects/{world.enterprise_id}/profile?items=penalty&basis=self").status_code == 401


def test_the_records_of_a_read_come_in_one_query(world, client):
    auth_id = grant(client, world.token("firm"), world.orgs["bank"].uscc, items=("penalty", "licence")).json()["id"]
    bank = world.token("bank")
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)
    engine = get_engine()   # the application's engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        assert read(client, bank, world.enterprise_id, items="penalty,licence", basis_id=auth_id).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    on_records = [s for s in statements if "FROM records" in s]
    assert len(on_records) == 1, on_records


def test_the_policy_is_the_active_profiles(world, monkeypatch):
    from xinyong.config import reset_settings
    from xinyong.law import reset_profiles
    monkeypatch.setenv("XINYONG_PROFILE", "fuzhou")
    reset_settings()
    reset_profiles()
    try:
        assert "FZ art. 13 para. 3" in gate.policy().citations["authorisation"]
    finally:
        monkeypatch.delenv("XINYONG_PROFILE")
        reset_settings()
        reset_profiles()


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_the_records_query_is_served_by_the_subject_index(world, session, backend):
    """On PostgreSQL (a query plan: runs on that backend only) the plan reaches the records
    through an index led by subject_id (with sequential scans discouraged: the test tables
    are too small for the planner to care)."""
    stmt = repository.records_statement(world.enterprise_id, ["penalty", "licence"])
    sql = str(stmt.compile(dialect=session.bind.dialect, compile_kwargs={"literal_binds": True}))
    session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(session.scalars(text("EXPLAIN " + sql)))
    assert "ix_records_subject_date" in plan, plan


def test_every_purpose_the_platform_logs_reads_in_english():
    # "专项信用报告" (a subject's own special report) stood untranslated on English access logs
    from xinyong.reports.rules import PURPOSE
    for zh in [*PURPOSE.values(), *(zh for zh, _ in gate.PURPOSES.values())]:
        en = gate.purpose_in(zh, "en")
        assert en != zh and en[:1].isupper(), zh
    assert gate.purpose_in("专项信用报告", "en") == "Special credit report"
    assert gate.purpose_in("信贷审查", "en") == "信贷审查"          # a purpose someone wrote stays as written
