"""A joint check reads a subject's current records, listings and grade: it is a read the subject
sees in its access log (on the basis of the published measures of the matter), and it names a
natural person as the public sees them, masked — an agency walking subject ids learns no names.
API, both backends."""
from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select

from tests.measures.helpers import published_lists, setup
from xinyong.accounts.service import create_user
from xinyong.accounts.tokens import issue_token
from xinyong.ingest.service import ingest_file
from xinyong.models import AccessLog, Subject
from xinyong.synthetic import make_resident_id, penalty_row, to_csv


def test_a_joint_check_masks_a_person_and_is_in_their_access_log(session, today, client):
    today("2026-06-01")
    ag, _, staff = setup(session)
    published_lists(session, staff)
    rng = random.Random(77)
    resident_id = make_resident_id(rng)
    row = penalty_row(rng, name="萧成", subject_uscc="", decision_no="测罚〔2026〕77号", decision_date=dt.date(2026, 5, 4),
                      agency_uscc=ag.uscc, person_id=resident_id)
    out = ingest_file(session, data=to_csv([row]), filename="p.csv", source_uscc=ag.uscc, item_code="penalty")
    assert out.accepted == 1, out
    person = session.scalar(select(Subject).where(Subject.kind == "natural_person"))
    create_user(session, username="person", password="person-pass-123", role="subject", subject_resident_id=resident_id)
    session.commit()
    agency = {"Authorization": f"Bearer {issue_token(session, 'agency1')}"}
    mine = {"Authorization": f"Bearer {issue_token(session, 'person')}"}
    session.commit()
    r = client.post("/api/v1/joint-check", json={"subject_id": person.id, "matter": "fiscal_funds"}, headers=agency)
    assert r.status_code == 200, r.text
    assert r.json()["subject_name"] == "萧*" and "萧成" not in r.text
    session.expire_all()
    [read] = session.scalars(select(AccessLog).where(AccessLog.subject_id == person.id)).all()
    assert read.basis_kind == "joint_check" and read.org_id == ag.id and read.allowed
    assert "第二十四条" in read.reason or "art. 24" in read.reason
    log = client.get("/api/v1/me/access-log", headers=mine)
    assert log.status_code == 200 and len(log.json()) == 1, log.text


def test_the_joint_check_page_masks_a_person_as_the_api_does(session, today, client):
    """The page took a subject id as the API does, and named the person in full."""
    from tests.support.web import page_login
    today("2026-06-01")
    ag, _, staff = setup(session)
    published_lists(session, staff)
    rng = random.Random(78)
    row = penalty_row(rng, name="萧成", subject_uscc="", decision_no="测罚〔2026〕78号", decision_date=dt.date(2026, 5, 4),
                      agency_uscc=ag.uscc, person_id=make_resident_id(rng))
    assert ingest_file(session, data=to_csv([row]), filename="p.csv", source_uscc=ag.uscc,
                       item_code="penalty").accepted == 1
    person = session.scalar(select(Subject).where(Subject.kind == "natural_person"))
    session.commit()
    csrf = page_login(client, "agency1", "agency-pass-123")
    page = client.post("/agency/joint-check", data={"csrf_token": csrf, "subject": str(person.id),
                                                    "matter": "fiscal_funds"})
    assert page.status_code == 200 and "萧*" in page.text and "萧成" not in page.text, page.text[-2000:]
