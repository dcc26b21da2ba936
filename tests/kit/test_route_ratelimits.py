"""Every route an anonymous caller can reach is rate limited, by construction (issue #10
point 6): ``allow("public")`` takes a token for the caller unless the route names why not. The
test walks the route table and floods each public route, as an anonymous caller, past a low limit."""
from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute

from xinyong.app import create_app
from xinyong.config import reset_settings
from xinyong.kit.access import allow, declared_rate, declared_roles, iter_routes
from xinyong.kit.ratelimit import MemoryBucketStore

# public routes that are not limited, each with its declared reason
EXEMPT = {("GET", "/api/v1/health")}


def _public_routes(app) -> list[tuple[str, str, APIRoute]]:
    return [(m, r.path, r) for r in iter_routes(app.routes) if isinstance(r, APIRoute)
            and "public" in (declared_roles(r.dependant) or ()) for m in sorted(r.methods - {"HEAD"})]


def test_every_public_route_declares_its_rate_limit():
    routes = _public_routes(create_app())
    assert len(routes) > 40
    undeclared = [(m, p) for m, p, r in routes if declared_rate(r.dependant) is None]
    assert undeclared == []
    exempt = {(m, p): declared_rate(r.dependant) for m, p, r in routes if declared_rate(r.dependant) != "route"}
    assert set(exempt) == EXEMPT and all(len(reason) > 10 for reason in exempt.values())


def test_a_route_for_signed_in_roles_cannot_opt_out():
    with pytest.raises(ValueError):
        allow("staff", unthrottled="no reason")


def _url(path: str) -> str:
    return re.sub(r"\{[^}]+\}", lambda m: {"{code}": "zh", "{year}": "2026", "{kind}": "red"}.get(m.group(0), "1"),
                  path)


def test_every_public_route_refuses_an_anonymous_flood(db, monkeypatch):
    from fastapi.testclient import TestClient
    monkeypatch.setenv("XINYONG_RATE_ANON_PER_MINUTE", "2")
    monkeypatch.setenv("XINYONG_RATE_LOGIN_PER_MINUTE", "2")
    reset_settings()
    with TestClient(create_app(), base_url="http://testserver") as client:
        missed, flooded = _flood(client)
    assert missed == [] and flooded > 40


def _flood(client) -> tuple[list, int]:
    flooded, missed = 0, []
    for method, path, _ in _public_routes(client.app):
        if (method, path) in EXEMPT:
            continue
        reset_settings()  # fresh buckets for each route: the limits are per caller, not per route
        client.app.state.rate_limiter.store = MemoryBucketStore()
        _empty_shared_buckets()  # on PostgreSQL the route limiter's buckets are rows (xinyong.kit.dbbuckets)
        client.cookies.clear()
        answers = [client.request(method, _url(path), follow_redirects=False).status_code for _ in range(3)]
        if answers[:2].count(429) or answers[2] != 429:
            missed.append((method, path, answers))
        flooded += 1
    return missed, flooded


def _empty_shared_buckets() -> None:
    from sqlalchemy import text

    from xinyong.db import get_engine
    with get_engine().begin() as conn:
        conn.execute(text("DELETE FROM rate_buckets"))


def test_the_refusal_says_when_to_come_back(client, monkeypatch):
    monkeypatch.setenv("XINYONG_RATE_ANON_PER_MINUTE", "1")
    reset_settings()
    assert client.post("/api/v1/complaints/track", json={}).status_code != 429
    r = client.post("/api/v1/complaints/track", json={})
    assert r.status_code == 429 and r.json()["error"]["code"] == "rate_limited"
    assert int(r.headers["Retry-After"]) >= 1
    page = client.get("/lists")
    assert page.status_code == 429 and "请求过于频繁" in page.text
