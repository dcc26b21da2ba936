"""List entries (QZ art. 22-23) and broken commitments (QZ art. 25) weigh in the evaluation,
each contribution leading to the entries behind it; a commitment whose breach record was
repaired stops counting, as records do."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import text

from xinyong.evaluation import repository, service
from xinyong.models import Agency, Record
from xinyong.models.commitment import Commitment
from xinyong.models.listing import ListEntry, ListProposal


def _entry(session, subject_id, agency_id, kind, status="active"):
    p = ListProposal(subject_id=subject_id, kind=kind, proposing_org_id=agency_id, reasons="演示", legal_basis="QZ 22",
                     period_months=36, status="decided", decided_on=dt.date(2026, 6, 1))
    session.add(p)
    session.flush()
    e = ListEntry(subject_id=subject_id, proposal_id=p.id, kind=kind, proposing_org_id=agency_id, status=status,
                  decided_on=dt.date(2026, 6, 1), listed_on=dt.date(2026, 6, 2), period_end=dt.date(2029, 6, 1))
    session.add(e)
    session.flush()
    return e


def test_list_entries_and_broken_commitments_count(session, city):
    agency_id = session.query(Agency.id).first()[0]
    black = _entry(session, city.firm, agency_id, "serious_dishonesty")
    _entry(session, city.firm, agency_id, "black", status="removed")
    _entry(session, city.clean, agency_id, "red")
    breach_record = session.query(Record).filter(Record.subject_id == city.clean).first()
    c = Commitment(subject_id=city.clean, agency_id=agency_id, commitment_no="承诺〔2026〕1号", type="voluntary_public",
                   matter="食品经营", text="承诺守法经营", signed_on=dt.date(2026, 1, 5), citation="QZ 25",
                   status="breached", breached_on=dt.date(2026, 7, 1), breach_record_id=breach_record.id)
    session.add(c)
    session.flush()
    service.recompute_full(session)
    firm = {x["indicator"]: x for x in repository.contributions_of(session, "qz-2026.1", city.firm)}
    assert (firm["serious_dishonesty_list"]["matched"], firm["serious_dishonesty_list"]["points"]) == (1, -40)
    _, rows, _ = service.records_behind(session, city.firm, "serious_dishonesty_list")
    assert [r["id"] for r in rows] == [black.id]   # the removed entry does not count
    clean = {x["indicator"]: x["points"] for x in repository.contributions_of(session, "qz-2026.1", city.clean)}
    assert clean == {"red_list": 5, "commitment_breach": -10}
    assert repository.result_row(session, "qz-2026.1", city.clean)["score"] == 85
    _, rows, _ = service.records_behind(session, city.clean, "commitment_breach")
    assert [r["commitment_no"] for r in rows] == ["承诺〔2026〕1号"]
    session.execute(text("UPDATE records SET status = 'repaired' WHERE id = :i"), {"i": breach_record.id})
    service.recompute_full(session)
    clean = {x["indicator"]: x["points"] for x in repository.contributions_of(session, "qz-2026.1", city.clean)}
    assert clean == {"red_list": 5}
