"""People and organisations for the market tests: a bank (financial institution), an industry
association, two firms (one authorises the bank, one does not), staff."""
from __future__ import annotations

import datetime as dt
import random

from tests.support.web import bearer  # noqa: F401 - re-exported for the tests
from xinyong.accounts.service import create_user, principal_of
from xinyong.accounts.tokens import issue_token
from xinyong.agencies.service import register
from xinyong.models import Subject
from xinyong.synthetic import make_uscc

PW = "market-pass-123"
RULES = "收到异议后10个工作日内核查并书面答复；核查期间在平台标注异议处理中。"
CHANNEL = "泉州市丰泽区东海大街1号 信用管理部，电话 0595-22000000，邮箱 objection@bank.example"


def world(session) -> dict:
    rng = random.Random(1515)
    bank = register(session, uscc=make_uscc(rng, kind="91"), name="泉州测试商业银行股份有限公司", kind="financial")
    assoc = register(session, uscc=make_uscc(rng, kind="51"), name="泉州市建筑业协会", kind="association")
    firm = Subject(kind="legal_person", name="泉州市守约建材有限公司", uscc=make_uscc(rng))
    other = Subject(kind="legal_person", name="泉州市未授权贸易有限公司", uscc=make_uscc(rng))
    session.add_all([firm, other])
    session.flush()
    users = {
        "bank1": create_user(session, username="bank1", password=PW, role="financial", agency_uscc=bank.uscc),
        "assoc1": create_user(session, username="assoc1", password=PW, role="association", agency_uscc=assoc.uscc),
        "firm1": create_user(session, username="firm1", password=PW, role="subject", subject_uscc=firm.uscc),
        "other1": create_user(session, username="other1", password=PW, role="subject", subject_uscc=other.uscc),
        "staff1": create_user(session, username="staff1", password=PW, role="staff"),
    }
    tokens = {name: issue_token(session, name) for name in users}
    session.commit()
    return {"bank": bank, "assoc": assoc, "firm": firm, "other": other, "tokens": tokens,
            "principals": {name: principal_of(u, "session") for name, u in users.items()}}


def application(**overrides) -> dict:
    body = {"scope": ["own_business"], "objection_rules": RULES, "objection_channel": CHANNEL}
    body.update(overrides)
    return body


def contract_row(subject: Subject, no: str, day: dt.date = dt.date(2026, 5, 20), status: str = "逾期履行") -> dict:
    return {"主体名称": subject.name, "主体类别": "法人及非法人组织", "统一社会信用代码": subject.uscc, "合同编号": no,
            "签订日期": day.isoformat(), "合同类型": "借款合同", "合同金额(万元)": "120", "履行状态": status,
            "履行情况": "第三期本息逾期45日后结清"}


def approved_bank(client, w) -> int:
    """The bank applies through the API and staff approve it; returns its provider id."""
    r = client.post("/api/v1/market/provider", json=application(), headers=bearer(w["tokens"]["bank1"]))
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    r = client.post(f"/api/v1/market/providers/{pid}/decision", json={"approve": True},
                    headers=bearer(w["tokens"]["staff1"]))
    assert r.status_code == 200 and r.json()["status"] == "approved", r.text
    return pid
