"""A small city for the query gate, on each backend: organisations of every querying kind with
their users, an enterprise and a natural person with public and non-public penalties, and
subject accounts for both."""
from __future__ import annotations

import dataclasses
import datetime as dt
import random

import pytest

from xinyong.accounts.service import create_user
from xinyong.accounts.tokens import issue_token
from xinyong.agencies.service import register
from xinyong.ingest.service import ingest_file
from xinyong.models import Subject
from xinyong.synthetic import make_resident_id, make_uscc, penalty_row, to_csv

TODAY = "2026-09-01"
PASSWORD = "Access-pass-2026"
ENTERPRISE = "泉州市闽南食品有限公司"
PERSON = "陈美玲"


@dataclasses.dataclass
class World:
    enterprise_id: int
    enterprise_uscc: str
    person_id: int
    person_resident_id: str
    orgs: dict[str, object]          # key -> Agency
    users: dict[str, object]         # username -> User
    session: object

    def token(self, username: str, scopes: list[str] | None = None) -> dict[str, str]:
        token = issue_token(self.session, username, scopes=scopes)
        self.session.commit()
        return {"Authorization": f"Bearer {token}"}


def _rows(agency, rng, enterprise_uscc: str, person_id: str) -> list[dict[str, str]]:
    def row(name, uscc, no, day, **kw):
        return penalty_row(rng, name=name, subject_uscc=uscc, decision_no=f"泉市监罚〔{day.year}〕{no}号",
                           decision_date=day, agency_name=agency.name, agency_uscc=agency.uscc, **kw)
    return [
        row(ENTERPRISE, enterprise_uscc, 101, dt.date(2026, 5, 1)),                  # public until 2027-05-01
        row(ENTERPRISE, enterprise_uscc, 17, dt.date(2022, 1, 10)),                  # Order 58: ended 2025-01-10
        row(PERSON, "", 102, dt.date(2026, 6, 1), person_id=person_id),              # a person, public, masked
        row(PERSON, "", 18, dt.date(2021, 3, 3), person_id=person_id),               # a person, ended
    ]


@pytest.fixture
def world(session, today) -> World:
    today(TODAY)
    rng = random.Random(2026)
    orgs = {
        "scjg": register(session, uscc=make_uscc(rng, "11"), name="泉州市市场监督管理局"),
        "swj": register(session, uscc=make_uscc(rng, "11"), name="泉州市税务局"),
        "court": register(session, uscc=make_uscc(rng, "11"), name="泉州市中级人民法院", kind="judicial"),
        "bank": register(session, uscc=make_uscc(rng, "91"), name="泉州银行", kind="financial"),
        "rating": register(session, uscc=make_uscc(rng, "91"), name="泉州信用评级有限公司", kind="credit_service"),
    }
    enterprise_uscc, resident_id = make_uscc(rng), make_resident_id(rng)
    data = to_csv(_rows(orgs["scjg"], rng, enterprise_uscc, resident_id))
    outcome = ingest_file(session, data=data, filename="penalties.csv", source_uscc=orgs["scjg"].uscc, item_code="penalty")
    assert outcome.status == "completed" and outcome.accepted == 4, outcome
    enterprise = session.query(Subject).filter_by(uscc=enterprise_uscc).one()
    person = session.query(Subject).filter_by(kind="natural_person", name=PERSON).one()
    users = {}
    for username, role, org in (("scjg", "agency", "scjg"), ("swj", "agency", "swj"), ("court", "judicial", "court"),
                                ("bank", "financial", "bank"), ("rating", "credit_service", "rating")):
        users[username] = create_user(session, username=username, password=PASSWORD, role=role,
                                      agency_uscc=orgs[org].uscc)
    users["staff"] = create_user(session, username="staff", password=PASSWORD, role="staff")
    users["auditor"] = create_user(session, username="auditor", password=PASSWORD, role="auditor")
    users["firm"] = create_user(session, username="firm", password=PASSWORD, role="subject",
                                subject_uscc=enterprise_uscc)
    users["chen"] = create_user(session, username="chen", password=PASSWORD, role="subject",
                                subject_resident_id=resident_id)
    session.commit()
    return World(enterprise.id, enterprise_uscc, person.id, resident_id, orgs, users, session)
