"""Accounts for the bulletins tests: the credit department and a subject's account."""
from __future__ import annotations

import random

from tests.support.web import page_login as shared_page_login
from xinyong.accounts.service import create_user, principal_of
from xinyong.accounts.tokens import issue_token
from xinyong.models import Subject
from xinyong.synthetic import make_uscc

PW = "bulletin-pass-123"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
VALUES = {"category": "notice", "title": "关于开展2026年度信用修复集中服务的通知",
          "body": "各有关单位：\n\n为帮助失信主体及时修复信用，现开展集中服务。\n\n特此通知。",
          "issuer": "泉州市发展和改革委员会", "document_no": "泉发改〔2026〕12号", "related_path": "/services/repair"}


def world(session) -> dict:
    firm = Subject(kind="legal_person", name="泉州市公告测试有限公司", uscc=make_uscc(random.Random(2613)))
    session.add(firm)
    session.flush()
    users = {"staff1": create_user(session, username="staff1", password=PW, role="staff"),
             "firm1": create_user(session, username="firm1", password=PW, role="subject", subject_uscc=firm.uscc)}
    tokens = {name: issue_token(session, name) for name in users}
    session.commit()
    return {"firm": firm, "tokens": tokens, "principals": {n: principal_of(u, "session") for n, u in users.items()}}


def page_login(client, username: str) -> str:
    return shared_page_login(client, username, PW)
