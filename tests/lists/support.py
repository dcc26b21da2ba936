"""A small world for list tests: an agency with a user, staff, an enterprise with a serious and a
general penalty (its legal representative a person subject), and the enterprise's account."""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from sqlalchemy import select

from tests.support.builders import agency, agency_user, staff_user, to_csv
from xinyong.accounts.service import create_user, principal_of
from xinyong.ingest.service import ingest_file
from xinyong.kit.access import Principal
from xinyong.lists import service
from xinyong.lists.schemas import ProposalIn
from xinyong.models import Deadline, Record, Subject
from xinyong.models.listing import ListEntry
from xinyong.synthetic import make_uscc, penalty_row

COMPANY = "泉州市示范化工有限公司"


@dataclass
class World:
    agency_id: int
    agency_uscc: str
    subject_id: int
    uscc: str
    serious_id: int
    general_id: int
    agency: Principal
    staff: Principal
    subject: Principal
    other_agency: Principal


def build(session, decided: dt.date = dt.date(2026, 5, 6)) -> World:
    regulator = agency(session)
    other = agency(session, seed=8, name="泉州市应急管理局")
    rng = random.Random(4)
    uscc = make_uscc(rng)
    rows = [penalty_row(rng, name=COMPANY, subject_uscc=uscc, decision_no="泉市监罚〔2026〕501号", decision_date=decided,
                        kind="吊销许可证件", agency_uscc=regulator.uscc, legal_rep="王大明"),
            penalty_row(rng, name=COMPANY, subject_uscc=uscc, decision_no="泉市监罚〔2026〕502号", decision_date=decided,
                        kind="罚款", fine_wan="3", agency_uscc=regulator.uscc, legal_rep="王大明")]
    out = ingest_file(session, data=to_csv(rows), filename="p.csv", source_uscc=regulator.uscc, item_code="penalty")
    assert out.accepted == 2, out
    subject = session.scalar(select(Subject).where(Subject.uscc == uscc))
    records = {r.decision_no: r for r in session.scalars(select(Record).where(Record.subject_id == subject.id))}
    a = agency_user(session, regulator.uscc)
    o = agency_user(session, other.uscc, username="agency2")
    s = staff_user(session)
    subj = create_user(session, username="firm1", password="firm-pass-123", role="subject", subject_uscc=uscc)
    session.flush()
    return World(regulator.id, regulator.uscc, subject.id, uscc, records["泉市监罚〔2026〕501号"].id,
                 records["泉市监罚〔2026〕502号"].id, principal_of(a, "session"), principal_of(s, "session"),
                 principal_of(subj, "session"), principal_of(o, "session"))


def proposal(world: World, **over) -> ProposalIn:
    data = dict(kind="serious_dishonesty", subject_id=world.subject_id, category="health_safety",
                basis_record_ids=[world.serious_id], reasons="生产经营中严重危害人民群众身体健康",
                legal_basis="《中华人民共和国安全生产法》", measures="限制参与政府采购；限制申请财政性资金项目",
                responsible_persons=[{"role": "legal_representative", "name": "王大明"}])
    data.update(over)
    return ProposalIn(**data)


def run_to_publication(session, world: World, today) -> ListEntry:
    """The proposal of ``proposal(world)`` taken through notice, decision and publication (the
    ``today`` fixture moved past the notice period)."""
    p = service.propose(session, world.agency, proposal(world))
    service.send_notice(session, world.staff, p.id)
    due = session.scalar(select(Deadline.due_on).where(Deadline.procedure_id == p.id, Deadline.step == "notice_period"))
    today((due + dt.timedelta(days=1)).isoformat())
    entry = service.decide(session, world.agency, p.id)
    service.publish(session, world.agency, p.id)
    session.flush()
    return entry
