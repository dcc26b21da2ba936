"""Resolving who is calling reads the database for a bearer token or a signed-in page session:
the auth middleware does it in a worker thread, so that one caller's look-up does not hold every
other request of the process (the event loop). An anonymous caller is known without a look-up
and is resolved on the loop."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.support.builders import staff_user
from tests.support.loops import on_event_loop
from tests.support.web import page_login


@pytest.fixture
def recorded(db, monkeypatch):
    """The app, with each resolution of the caller noted as (on the event loop, who)."""
    from xinyong.accounts import middleware
    from xinyong.app import create_app
    real, seen = middleware.resolve_principal, []

    def resolve(request):
        on_loop = on_event_loop()
        principal = real(request)
        seen.append((on_loop, principal.username or None))
        return principal
    monkeypatch.setattr(middleware, "resolve_principal", resolve)
    with TestClient(create_app(), base_url="http://testserver") as client:
        yield client, seen


def test_an_anonymous_caller_is_resolved_on_the_loop(recorded):
    client, seen = recorded
    assert client.get("/api/v1/subjects?q=x").status_code in (200, 404)
    assert seen == [(True, None)]


def test_a_bearer_token_is_looked_up_off_the_loop(recorded):
    client, seen = recorded
    r = client.get("/api/v1/subjects?q=x", headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code in (200, 401, 404)
    assert seen == [(False, None)]   # looked up (and not found) in a worker thread


def test_a_signed_in_page_session_is_looked_up_off_the_loop(recorded, session):
    client, seen = recorded
    staff_user(session, "offloop", "Off-loop-pass-2026")
    session.commit()
    page_login(client, "offloop", "Off-loop-pass-2026")
    seen.clear()
    assert client.get("/account/password", follow_redirects=False).status_code == 200
    assert seen == [(False, "offloop")]
