"""People and data for the complaints tests."""
from __future__ import annotations

import random

from tests.support.builders import agency, penalty_rows, to_csv
from tests.support.web import bearer  # noqa: F401 - re-exported for the tests
from tests.support.web import page_login as shared_page_login
from xinyong.accounts.service import create_user
from xinyong.accounts.tokens import issue_token
from xinyong.ingest.service import ingest_file
from xinyong.models import Record
from xinyong.synthetic import make_resident_id

PW = "complaint-pass-123"
NAME = "王保密"
CONTACT = "13912345678"
RESIDENT_ID = make_resident_id(random.Random(3737))
SIGNED_NAME = "赵隐私"
SIGNED_CONTACT = "zhao.yinsi@example.cn"
SECRETS = (NAME, CONTACT, RESIDENT_ID, SIGNED_NAME, SIGNED_CONTACT)
ROLES = {"assigner": "staff", "handler": "staff", "other": "staff", "admin1": "admin", "auditor1": "auditor",
         "handler2": "staff", "chief": "supervisor"}


def world(session) -> dict:
    regulator = agency(session)
    rows = penalty_rows(3, regulator.uscc)
    ingest_file(session, data=to_csv(rows), filename="p.csv", source_uscc=regulator.uscc, item_code="penalty")
    records = session.query(Record).order_by(Record.id).all()
    for username, role in ROLES.items():
        create_user(session, username=username, password=PW, role=role, display_name=f"{username}-显示名")
    subject_uscc = rows[0]["行政相对人代码_1(统一社会信用代码)"]
    create_user(session, username="subject1", password=PW, role="subject", subject_uscc=subject_uscc)
    create_user(session, username="filer1", password=PW, role="subject",
                subject_uscc=rows[1]["行政相对人代码_1(统一社会信用代码)"], display_name="投诉企业账户")
    tokens = {u: issue_token(session, u) for u in (*ROLES, "subject1", "filer1")}
    session.commit()
    return {"tokens": tokens, "record": records[0], "subject_id": records[0].subject_id}



def leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


def page_login(client, username: str) -> str:
    return shared_page_login(client, username, PW)
