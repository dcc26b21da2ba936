"""A small city for objections, on each backend: a market regulator and a tax office with
their agency users, an enterprise with a public penalty and one past its publicity period, a
second enterprise, subject accounts for both and a credit-department staff user."""
from __future__ import annotations

import dataclasses
import datetime as dt
import random
import re

import pytest

from xinyong.accounts.service import create_user
from xinyong.accounts.tokens import issue_token
from xinyong.agencies.service import register
from xinyong.ingest.service import ingest_file
from xinyong.models import Record, Subject
from xinyong.synthetic import make_uscc, penalty_row, to_csv

TODAY = "2026-09-01"
PASSWORD = "Objection-pass-2026"
ENTERPRISE = "泉州市闽南食品有限公司"
OTHER = "泉州市刺桐贸易有限公司"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclasses.dataclass
class World:
    enterprise_id: int
    other_id: int
    public_record: int          # the enterprise's public penalty (2026-05-01, general)
    ended_record: int           # the enterprise's penalty past its publicity period
    other_record: int           # the other enterprise's penalty
    orgs: dict
    users: dict
    session: object

    def token(self, username: str) -> dict[str, str]:
        token = issue_token(self.session, username)
        self.session.commit()
        return {"Authorization": f"Bearer {token}"}

    def principal(self, username: str):
        from xinyong.accounts.service import principal_of
        return principal_of(self.users[username], "session")


@pytest.fixture
def world(session, today) -> World:
    today(TODAY)
    rng = random.Random(34)
    orgs = {"scjg": register(session, uscc=make_uscc(rng, "11"), name="泉州市市场监督管理局"),
            "swj": register(session, uscc=make_uscc(rng, "11"), name="泉州市税务局")}
    ent, other = make_uscc(rng), make_uscc(rng)
    agency = orgs["scjg"]

    def row(name, uscc, no, day):
        return penalty_row(rng, name=name, subject_uscc=uscc, decision_no=f"泉市监罚〔{day.year}〕{no}号",
                           decision_date=day, agency_name=agency.name, agency_uscc=agency.uscc)
    rows = [row(ENTERPRISE, ent, 101, dt.date(2026, 5, 1)), row(ENTERPRISE, ent, 17, dt.date(2022, 1, 10)),
            row(OTHER, other, 102, dt.date(2026, 6, 1))]
    outcome = ingest_file(session, data=to_csv(rows), filename="p.csv", source_uscc=agency.uscc, item_code="penalty")
    assert outcome.status == "completed" and outcome.accepted == 3, outcome
    e = session.query(Subject).filter_by(uscc=ent).one()
    o = session.query(Subject).filter_by(uscc=other).one()
    recs = {r.decision_no: r.id for r in session.query(Record).all()}
    users = {
        "scjg": create_user(session, username="scjg", password=PASSWORD, role="agency", agency_uscc=orgs["scjg"].uscc),
        "swj": create_user(session, username="swj", password=PASSWORD, role="agency", agency_uscc=orgs["swj"].uscc),
        "staff": create_user(session, username="staff", password=PASSWORD, role="staff"),
        "firm": create_user(session, username="firm", password=PASSWORD, role="subject", subject_uscc=ent),
        "other": create_user(session, username="other", password=PASSWORD, role="subject", subject_uscc=other),
    }
    session.commit()
    return World(e.id, o.id, recs["泉市监罚〔2026〕101号"], recs["泉市监罚〔2022〕17号"], recs["泉市监罚〔2026〕102号"],
                 orgs, users, session)


def login(client, username: str) -> str:
    page = client.get("/login")
    token = CSRF.search(page.text).group(1)
    r = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token, "next": "/"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    return token
