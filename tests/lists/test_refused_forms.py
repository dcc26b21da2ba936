"""A listing form refused on its page comes back as it was sent, with the refusal: the proposal
with its responsible persons (they came back as the legal representative alone), and the answer
to an objection with its outcome and reply (they came back empty)."""
from __future__ import annotations

import re

from tests.lists.support import build, proposal
from tests.support.web import page_login
from xinyong.lists import service

ERROR = re.compile(r'<p class="error-message">([^<]+)</p>')


def _selected(html: str, name: str) -> str | None:
    select = re.search(rf'<select id="{name}" name="{name}">(.*?)</select>', html, re.S).group(1)
    chosen = re.search(r'<option value="([^"]*)" selected>', select)
    return chosen.group(1) if chosen else None


def test_a_refused_proposal_keeps_its_responsible_persons(client, session, today):
    today("2026-06-01")
    w = build(session)
    session.commit()
    csrf = page_login(client, "agency1", "agency-pass-123")
    sent = {"csrf_token": csrf, "kind": "serious_dishonesty", "subject": str(w.subject_id), "category": "other",
            "reasons": "生产经营中严重危害人民群众身体健康", "legal_basis": "《中华人民共和国安全生产法》",
            "basis_record_ids": [str(w.serious_id)], "period_months": "24",
            "person_role_1": "directly_responsible", "person_name_1": "李小红",
            "person_role_2": "principal", "person_name_2": "张大山"}
    r = client.post("/office/lists/new", data=sent)
    assert r.status_code == 422 and "第二十二条" in ERROR.search(r.text).group(1)
    assert [(_selected(r.text, f"person_role_{i}"), re.search(rf'id="person_name_{i}"[^>]*value="([^"]*)"', r.text).group(1))
            for i in (1, 2, 3)] == [("directly_responsible", "李小红"), ("principal", "张大山"), (None, "")]
    assert ">生产经营中严重危害人民群众身体健康</textarea>" in r.text and 'value="24"' in r.text
    basis = re.search(rf'value="{w.serious_id}" checked>(.*?)</label>', r.text, re.S).group(1)
    assert "泉市监罚〔2026〕501号" in basis and "#" not in basis              # a record by its decision, not its id
    fresh = client.get(f"/office/lists/new?kind=serious_dishonesty&subject={w.subject_id}").text
    assert _selected(fresh, "person_role_1") == "legal_representative" and 'value="王大明"' in fresh   # offered on a new one


def test_a_refused_answer_to_an_objection_keeps_its_outcome_and_reply(client, session, today):
    today("2026-06-01")
    w = build(session)
    p = service.propose(session, w.agency, proposal(w))
    service.send_notice(session, w.staff, p.id)
    service.object_to(session, w.subject, p.id, "违法行为已整改")
    session.commit()
    csrf = page_login(client, "agency1", "agency-pass-123")
    url = f"/office/lists/proposals/{p.id}/objection-reply"
    no_outcome = client.post(url, data={"csrf_token": csrf, "reply": "经核实，整改不改变违法行为的性质"})
    assert no_outcome.status_code == 422 and "核实结果" in ERROR.search(no_outcome.text).group(1)
    assert ">经核实，整改不改变违法行为的性质</textarea>" in no_outcome.text
    no_reply = client.post(url, data={"csrf_token": csrf, "outcome": "withdrawn", "reply": " "})
    assert no_reply.status_code == 422 and "核实情况" in ERROR.search(no_reply.text).group(1)
    assert re.search(r'name="outcome" value="withdrawn" checked', no_reply.text)
    assert not re.search(r'name="outcome" value="upheld" checked', no_reply.text)
    assert client.get(f"/office/lists/proposals/{p.id}").text.count(" checked") == 0   # a fresh page chooses nothing


def test_the_proposal_form_offers_only_records_that_can_ground_the_listing(client, session, today):
    """A general penalty (QZ art. 22 para. 3 wants an act classed serious) was offered as a basis
    and then refused: the form offers the serious one only."""
    today("2026-06-01")
    w = build(session)
    session.commit()
    page_login(client, "agency1", "agency-pass-123")
    page = client.get(f"/office/lists/new?kind=serious_dishonesty&subject={w.subject_id}").text
    assert f'value="{w.serious_id}"' in page and f'value="{w.general_id}"' not in page
    assert "泉市监罚〔2026〕501号" in page and "泉市监罚〔2026〕502号" not in page
