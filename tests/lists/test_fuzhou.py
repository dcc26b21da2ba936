"""Fuzhou runs the red list and the black list (FZ art. 14, 16-18): a red listing needs the
criteria and no prior notice; the black list takes the four categories, the notice and the
objection; the serious-dishonesty list of Quanzhou is not run there. Both backends."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.lists.support import proposal
from xinyong.kit.errors import Conflict, InvalidInput
from xinyong.lists import repository, service
from xinyong.synthetic import penalty_row


def test_the_serious_list_is_not_run_in_fuzhou(session, fuzhou):
    with pytest.raises(Conflict) as err:
        service.propose(session, fuzhou.agency, proposal(fuzhou))
    assert err.value.code == "listing_kind_not_run" and "FZ art. 14" in err.value.message


def test_a_black_listing_runs_through_notice_and_marks_responsible_persons(session, fuzhou, today):
    with pytest.raises(Conflict) as err:   # a general record grounds no black listing (FZ art. 15 para. 2)
        service.propose(session, fuzhou.agency, proposal(fuzhou, kind="black", basis_record_ids=[fuzhou.general_id]))
    assert err.value.code == "listing_basis_not_serious"
    p = service.propose(session, fuzhou.agency, proposal(fuzhou, kind="black", basis_record_ids=[fuzhou.serious_id],
                                                         responsible_persons=[{"role": "principal", "name": "赵经理"}]))
    assert p.responsible_persons == [{"role": "principal", "name": "赵经理", "subject_id": None}]
    assert "FZ art. 14, 17, 18" in p.citation
    with pytest.raises(Conflict) as err:
        service.decide(session, fuzhou.agency, p.id)
    assert err.value.code == "listing_notice_not_sent"
    service.send_notice(session, fuzhou.agency, p.id)
    today("2026-06-30")
    entry = service.decide(session, fuzhou.agency, p.id)
    service.publish(session, fuzhou.staff, p.id)
    assert [e.kind for e in repository.active_entries(session, [fuzhou.subject_id], entry.listed_on)[fuzhou.subject_id]] \
        == ["black"]


def _clean_subject(session) -> int:
    """A firm with no record at all."""
    import random

    from xinyong.models import Subject
    from xinyong.synthetic import make_uscc
    firm = Subject(kind="legal_person", name="福州市守信示范有限公司", uscc=make_uscc(random.Random(316)))
    session.add(firm)
    session.flush()
    return firm.id


def test_a_red_listing_needs_criteria_and_is_decided_without_notice(session, fuzhou):
    red = dict(kind="red", category=None, basis_record_ids=[], responsible_persons=[],
               reasons="连续三年诚信经营", legal_basis="《福州市社会信用管理办法》第十六条", measures="行政许可绿色通道")
    with pytest.raises(InvalidInput) as err:
        service.propose(session, fuzhou.staff, proposal(fuzhou, **red, proposing_org_id=fuzhou.agency_id))
    assert err.value.code == "listing_criteria_required" and "FZ art. 16" in err.value.message
    for criteria in (["three_years_clean"], ["integrity_model"]):   # a serious penalty in public view: no 守信主体
        with pytest.raises(Conflict) as err:
            service.propose(session, fuzhou.staff, proposal(fuzhou, **red, criteria=criteria,
                                                            proposing_org_id=fuzhou.agency_id))
        assert err.value.code == "listing_current_adverse_records" and "FZ art. 16" in err.value.message
    p = service.propose(session, fuzhou.staff, proposal(fuzhou, **red, criteria=["integrity_model"],
                                                        subject_id=_clean_subject(session),
                                                        proposing_org_id=fuzhou.agency_id))
    with pytest.raises(Conflict) as err:
        service.send_notice(session, fuzhou.staff, p.id)
    assert err.value.code == "listing_notice_not_required"
    entry = service.decide(session, fuzhou.staff, p.id)
    service.publish(session, fuzhou.staff, p.id)
    assert entry.status == "active" and entry.kind == "red"
    assert entry.period_end.year == entry.listed_on.year + 2


def _red_listed(session, w, subject_id: int):
    red = dict(kind="red", category=None, basis_record_ids=[], responsible_persons=[], criteria=["integrity_model"],
               reasons="诚信典型", legal_basis="《福州市社会信用管理办法》第十六条", measures="行政许可绿色通道",
               proposing_org_id=w.agency_id, subject_id=subject_id)
    p = service.propose(session, w.staff, proposal(w, **red))
    service.decide(session, w.staff, p.id)
    return service.publish(session, w.staff, p.id)


def _removal_docs(session, entry):
    from sqlalchemy import select

    from xinyong.models import Document
    return list(session.scalars(select(Document).where(Document.kind == "listing_removal",
                                                       Document.procedure_id == entry.proposal_id)))


def _serious_penalty(session, w, subject_id: int, no: str) -> int:
    """A serious penalty (吊销许可证件) of the subject, ingested from the Fuzhou agency."""
    import random

    from sqlalchemy import select

    from tests.support.builders import to_csv
    from xinyong.ingest.service import ingest_file
    from xinyong.models import Record, Subject
    firm = session.get(Subject, subject_id)
    row = penalty_row(random.Random(9), name=firm.name, subject_uscc=firm.uscc, decision_no=no,
                      decision_date=dt.date(2026, 5, 20), kind="吊销许可证件", agency_uscc=w.agency_uscc)
    out = ingest_file(session, data=to_csv([row]), filename="n.csv", source_uscc=w.agency_uscc, item_code="penalty")
    assert out.accepted == 1, out
    return session.scalar(select(Record.id).where(Record.decision_no == no))


def test_a_serious_record_ends_the_red_entry_and_grounds_the_black_listing(session, fuzhou, today):
    """FZ art. 14, 16-17: a subject is not on opposite lists. The serious record arriving ends the
    red entry (it is no longer a 守信主体), with its reason and document; the black listing on it
    follows."""
    firm = _clean_subject(session)
    red = _red_listed(session, fuzhou, firm)
    record_id = _serious_penalty(session, fuzhou, firm, "榕市监罚〔2026〕9号")
    session.refresh(red)
    assert red.status == "removed" and red.removal_reason == "criteria_broken"
    assert "榕市监罚〔2026〕9号" in red.removal_note and "FZ art. 16" in red.removal_note
    [doc] = _removal_docs(session, red)
    assert doc.subject_id == firm
    p = service.propose(session, fuzhou.agency, proposal(fuzhou, kind="black", subject_id=firm,
                                                         basis_record_ids=[record_id], responsible_persons=[]))
    service.send_notice(session, fuzhou.agency, p.id)
    today("2026-06-30")
    service.decide(session, fuzhou.agency, p.id)
    service.publish(session, fuzhou.staff, p.id)
    assert [e.kind for e in repository.active_entries(session, [firm], dt.date(2026, 6, 30))[firm]] == ["black"]


def test_an_ingested_adverse_record_ends_the_red_entry(session, fuzhou, today):
    """FZ art. 16(1) "no adverse credit record": a general penalty arriving by ingest ends the red
    entry (the lists hook on the batch, one query over the batch)."""
    import random

    from tests.support.builders import to_csv
    from xinyong.ingest.service import ingest_file
    from xinyong.models import Subject
    firm = session.get(Subject, _clean_subject(session))
    red = _red_listed(session, fuzhou, firm.id)
    minor = penalty_row(random.Random(9), name=firm.name, subject_uscc=firm.uscc,
                        decision_no="榕市监罚〔2026〕7号", decision_date=dt.date(2026, 5, 20), kind="罚款", fine_wan="5",
                        agency_uscc=fuzhou.agency_uscc)
    out = ingest_file(session, data=to_csv([minor]), filename="n.csv", source_uscc=fuzhou.agency_uscc,
                      item_code="penalty")
    assert out.accepted == 1, out
    session.refresh(red)
    assert red.status == "removed" and red.removal_reason == "criteria_broken"
    assert "榕市监罚〔2026〕7号" in red.removal_note and len(_removal_docs(session, red)) == 1


def _published_measure_lists(session, staff):
    from sqlalchemy import select

    from xinyong.measures import service as measures
    from xinyong.models.measure import MeasureList
    measures.sync(session, None)
    for lst in session.scalars(select(MeasureList).where(MeasureList.status == "draft")):
        measures.publish(session, staff, lst.id, f"榕信用办〔2026〕{lst.id}号")
    session.flush()
    return measures


def test_the_black_list_restricts_high_consumption_and_financial_business(session, fuzhou, today):
    """FZ art. 17(2) and (4) are on Fuzhou's published punishment list, each in its own matter and
    only for a subject on the black list."""
    measures = _published_measure_lists(session, fuzhou.staff)
    for matter in ("high_consumption", "financial_business"):
        assert measures.joint_check(session, fuzhou.agency, fuzhou.subject_id, matter).findings == []
    p = service.propose(session, fuzhou.agency, proposal(fuzhou, kind="black", basis_record_ids=[fuzhou.serious_id],
                                                         responsible_persons=[]))
    service.send_notice(session, fuzhou.agency, p.id)
    today("2026-06-30")
    service.decide(session, fuzhou.agency, p.id)
    service.publish(session, fuzhou.staff, p.id)
    for matter, code, item in (("high_consumption", "FZ-P-02", "第十七条第（二）项"),
                               ("financial_business", "FZ-P-04", "第十七条第（四）项")):
        result = measures.joint_check(session, fuzhou.agency, fuzhou.subject_id, matter)
        assert [f.measure.code for f in result.findings] == [code], matter
        assert item in result.findings[0].measure.legal_basis
        assert "黑名单" in result.findings[0].matches[0].reason_zh
    assert measures.joint_check(session, fuzhou.agency, fuzhou.subject_id, "public_services").findings == []


def test_the_red_list_gives_priority_in_education_employment_and_social_security(session, fuzhou):
    """FZ art. 16(3): the red list's support in education, employment, entrepreneurship and social
    security (matter public_services) is on Fuzhou's published incentive list."""
    measures = _published_measure_lists(session, fuzhou.staff)
    firm = _clean_subject(session)
    assert measures.joint_check(session, fuzhou.agency, firm, "public_services").findings == []
    _red_listed(session, fuzhou, firm)
    [finding] = measures.joint_check(session, fuzhou.agency, firm, "public_services").findings
    assert finding.measure.code == "FZ-I-03" and "第十六条第（三）项" in finding.measure.legal_basis
