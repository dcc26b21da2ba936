"""A small city for the procedures core tests (deadlines, documents, notifications, calendar):
two agencies with users, credit-department staff and admin, an enterprise with a subject
account, and deadlines opened through deadlines.service."""
from __future__ import annotations

import dataclasses
import datetime as dt
import random
import re

import pytest

from xinyong.accounts.service import create_user
from xinyong.agencies.service import register
from xinyong.ingest.service import ingest_file
from xinyong.models import Subject
from xinyong.synthetic import make_uscc, penalty_row, to_csv

PASSWORD = "Procedures-pass-2026"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclasses.dataclass
class City:
    orgs: dict
    users: dict
    subject_id: int
    other_subject_id: int


def build_city(session) -> City:
    rng = random.Random(44)
    orgs = {"scjg": register(session, uscc=make_uscc(rng, "11"), name="泉州市市场监督管理局"),
            "swj": register(session, uscc=make_uscc(rng, "11"), name="泉州市税务局"),
            "rating": register(session, uscc=make_uscc(rng, "91"), name="泉州信用评级有限公司", kind="credit_service")}
    firm, other = make_uscc(rng), make_uscc(rng)
    rows = [penalty_row(rng, name=name, subject_uscc=uscc, decision_no=f"泉市监罚〔2026〕{n}号", decision_date=dt.date(2026, 6, 1),
                        agency_name=orgs["scjg"].name, agency_uscc=orgs["scjg"].uscc)
            for n, (name, uscc) in enumerate((("泉州市闽南食品有限公司", firm), ("泉州市刺桐贸易有限公司", other)), 1)]
    outcome = ingest_file(session, data=to_csv(rows), filename="p.csv", source_uscc=orgs["scjg"].uscc,
                          item_code="penalty")
    assert outcome.status == "completed", outcome
    subject_id = session.query(Subject).filter_by(uscc=firm).one().id
    other_id = session.query(Subject).filter_by(uscc=other).one().id
    users = {}
    for username, role, org in (("scjg", "agency", "scjg"), ("swj", "agency", "swj"),
                                ("rating", "credit_service", "rating")):
        users[username] = create_user(session, username=username, password=PASSWORD, role=role,
                                      agency_uscc=orgs[org].uscc)
    users["staff"] = create_user(session, username="staff", password=PASSWORD, role="staff")
    users["admin"] = create_user(session, username="admin", password=PASSWORD, role="admin")
    users["auditor"] = create_user(session, username="auditor", password=PASSWORD, role="auditor")
    users["firm"] = create_user(session, username="firm", password=PASSWORD, role="subject", subject_uscc=firm)
    users["other"] = create_user(session, username="other", password=PASSWORD, role="subject", subject_uscc=other)
    session.commit()
    return City(orgs, users, subject_id, other_id)


def login(client, username: str) -> None:
    page = client.get("/login")
    token = CSRF.search(page.text).group(1)
    r = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token, "next": "/"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text


def csrf(client, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    return CSRF.search(page.text).group(1)
