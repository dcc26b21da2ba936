"""A small city for credit repair, on each backend: a market regulator and a tax bureau, an
enterprise with three penalties of the regulator — one decided under Order 58 (2025, a food
case: 1-year minimum), one under Order 36 past its 3-month minimum, one still inside it — and
the accounts that act on them."""
from __future__ import annotations

import dataclasses
import datetime as dt
import random

import pytest

from tests.support.builders import agency
from xinyong.accounts.service import create_user
from xinyong.accounts.tokens import issue_token
from xinyong.agencies.service import register
from xinyong.ingest.service import ingest_file
from xinyong.models import Record, Subject
from xinyong.synthetic import make_uscc, penalty_row, to_csv

TODAY = "2026-09-01"
PASSWORD = "Repair-pass-2026"
COMPANY = "泉州市修复示范食品有限公司"
OLD, ELIGIBLE, TOO_EARLY = "泉市监罚〔2025〕61号", "泉市监罚〔2026〕120号", "泉市监罚〔2026〕300号"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


@dataclasses.dataclass
class World:
    subject_id: int
    uscc: str
    records: dict[str, int]       # decision number -> record id
    regulator_id: int
    session: object

    def token(self, username: str) -> dict[str, str]:
        token = issue_token(self.session, username)
        self.session.commit()
        return {"Authorization": f"Bearer {token}"}

    def record(self, decision_no: str) -> Record:
        self.session.expire_all()
        return self.session.get(Record, self.records[decision_no])


@pytest.fixture
def world(session, today) -> World:
    today(TODAY)
    rng = random.Random(3536)
    regulator = agency(session, name="泉州市市场监督管理局")
    tax = register(session, uscc=make_uscc(rng, "11"), name="泉州市税务局")
    uscc = make_uscc(rng)
    rows = [penalty_row(rng, name=COMPANY, subject_uscc=uscc, decision_no=no, decision_date=day,
                        agency_name=regulator.name, agency_uscc=regulator.uscc)
            for no, day in ((OLD, dt.date(2025, 6, 2)), (ELIGIBLE, dt.date(2026, 4, 10)),
                            (TOO_EARLY, dt.date(2026, 8, 3)))]
    out = ingest_file(session, data=to_csv(rows), filename="p.csv", source_uscc=regulator.uscc, item_code="penalty")
    assert out.status == "completed" and out.accepted == 3, out
    subject = session.query(Subject).filter_by(uscc=uscc).one()
    create_user(session, username="firm", password=PASSWORD, role="subject", subject_uscc=uscc)
    create_user(session, username="staff", password=PASSWORD, role="staff")
    create_user(session, username="scjg", password=PASSWORD, role="agency", agency_uscc=regulator.uscc)
    create_user(session, username="swj", password=PASSWORD, role="agency", agency_uscc=tax.uscc)
    session.commit()
    records = {r.decision_no: r.id for r in session.query(Record).filter_by(subject_id=subject.id)}
    return World(subject.id, uscc, records, regulator.id, session)


def conditions_in_force() -> list[str]:
    """The codes of every repair condition the active profile's rule names today (FZ art. 21
    para. 2; QZ art. 35 para. 1): what an approver confirms."""
    from xinyong import clock
    from xinyong.law.loader import active_profile
    from xinyong.repair import rules
    return [c.code for c in rules.conditions(active_profile(), clock.today())]
