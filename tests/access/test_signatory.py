"""Who signed a written authorisation (FZ art. 13 para. 3; QZ art. 33): the rule, pure and as a
property over every capacity and subject kind, and end to end through the API — an unsigned or
wrongly signed authorisation is refused, the window records the signatory too, and the
subject's access log shows who signed the authorisation a query rested on."""
from __future__ import annotations

import base64

from hypothesis import given, strategies as st

from tests.access.support import POA_PDF, grant, read
from xinyong.access import signatory
from xinyong.models import Authorisation

KINDS = ("natural_person", "legal_person", "unincorporated_org", "individual_business")


@given(kind=st.sampled_from(KINDS), capacity=st.sampled_from(signatory.CAPACITIES + ("boss", "")),
       name=st.sampled_from(["", "  ", "王大明", "李四"]), rep=st.sampled_from([None, "王大明"]),
       poa=st.sampled_from([None, b"", POA_PDF, b"MZ not a pdf"]))
def test_fz_art_13_the_signature_rule_over_every_case(kind, capacity, name, rep, poa):
    problem = signatory.signatory_problem(kind, rep, name, capacity, poa)
    person = kind == "natural_person"
    ok = (bool(name.strip()) and capacity in signatory.CAPACITIES
          and not (person and capacity == "legal_representative") and not (not person and capacity == "self")
          and not (capacity == "legal_representative" and rep and name != rep)
          and not (capacity == "agent" and (not poa or signatory.poa_type(poa) is None)))
    assert (problem is None) == ok
    if problem is not None:
        assert problem[0] in ("signatory_name", "signatory_capacity", "power_of_attorney") and problem[1] and problem[2]


def test_label_names_the_capacity_in_each_language():
    assert signatory.label("王大明", "legal_representative") == "王大明（法定代表人）"
    assert signatory.label("王大明", "agent", "en") == "王大明 (agent under a power of attorney)"
    assert signatory.label(None, None) is None


def test_qz_art_33_unsigned_authorisations_are_refused_and_the_log_names_the_signatory(world, client, session):
    firm, bank = world.token("firm"), world.orgs["bank"].uscc
    unsigned = grant(client, firm, bank, signatory_name="", signatory_capacity="", power_of_attorney_b64="")
    assert unsigned.status_code == 422 and unsigned.json()["error"]["field"] == "signatory_name"
    as_person = grant(client, firm, bank, signatory_name="王五", signatory_capacity="self", power_of_attorney_b64="")
    assert as_person.status_code == 422 and as_person.json()["error"]["field"] == "signatory_capacity"
    agent_no_file = grant(client, firm, bank, power_of_attorney_b64="")
    assert agent_no_file.status_code == 422 and agent_no_file.json()["error"]["field"] == "power_of_attorney"
    bad_file = grant(client, firm, bank, power_of_attorney_b64=base64.b64encode(b"<html>").decode())
    assert bad_file.status_code == 422 and bad_file.json()["error"]["field"] == "power_of_attorney"

    made = grant(client, firm, bank)
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["signatory_name"] == "林代理" and body["signatory_capacity"] == "agent"
    assert body["power_of_attorney_on_file"] is True
    stored = session.get(Authorisation, body["id"])
    assert stored.power_of_attorney == POA_PDF and stored.power_of_attorney_type == "application/pdf"

    assert read(client, world.token("bank"), world.enterprise_id, basis_id=body["id"]).status_code == 200
    log = client.get("/api/v1/me/access-log", headers=firm).json()
    assert log[0]["basis_kind"] == "authorisation" and log[0]["signatory"] == "林代理（委托代理人）"
    entry = client.get(f"/api/v1/me/access-log/{log[0]['id']}", headers=firm).json()
    assert entry["signatory"] == "林代理（委托代理人）"


def test_the_window_records_the_signatory_of_a_paper_authorisation(world, client):
    staff = world.token("staff")
    body = {"subject_resident_id": world.person_resident_id, "grantee_uscc": world.orgs["bank"].uscc,
            "items": ["penalty"], "purpose": "信贷审查", "valid_to": "2026-12-31", "document_ref": "纸质-0902-1"}
    refused = client.post("/api/v1/authorisations", json=body, headers=staff)
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "signatory_name"
    as_rep = client.post("/api/v1/authorisations", json={**body, "signatory_name": "陈美玲",
                                                         "signatory_capacity": "legal_representative"}, headers=staff)
    assert as_rep.status_code == 422 and as_rep.json()["error"]["field"] == "signatory_capacity"
    made = client.post("/api/v1/authorisations", json={**body, "signatory_name": "陈美玲", "signatory_capacity": "self"},
                       headers=staff)
    assert made.status_code == 201, made.text
    assert made.json()["signatory_name"] == "陈美玲" and made.json()["power_of_attorney_on_file"] is False
