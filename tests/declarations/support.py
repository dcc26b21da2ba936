"""People and subjects for the declarations tests: two firms, one natural person, staff."""
from __future__ import annotations

import random

from tests.support.web import bearer  # noqa: F401 - re-exported for the tests
from tests.support.web import page_login as shared_page_login
from xinyong.accounts.service import create_user, principal_of
from xinyong.accounts.tokens import issue_token
from xinyong.declarations.schemas import DeclarationIn
from xinyong.kit.crypto import encrypt, keyed_hash
from xinyong.models import Subject
from xinyong.synthetic import make_resident_id, make_uscc

PW = "declare-pass-123"
RESIDENT_ID = make_resident_id(random.Random(1313))


def world(session) -> dict:
    rng = random.Random(1313)
    firm = Subject(kind="legal_person", name="泉州市守信机械有限公司", uscc=make_uscc(rng))
    rival = Subject(kind="legal_person", name="泉州市另一贸易有限公司", uscc=make_uscc(rng))
    person = Subject(kind="natural_person", name="陈申报", resident_id_hash=keyed_hash(RESIDENT_ID),
                     resident_id_enc=encrypt(RESIDENT_ID))
    session.add_all([firm, rival, person])
    session.flush()
    users = {
        "firm1": create_user(session, username="firm1", password=PW, role="subject", subject_uscc=firm.uscc),
        "rival1": create_user(session, username="rival1", password=PW, role="subject", subject_uscc=rival.uscc),
        "person1": create_user(session, username="person1", password=PW, role="subject",
                               subject_resident_id=RESIDENT_ID),
        "staff1": create_user(session, username="staff1", password=PW, role="staff"),
    }
    tokens = {name: issue_token(session, name) for name in users}
    session.commit()
    return {"firm": firm, "rival": rival, "person": person, "tokens": tokens,
            "principals": {name: principal_of(u, "session") for name, u in users.items()}}


def declaration_in(**overrides) -> DeclarationIn:
    data = {"form": "self_report", "category": "honours", "title": "2025年度泉州市守合同重信用企业",
            "content": "本公司获评2025年度泉州市“守合同重信用”企业，证书编号 QZ-2025-0117。",
            "pledge_accepted": True}
    data.update(overrides)
    return DeclarationIn(**data)



def page_login(client, username: str) -> str:
    return shared_page_login(client, username, PW)
