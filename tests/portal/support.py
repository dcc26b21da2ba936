"""A small portal world on 2026-06-09: the lists' enterprise (two penalties, a licence, on the
serious-dishonesty list with its decision), a natural person with a penalty, another firm whose
only penalty is repaired (out of public view), and a second agency with a licence."""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from sqlalchemy import select

from tests.lists.support import COMPANY, build, proposal
from tests.support.builders import agency
from xinyong.ingest.service import ingest_file
from xinyong.lists import service as lists
from xinyong.models import Record, Subject
from xinyong.synthetic import (LICENCE_HEADERS, licence_row, make_resident_id, make_uscc, penalty_row,
                               subject_columns, to_csv)

PERSON = "林公示"
HIDDEN_FIRM = "泉州市已修复贸易有限公司"
HIDDEN_NO = "泉市监罚〔2026〕777号"
LICENCE_NO = "泉市监许〔2026〕9号"
OTHER_LICENCE_NO = "泉应急许〔2026〕3号"
PERSON_NO = "泉市监罚〔2026〕601号"


@dataclass
class PortalWorld:
    subject_id: int
    uscc: str
    person_id: int
    hidden_id: int
    entry_id: int
    agency_id: int
    other_agency_id: int


def _licence(subject: dict, no: str, day: dt.date, agency_row) -> dict:
    return licence_row(subject=subject, doc_name="食品经营许可决定书", decision_no=no, kind="普通",
                       certificate="食品经营许可证", licence_no="JY" + no[-4:-1], content="预包装食品销售",
                       decision_date=day, valid_to=dt.date(2031, 7, 31), agency_name=agency_row.name,
                       agency_uscc=agency_row.uscc)


def portal_world(session, set_today) -> PortalWorld:
    set_today("2026-06-01")
    w = build(session)
    regulator = session.get(__import__("xinyong.models", fromlist=["Agency"]).Agency, w.agency_id)
    other = agency(session, seed=9, name="泉州市卫生健康委员会")
    rng = random.Random(77)
    hidden_uscc = make_uscc(rng)
    rows = [penalty_row(rng, name=PERSON, subject_uscc="", decision_no=PERSON_NO, decision_date=dt.date(2026, 5, 20),
                        agency_uscc=regulator.uscc, person_id=make_resident_id(rng)),
            penalty_row(rng, name=HIDDEN_FIRM, subject_uscc=hidden_uscc, decision_no=HIDDEN_NO,
                        decision_date=dt.date(2026, 5, 21), agency_uscc=regulator.uscc)]
    assert ingest_file(session, data=to_csv(rows), filename="p2.csv", source_uscc=regulator.uscc,
                       item_code="penalty").accepted == 2
    firm = subject_columns(name=COMPANY, kind="legal_person", uscc_code=w.uscc, legal_rep="王大明")
    for agency_row, no, day in ((regulator, LICENCE_NO, dt.date(2026, 5, 10)), (other, OTHER_LICENCE_NO, dt.date(2026, 4, 2))):
        out = ingest_file(session, data=to_csv([_licence(firm, no, day, agency_row)], headers=LICENCE_HEADERS),
                          filename="l.csv", source_uscc=agency_row.uscc, item_code="licence")
        assert out.accepted == 1, out
    hidden = session.scalar(select(Record).where(Record.decision_no == HIDDEN_NO))
    hidden.status = "repaired"   # out of public view (publicity.public_condition)
    person = session.scalar(select(Subject).where(Subject.name == PERSON))
    p = lists.propose(session, w.agency, proposal(w))
    lists.send_notice(session, w.staff, p.id)
    session.commit()
    set_today("2026-06-09")
    lists.decide(session, w.agency, p.id)
    entry = lists.publish(session, w.staff, p.id)
    session.commit()
    return PortalWorld(w.subject_id, w.uscc, person.id, hidden.subject_id, entry.id, w.agency_id, other.id)
