"""Accounts for every organisation role and for subjects; scoped, expiring, revocable tokens;
and the shared history of versioned entities."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.support.builders import agency, agency_user, penalty_rows, staff_user, to_csv
from xinyong.accounts.service import create_user
from xinyong.accounts.tokens import issue_token, principal_for_token, revoke_token
from xinyong.agencies.service import register
from xinyong.history import HistoryError, change_context, versions
from xinyong.ingest.service import ingest_file
from xinyong.kit.errors import InvalidInput, NotFound
from xinyong.models import Subject, User
from xinyong.synthetic import make_uscc

PW = "long-enough-pw-1"


def test_organisation_roles_need_an_organisation_of_the_right_kind(session):
    public_body = agency(session)
    import random
    court = register(session, uscc=make_uscc(random.Random(3), kind="11"), name="泉州市中级人民法院", kind="judicial")
    assert create_user(session, username="judge", password=PW, role="judicial", agency_uscc=court.uscc).agency_id == court.id
    with pytest.raises(InvalidInput) as err:
        create_user(session, username="judge2", password=PW, role="judicial", agency_uscc=public_body.uscc)
    assert err.value.field == "agency"
    with pytest.raises(InvalidInput):
        create_user(session, username="bank", password=PW, role="financial")
    assert create_user(session, username="aud", password=PW, role="auditor").agency_id is None


def test_a_subject_account_speaks_for_an_existing_subject(session):
    src = agency(session).uscc
    rows = penalty_rows(2, src, persons=1)
    ingest_file(session, data=to_csv(rows), filename="p.csv", source_uscc=src, item_code="penalty")
    person = create_user(session, username="li", password=PW, role="subject", subject_resident_id=rows[0]["证件号码"])
    firm_uscc = rows[1]["行政相对人代码_1(统一社会信用代码)"]
    firm = create_user(session, username="firm", password=PW, role="subject", subject_uscc=firm_uscc)
    assert session.get(Subject, person.subject_id).kind == "natural_person"
    assert session.get(Subject, firm.subject_id).uscc == firm_uscc
    with pytest.raises(NotFound):
        create_user(session, username="ghost", password=PW, role="subject", subject_uscc=make_uscc(__import__("random").Random(5)))


def test_tokens_are_scoped_expire_and_can_be_revoked(session, client, today):
    a = agency(session)
    agency_user(session, a.uscc, "ag")
    read_only = issue_token(session, "ag", scopes=["batches:read"])
    full = issue_token(session, "ag", days=30)
    session.commit()
    rows = {"item": "penalty", "rows": penalty_rows(1, a.uscc)}
    r = client.post("/api/v1/batches", json=rows, headers={"Authorization": f"Bearer {read_only}"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "insufficient_scope"
    assert client.get("/api/v1/batches", headers={"Authorization": f"Bearer {read_only}"}).status_code == 200
    # deny unless declared: a route that declares no scope is closed to a limited token
    r = client.get("/api/v1/me/notifications", headers={"Authorization": f"Bearer {read_only}"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "insufficient_scope"
    assert client.get("/api/v1/me/notifications", headers={"Authorization": f"Bearer {full}"}).status_code == 200
    assert client.post("/api/v1/batches", json=rows, headers={"Authorization": f"Bearer {full}"}).status_code == 201
    today("2099-01-01")
    assert client.get("/api/v1/batches", headers={"Authorization": f"Bearer {full}"}).status_code == 401
    today("2026-11-24")
    token_id = [t for t in __import__("xinyong.accounts.tokens", fromlist=["x"]).list_tokens(session, "ag")][0].id
    revoke_token(session, token_id)
    session.commit()
    assert principal_for_token(session, read_only) is None
    with pytest.raises(InvalidInput):
        issue_token(session, "ag", scopes=["everything"])


def test_versioned_entities_keep_every_version_with_who_and_why(session):
    user = staff_user(session, "s2", PW)
    session.commit()
    user.display_name = "张科长"
    with pytest.raises(HistoryError):
        session.flush()  # a change of a versioned entity without a reason is a bug
    session.rollback()
    user = session.scalar(select(User).where(User.username == "s2"))
    change_context(session, user_id=user.id, reason="更正姓名")
    user.display_name = "张科长"
    session.flush()
    rows = versions(session, "account", user.id)
    assert [(v.version, v.snapshot["display_name"], v.change_reason, v.changed_by) for v in rows] == [
        (1, "s2", "更正姓名", user.id)]


@pytest.mark.production_hashing
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_passwords_are_stored_at_argon2ids_recommended_cost_and_a_wrong_one_is_refused(session):
    """The platform's own hasher (the rest of the suite hashes at the lowest cost): argon2id at
    RFC 9106's second recommended option (64 MiB, t=3, p=4), and sign-in checks it for real."""
    from xinyong.accounts.service import authenticate
    from xinyong.kit.errors import Unauthenticated
    create_user(session, username="costly", password=PW, role="auditor")
    stored = session.scalar(select(User.password_hash).where(User.username == "costly"))
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert authenticate(session, "costly", PW).username == "costly"
    with pytest.raises(Unauthenticated):
        authenticate(session, "costly", PW + "x")


def test_the_suites_cheap_hashes_are_still_verified(session):
    """Elsewhere hashes are made at the lowest cost; sign-in still refuses a wrong password."""
    from xinyong.accounts.service import authenticate
    from xinyong.kit.errors import Unauthenticated
    create_user(session, username="cheap", password=PW, role="auditor")
    assert session.scalar(select(User.password_hash).where(User.username == "cheap")).startswith("$argon2id$v=19$m=1024,t=1,p=1$")
    assert authenticate(session, "cheap", PW).username == "cheap"
    with pytest.raises(Unauthenticated):
        authenticate(session, "cheap", "wrong-password-123")
