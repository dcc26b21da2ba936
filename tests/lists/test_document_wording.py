"""Documents and messages name lists, categories and records as the law and the subject know
them (issue #11 point 9): the list's name from the profile in force, the category's Chinese name
from the profile's data, a record by its deciding agency and 决定文书号 — never a code or a row
number. Rendered on the Quanzhou and the Fuzhou profile; the check fails on any snake_case code."""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from tests.lists.support import build, proposal
from xinyong.law.loader import get_profile
from xinyong.lists import service
from xinyong.models import Agency, Document, Record
from xinyong.repair import rules as repair_rules

CODE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")     # health_safety, serious_dishonesty, objection_reply ...
CATEGORY_CODES = ("health_safety", "fair_competition", "legal_obligations", "national_defence")


def _text(doc: Document) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(doc.content)).pages).replace("\x00", "")


def _record(**over) -> repair_rules.RecordFacts:
    base = dict(id=3, item_code="penalty", severity="serious", decision_date=dt.date(2026, 4, 10), status="active",
                under_objection=False, publicity_published=True, publicity_min_end=dt.date(2026, 7, 10),
                publicity_end=dt.date(2029, 4, 10), publicity_citation="NDRC-36 art. 7")
    base.update(over)
    return repair_rules.RecordFacts(**base)


# only Fuzhou bars repair by category (FZ art. 22); a Quanzhou serious listing bars nothing (QZ art. 36
# para. 2-3: repair ends the listing), tests/repair/test_rules.py checks that side
@pytest.mark.parametrize(("profile", "list_zh", "other_list"), [("fuzhou", "黑名单", "严重失信主体名单")])
@pytest.mark.parametrize("category", CATEGORY_CODES)
def test_fz_art_22_the_non_repairable_message_names_the_city_list_and_the_category(profile, list_zh,
                                                                                   other_list, category):
    law = get_profile(profile)
    result = repair_rules.decide(law, _record(serious_list_category=category), dt.date(2026, 9, 1))
    [reason] = [r for r in result.reasons if r.code == "serious_category"]
    label = law.rule("lists.serious_dishonesty", dt.date(2026, 9, 1)).value["categories"][category]
    assert list_zh in reason.text_zh and label in reason.text_zh and other_list not in reason.text_zh, reason.text_zh
    assert not CODE.search(reason.text_zh) and category not in reason.text_en, (reason.text_zh, reason.text_en)


def _listing_documents(session, world, today, kind: str) -> list[Document]:
    p = service.propose(session, world.agency, proposal(world, kind=kind))
    service.send_notice(session, world.agency, p.id)
    today("2026-06-30")
    service.decide(session, world.agency, p.id)
    return list(session.scalars(select(Document).where(Document.procedure_id == p.id).order_by(Document.id)))


def _assert_named(session, world, docs: list[Document], list_zh: str) -> None:
    record = session.get(Record, world.serious_id)
    agency = session.get(Agency, record.source_agency_id).name
    assert [d.kind for d in docs] == ["listing_notice", "listing_decision"]
    for doc in docs:
        text = _text(doc)
        assert list_zh in text and "严重危害人民群众身体健康和生命安全" in text
        assert record.decision_no in text and agency in text, text
        assert f"记录 {record.id}" not in text and not CODE.search(text), CODE.findall(text)


def test_qz_art_23_listing_notice_and_decision_name_the_basis_by_decision_number_and_agency(session, today):
    today("2026-06-01")
    w = build(session)
    _assert_named(session, w, _listing_documents(session, w, today, "serious_dishonesty"), "严重失信主体名单")


def test_fz_art_17_black_list_notice_and_decision_name_fuzhou_list_and_the_basis_by_decision_number(
        session, fuzhou, today):
    docs = _listing_documents(session, fuzhou, today, "black")
    _assert_named(session, fuzhou, docs, "黑名单")
    assert all("严重失信主体名单" not in _text(d) for d in docs)


def test_a_basis_refusal_names_the_record_by_its_decision_number(session, today):
    from xinyong.kit.errors import XinyongError
    today("2026-06-01")
    w = build(session)
    with pytest.raises(XinyongError) as refused:      # a general penalty is no basis for the serious list
        service.propose(session, w.agency, proposal(w, basis_record_ids=[w.general_id]))
    record = session.get(Record, w.general_id)
    assert record.decision_no in refused.value.message and f"记录 {record.id}" not in refused.value.message
    assert "“一般”" in refused.value.message and not CODE.search(refused.value.message)


def test_the_proposal_pages_and_api_name_the_basis_by_agency_and_decision_number(client, session, today):
    today("2026-06-01")
    w = build(session)
    p = service.propose(session, w.agency, proposal(w))
    session.commit()
    record = session.get(Record, w.serious_id)
    agency = session.get(Agency, record.source_agency_id).name
    signed_in = client.post("/login", data={"username": "agency1", "password": "agency-pass-123",
                                            "csrf_token": _csrf(client), "next": "/"}, follow_redirects=False)
    assert signed_in.status_code == 303, signed_in.text
    page = client.get(f"/office/lists/proposals/{p.id}")
    assert page.status_code == 200 and f"{agency} {record.decision_no}" in page.text
    api = client.get(f"/api/v1/lists/proposals/{p.id}").json()
    assert api["basis_records"] == [f"{agency} {record.decision_no}"]


def _csrf(client) -> str:
    page = client.get("/login").text
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
