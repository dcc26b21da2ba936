"""An organisation's accounts act only while it is in standing (xinyong.agencies.standing): a
credit service agency whose filing is cancelled, or an organisation the platform deactivated,
gets nothing anywhere — its tokens are refused (401) on the feed and at the query gate, its page
sessions end, it cannot sign in — until it stands again. A credit service agency not yet in the
register stands on its platform registration."""
from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.access.support import grant, read
from tests.feed.support import PW, ingest, world
from tests.support.web import page_login
from xinyong.accounts.service import authenticate, create_user
from xinyong.accounts.sessions import COOKIE
from xinyong.accounts.tokens import issue_token
from xinyong.agencies import standing
from xinyong.history import change_context
from xinyong.kit.errors import Unauthenticated
from xinyong.models import WebSession
from xinyong.models.credit_service import CreditServiceAgency

USCC_COLUMN = "行政相对人代码_1(统一社会信用代码)"


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _signed_in(browser) -> bool:
    return browser.get("/account/password", follow_redirects=False).status_code == 200


def _may_sign_in(session, username: str) -> bool:
    try:
        authenticate(session, username, PW, client="standing-test")
    except Unauthenticated:
        return False
    finally:
        session.commit()
    return True


@pytest.fixture
def city(session, today):
    today("2026-09-01")
    regulator, cs, bank = world(session)
    rows, _ = ingest(session, regulator, 2)
    create_user(session, username="firm", password=PW, role="subject", subject_uscc=rows[0][USCC_COLUMN])
    tokens = {u: issue_token(session, u) for u in ("cs1", "bank1", "staff1", "firm")}
    session.commit()
    return cs, bank, tokens


def test_a_cancelled_credit_service_agency_gets_nothing_until_its_filing_stands_again(session, client, db, city):
    cs, _, tok = city
    authorised = grant(client, _h(tok["firm"]), cs.uscc, valid_to="2026-12-31")
    assert authorised.status_code == 201, authorised.text
    subject_id, auth_id = authorised.json()["subject_id"], authorised.json()["id"]

    def reaches() -> tuple[int, int]:
        feed = client.get("/api/v1/feed", headers=_h(tok["cs1"])).status_code
        gate = read(client, _h(tok["cs1"]), subject_id, basis_id=auth_id).status_code
        return feed, gate

    # not (yet) in the register: it stands on its platform registration
    assert reaches() == (200, 200)
    filed = client.post("/api/v1/credit-services", headers=_h(tok["staff1"]), json={
        "uscc": cs.uscc, "name": cs.name, "filing_no": "XYFW-2026-007", "filed_on": "2026-03-01",
        "business_scope": "企业信用评价"})
    assert filed.status_code == 201, filed.text
    assert reaches() == (200, 200)
    browser = TestClient(client.app)
    page_login(browser, "cs1", PW)
    assert _signed_in(browser)

    cancelled = client.post(f"/api/v1/credit-services/{filed.json()['id']}/cancel", headers=_h(tok["staff1"]),
                            json={"reason": "机构申请注销备案"})
    assert cancelled.status_code == 200, cancelled.text
    assert reaches() == (401, 401)
    assert client.get("/api/v1/feed/status", headers=_h(tok["cs1"])).status_code == 401
    cookie = browser.cookies.get(COOKIE)
    assert not _signed_in(browser) and browser.cookies.get(COOKIE) is None   # the cookie is forgotten
    assert session.scalar(select(WebSession.revoked_at)) is not None          # and its session ended
    assert not _may_sign_in(session, "cs1")
    assert standing.organisation(session, cs.id) == (cs, False)

    # filed again: its tokens and sign-in work again; the session that ended stays ended
    entry = session.scalar(select(CreditServiceAgency).where(CreditServiceAgency.uscc == cs.uscc))
    change_context(session, user_id=None, reason="filed again")
    entry.status, entry.status_reason = "filed", None
    session.commit()
    assert reaches() == (200, 200)
    browser.cookies.set(COOKIE, cookie)
    assert not _signed_in(browser)
    assert _may_sign_in(session, "cs1")


def test_a_deactivated_organisation_gets_nothing_until_it_is_active_again(session, client, city):
    _, bank, tok = city
    browser = TestClient(client.app)
    page_login(browser, "bank1", PW)
    assert client.get("/api/v1/feed", headers=_h(tok["bank1"])).status_code == 404   # not a receiver: but heard
    change_context(session, user_id=None, reason="deactivated")
    bank.active = False
    session.commit()
    assert client.get("/api/v1/feed", headers=_h(tok["bank1"])).status_code == 401
    assert read(client, _h(tok["bank1"]), 1, basis_id=1).status_code == 401
    assert not _signed_in(browser)
    assert not _may_sign_in(session, "bank1")
    assert client.get("/api/v1/feed", headers=_h(tok["cs1"])).status_code == 200   # others carry on

    change_context(session, user_id=None, reason="active again")
    bank.active = True
    session.commit()
    assert client.get("/api/v1/feed", headers=_h(tok["bank1"])).status_code == 404
    assert not _signed_in(browser)   # its session ended; a new sign-in is needed, and works
    page_login(browser, "bank1", PW)
    assert _signed_in(browser)


def test_only_a_credit_service_agency_stands_on_its_filing(session, city):
    """The register is of credit service agencies: an entry under another kind's USCC (a filing
    entered under the wrong code) decides nothing about that organisation."""
    cs, bank, _ = city
    session.add(CreditServiceAgency(uscc=bank.uscc, name=bank.name, filing_no="XYFW-2026-009",
                                    filed_on=dt.date(2026, 3, 1), business_scope="x", status="cancelled"))
    session.commit()
    assert standing.organisation(session, bank.id) == (bank, True)
    assert standing.organisation(session, uscc=cs.uscc.lower()) == (cs, True)
    assert standing.organisation(session, None) == (None, False)


def test_the_feed_and_the_gate_decide_on_an_organisation_by_the_same_standing(session, client, city):
    """What staff and subjects do about an organisation follows its standing too: a cancelled
    credit service agency is not offered nor registered as a receiver, nor granted an
    authorisation, and the gate's own check refuses it."""
    from xinyong.access import gate
    from xinyong.accounts.service import principal_of
    from xinyong.feed import service as feed
    from xinyong.kit.errors import InvalidInput
    from xinyong.models import User
    cs, _, tok = city
    assert cs in feed.receiver_candidates(session)
    session.add(CreditServiceAgency(uscc=cs.uscc, name=cs.name, filing_no="XYFW-2026-011",
                                    filed_on=dt.date(2026, 3, 1), business_scope="x", status="cancelled"))
    session.commit()
    assert cs not in feed.receiver_candidates(session)
    with pytest.raises(InvalidInput) as refused:
        feed.register_receiver(session, None, cs.id)
    assert refused.value.code == "organisation_not_in_standing"
    session.rollback()
    assert grant(client, _h(tok["firm"]), cs.uscc).status_code == 422
    caller = gate._caller(session, principal_of(session.scalar(select(User).where(User.username == "cs1")), "token"))
    assert (caller.org_id, caller.org_in_standing) == (cs.id, False)
