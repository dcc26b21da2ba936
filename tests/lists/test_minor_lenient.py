"""QZ art. 21 (1) raised by the platform: a natural person under 18 at the date of the act (the
birth date is in the resident ID) is flagged for lenient handling; the proposer is shown the
article and must either follow it (the serious listing is then refused) or record a reason to
proceed without leniency. End to end through the API on the Quanzhou profile, both backends."""
from __future__ import annotations

import datetime as dt
import random

from hypothesis import given, strategies as st
from sqlalchemy import select

from tests.support.builders import agency, agency_user, to_csv
from xinyong.accounts.tokens import issue_token
from xinyong.ingest.service import ingest_file
from xinyong.lists import rules
from xinyong.models import AuditEntry, Record
from xinyong.synthetic import make_resident_id, penalty_row
from xinyong.subjects import opener as resident_ids


@given(birth=st.dates(dt.date(1990, 1, 1), dt.date(2015, 12, 31)), days=st.integers(0, 30 * 366))
def test_minor_at_is_under_18_on_the_day_of_the_act(birth, days):
    act = birth + dt.timedelta(days=days)
    try:
        eighteenth = birth.replace(year=birth.year + 18)
    except ValueError:                       # born on 29 February
        eighteenth = dt.date(birth.year + 18, 3, 1)
    assert rules.minor_at(birth, act) == (act < eighteenth)


def _minor_with_serious_record(session, act: dt.date):
    regulator = agency(session)
    rng = random.Random(21)
    rid = make_resident_id(rng, born_from=2009, born_to=2009)
    born = rules.birth_date(rid)
    act = max(act, born + dt.timedelta(days=17 * 366))          # aged 17 on the day of the act
    row = penalty_row(rng, name="林小明", subject_uscc="", decision_no="泉市监罚〔2026〕77号", decision_date=act,
                      kind="吊销许可证件", agency_uscc=regulator.uscc, person_id=rid)
    out = ingest_file(session, data=to_csv([row]), filename="m.csv", source_uscc=regulator.uscc, item_code="penalty")
    assert out.accepted == 1, out
    record = session.scalar(select(Record).where(Record.decision_no == "泉市监罚〔2026〕77号"))
    agency_user(session, regulator.uscc)
    return record, born, act


def test_a_minor_is_flagged_by_the_platform_and_needs_a_recorded_reason(client, session, today):
    today("2026-09-01")
    record, born, act = _minor_with_serious_record(session, dt.date(2026, 5, 6))
    assert rules.minor_at(born, act)
    headers = {"Authorization": f"Bearer {issue_token(session, 'agency1')}"}
    session.commit()
    if record.severity != "serious":
        session.execute(Record.__table__.update().where(Record.id == record.id).values(severity="serious"))
        session.commit()
    body = {"kind": "serious_dishonesty", "subject_id": record.subject_id, "category": "health_safety",
            "basis_record_ids": [record.id], "reasons": "生产销售有毒有害食品", "legal_basis": "《食品安全法》",
            "measures": "限制参与政府采购活动"}
    raised = client.post("/api/v1/lists/proposals", json=body, headers=headers)
    assert raised.status_code == 422, raised.text
    error = raised.json()["error"]
    assert error["code"] == "listing_lenient_raised" and "QZ art. 21" in error["details"]["citation"]
    assert "未成年人" in error["message"]
    # following the flag: the serious listing is refused for leniency (QZ art. 21)
    lenient = client.post("/api/v1/lists/proposals", json={**body, "lenient_flags": ["minor_full_capacity"]},
                          headers=headers)
    assert lenient.status_code == 409 and lenient.json()["error"]["code"] == "listing_lenient_handling"
    # proceeding without leniency: the reason is recorded and shown
    made = client.post("/api/v1/lists/proposals", json={**body, "lenient_waiver_reason": "行为人已满十七周岁，"
                                                        "系主犯且多次实施，不符合从宽条件"}, headers=headers)
    assert made.status_code == 201, made.text
    out = made.json()
    assert out["platform_lenient_flags"] == ["minor_full_capacity"]
    assert out["lenient_waiver_reason"].startswith("行为人已满十七周岁")
    opened = session.scalars(select(AuditEntry).where(AuditEntry.action == resident_ids.VIEWED)).all()
    assert opened and all(a.subject_id == record.subject_id for a in opened)
    assert {a.details["purpose"] for a in opened} == {"age at the act (QZ art. 21)"}


def test_the_birth_date_is_read_from_the_id_and_an_adult_is_not_flagged():
    assert rules.birth_date("350582198501011234") == dt.date(1985, 1, 1)
    assert rules.birth_date("35058219851301123X") is None
    assert not rules.minor_at(dt.date(1985, 1, 1), dt.date(2026, 5, 6))
