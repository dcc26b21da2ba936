"""Role × route matrix (issue 3): every route, called by every role, is allowed or denied
exactly as written out below. A new route fails this test until it is added here."""
from __future__ import annotations

import random
import re

import pytest
from fastapi.routing import APIRoute

from tests.support.builders import agency, penalty_rows, to_csv
from xinyong.accounts.service import create_user
from xinyong.accounts.tokens import issue_token
from xinyong.agencies.service import register
from xinyong.app import create_app
from xinyong.ingest.service import ingest_file
from xinyong.kit.access import declared_roles, iter_routes
from xinyong.synthetic import make_uscc

from tests.route_expectations import AUDIT, PUBLIC, QUERIERS, SENDERS, SIGNED_IN, domain_expectations

# (method, path) -> roles allowed; written out by hand, not derived from the code
EXPECTED: dict[tuple[str, str], set[str]] = {
    ("GET", "/api/v1/health"): PUBLIC, ("GET", "/lang/{code}"): PUBLIC,
    ("GET", "/api/v1/catalogue"): PUBLIC, ("GET", "/api/v1/catalogue/{code}"): PUBLIC,
    ("GET", "/api/v1/catalogue/{code}/versions"): PUBLIC,
    ("GET", "/api/v1/agencies"): {"admin", "staff"}, ("POST", "/api/v1/agencies"): {"admin", "staff"},
    ("GET", "/api/v1/subjects"): PUBLIC, ("GET", "/api/v1/subjects/{subject_id}"): PUBLIC,
    ("POST", "/api/v1/batches"): SENDERS, ("POST", "/api/v1/batches/file"): SENDERS,
    ("GET", "/api/v1/batches"): SENDERS, ("GET", "/api/v1/batches/{batch_id}"): SENDERS,
    ("GET", "/api/v1/batches/{batch_id}/rejections"): SENDERS,
    ("GET", "/api/v1/batches/{batch_id}/rejections.csv"): SENDERS,
    ("GET", "/login"): PUBLIC, ("POST", "/login"): PUBLIC, ("POST", "/logout"): SIGNED_IN | {"registrant"},
    ("GET", "/"): PUBLIC, ("GET", "/search"): PUBLIC, ("GET", "/subjects/{subject_id}"): PUBLIC,
    ("GET", "/batches"): SENDERS, ("POST", "/batches"): SENDERS, ("GET", "/batches/{batch_id}"): SENDERS,
    ("GET", "/admin/agencies"): {"admin", "staff"}, ("POST", "/admin/agencies"): {"admin", "staff"},
    ("GET", "/catalogue"): PUBLIC,
    ("GET", "/api/v1/audit/entries"): AUDIT, ("GET", "/api/v1/audit/verify"): AUDIT,
    ("GET", "/audit"): AUDIT, ("POST", "/audit/verify"): AUDIT,
    ("GET", "/api/v1/subjects/{subject_id}/profile"): QUERIERS | {"subject"},
    ("GET", "/api/v1/legal-bases"): PUBLIC,
    ("GET", "/api/v1/me/authorisations"): {"subject"}, ("POST", "/api/v1/me/authorisations"): {"subject"},
    ("POST", "/api/v1/me/authorisations/{auth_id}/revoke"): {"subject"},
    ("POST", "/api/v1/authorisations"): {"staff"}, ("POST", "/api/v1/authorisations/{auth_id}/revoke"): {"staff"},
    ("GET", "/api/v1/query-items"): PUBLIC, ("GET", "/api/v1/query-items/{item_id}"): PUBLIC,
    ("GET", "/api/v1/agency/query-items"): {"agency"}, ("POST", "/api/v1/query-items"): {"agency"},
    ("POST", "/api/v1/query-items/{item_id}/publish"): {"agency"},
    ("POST", "/api/v1/query-items/{item_id}/withdraw"): {"agency"},
    ("GET", "/api/v1/me/access-log"): {"subject"}, ("GET", "/api/v1/me/access-log/{entry_id}"): {"subject"},
    ("GET", "/api/v1/access-log"): AUDIT,
    ("GET", "/me/authorisations"): {"subject"}, ("POST", "/me/authorisations"): {"subject"},
    ("POST", "/me/authorisations/{auth_id}/revoke"): {"subject"},
    ("GET", "/me/access-log"): {"subject"}, ("GET", "/me/access-log/{entry_id}"): {"subject"},
    ("GET", "/me/profile"): {"subject"}, ("GET", "/query-items"): PUBLIC,
    ("GET", "/agency/query"): QUERIERS, ("POST", "/agency/query"): QUERIERS,
    ("GET", "/agency/query-items"): {"agency"}, ("POST", "/agency/query-items"): {"agency"},
    ("POST", "/agency/query-items/{item_id}/publish"): {"agency"},
    ("POST", "/agency/query-items/{item_id}/withdraw"): {"agency"},
    ("GET", "/window/authorisations"): {"staff"}, ("POST", "/window/authorisations"): {"staff"},
    ("POST", "/window/authorisations/{auth_id}/revoke"): {"staff"},
    ("GET", "/audit/access-log"): AUDIT,
    **domain_expectations(),   # one file per later domain in tests/route_expectations/
}
DENIAL_CODES = {"unauthenticated", "forbidden", "peer_signature_required"}   # the last: a route for peers only
PW = "matrix-pass-123"
ORG_ROLES = {"agency": "public_body", "judicial": "judicial", "credit_service": "credit_service",
             "financial": "financial", "association": "association", "enterprise": "enterprise"}


def _routes():
    return [(m, r.path, r) for r in iter_routes(create_app().routes) if isinstance(r, APIRoute)
            for m in sorted(r.methods - {"HEAD"})]


def test_the_matrix_covers_every_route_and_matches_the_declarations():
    found = {(m, p): set(declared_roles(r.dependant) or ()) for m, p, r in _routes()}
    assert set(found) == set(EXPECTED), "routes added or removed: update EXPECTED"
    for key, declared in found.items():
        allowed = set(PUBLIC) if "public" in declared else (
            set(SIGNED_IN) | (declared - {"authenticated"}) if "authenticated" in declared else declared)
        assert allowed == EXPECTED[key], key


@pytest.fixture
def population(session):
    """One account per role, and something to point path parameters at."""
    rng = random.Random(11)
    public_body = agency(session)
    orgs = {"public_body": public_body}
    for kind in ("judicial", "credit_service", "financial", "association", "enterprise"):
        orgs[kind] = register(session, uscc=make_uscc(rng, kind="11"), name=f"{kind} 机构", kind=kind)
    rows = penalty_rows(2, public_body.uscc)
    ingest_file(session, data=to_csv(rows), filename="p.csv", source_uscc=public_body.uscc, item_code="penalty")
    for role in ("admin", "staff", "auditor", "supervisor"):
        create_user(session, username=role, password=PW, role=role)
    for role, kind in ORG_ROLES.items():
        create_user(session, username=role, password=PW, role=role, agency_uscc=orgs[kind].uscc)
    create_user(session, username="subject", password=PW, role="subject",
                subject_uscc=rows[0]["行政相对人代码_1(统一社会信用代码)"])
    create_user(session, username="agency_admin", password=PW, role="agency_admin", agency_uscc=public_body.uscc)
    create_user(session, username="registrant", password=PW, role="registrant")
    tokens = {role: issue_token(session, role) for role in PUBLIC - {"anonymous"}}
    session.commit()
    return tokens


def _url(path: str) -> str:
    return re.sub(r"\{[^}]+\}", lambda m: "zh" if m.group(0) == "{code}" else "1", path)


def _call(client, method: str, path: str, headers: dict, csrf: str | None):
    url = _url(path)
    if method == "GET":
        return client.get(url, headers=headers, follow_redirects=False)
    data = {"csrf_token": csrf} if csrf else {}
    return client.post(url, data=data, headers=headers, follow_redirects=False)


def _denied(response, api: bool) -> bool:
    if response.status_code in (401, 403) and api:
        return response.json()["error"]["code"] in DENIAL_CODES | {"insufficient_scope"}
    if not api and response.status_code == 303:
        return response.headers["location"].startswith("/login")
    return response.status_code == 403 and not api and "无权访问" in response.text


def _page_session(client, role: str) -> str | None:
    client.cookies.clear()
    if role == "anonymous":
        return None
    page = client.get("/login").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = client.post("/login", data={"username": role, "password": PW, "csrf_token": csrf, "next": "/"},
                    follow_redirects=False)
    assert r.status_code == 303, (role, r.text[:300])
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)


@pytest.mark.parametrize("role", sorted(PUBLIC))
def test_every_role_against_every_route(client, population, role):
    routes = [(m, p) for m, p, _ in _routes() if (m, p) not in (("POST", "/logout"), ("POST", "/login"))]
    wrong = []
    client.cookies.clear()
    headers = {"Authorization": f"Bearer {population[role]}"} if role != "anonymous" else {}
    for method, path in [r for r in routes if r[1].startswith("/api/")]:
        wrong += _check(client, role, method, path, headers, None, api=True)
    csrf = _page_session(client, role)
    for method, path in [r for r in routes if not r[1].startswith("/api/")]:
        wrong += _check(client, role, method, path, {}, csrf, api=False)
    assert wrong == []


def _check(client, role, method, path, headers, csrf, api) -> list[str]:
    response = _call(client, method, path, headers, csrf)
    if _denied(response, api) == (role in EXPECTED[(method, path)]):
        return [f"{method} {path}: {response.status_code} for {role}"]
    return []
