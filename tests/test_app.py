"""The application's own middleware: security headers on every answer, the caller resolved
once per request; all of it pure ASGI (no BaseHTTPMiddleware task and re-streaming)."""
from __future__ import annotations

import asyncio

from fastapi.testclient import TestClient
from starlette.middleware.base import BaseHTTPMiddleware

from xinyong.app import SECURITY_HEADERS, AuthMiddleware, SecurityHeadersMiddleware, create_app
from xinyong.kit.access import ANONYMOUS


def _run(app, scope) -> list[dict]:
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent


def _scope(path: str, headers=()) -> dict:
    return {"type": "http", "method": "GET", "path": path, "headers": list(headers), "query_string": b"",
            "client": ("127.0.0.1", 1), "server": ("testserver", 80), "scheme": "http"}


def test_no_base_http_middleware_in_the_stack(db):
    app = create_app()
    assert not [m.cls for m in app.user_middleware if issubclass(m.cls, BaseHTTPMiddleware)]


def test_every_answer_carries_the_security_headers(db):
    with TestClient(create_app()) as client:
        answers = {"api": client.get("/api/v1/catalogue"), "page": client.get("/login"),
                   "not found": client.get("/api/v1/no-such-thing"), "page not found": client.get("/no-such-page")}
        for what, r in answers.items():
            for name, value in SECURITY_HEADERS.items():
                assert r.headers.get(name) == value, (what, name)
            assert len(r.headers.get_list("x-frame-options")) == 1
        static = client.get("/static/site.css")
        assert static.status_code == 200 and static.headers["X-Frame-Options"] == "DENY"
        assert "no-store" not in static.headers.get("Cache-Control", "")  # static files may be cached


def test_a_response_that_sets_a_header_itself_keeps_it():
    async def own(scope, receive, send):
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"Cache-Control", b"private, no-store"), (b"content-length", b"2")]})
        await send({"type": "http.response.body", "body": b"{}"})

    start, *body = _run(SecurityHeadersMiddleware(own), _scope("/api/v1/documents/1"))
    headers = start["headers"]
    assert [v for k, v in headers if k.lower() == b"cache-control"] == [b"private, no-store"]
    assert (b"x-frame-options", b"DENY") in headers and b"".join(m["body"] for m in body) == b"{}"


def test_the_caller_is_resolved_into_the_scope_and_other_scopes_pass_through():
    seen = []

    async def inner(scope, receive, send):
        seen.append(scope)
        if scope["type"] == "http":
            await send({"type": "http.response.start", "status": 204, "headers": []})
            await send({"type": "http.response.body", "body": b""})

    middleware = AuthMiddleware(inner)
    _run(middleware, _scope("/search"))
    assert seen[-1]["state"]["principal"] is ANONYMOUS
    lifespan = {"type": "lifespan"}
    asyncio.run(middleware(lifespan, None, None))
    assert seen[-1] is lifespan and "state" not in lifespan


def test_no_route_depends_on_a_plain_function(db):
    """FastAPI runs a plain-function dependency in the thread pool: a round trip (~0.1 ms of
    CPU) per request, for what is usually a read of the request. Dependencies are coroutines
    (or generators, for what must be closed)."""
    import inspect

    from fastapi.routing import APIRoute

    from xinyong.kit.access import iter_routes

    def plain(dependant):
        for dep in dependant.dependencies:
            call = dep.call
            if call is not None and not (inspect.iscoroutinefunction(call) or inspect.isasyncgenfunction(call)
                                         or inspect.isgeneratorfunction(call)):
                yield f"{call.__module__}.{call.__qualname__}"
            yield from plain(dep)

    found = {f"{route.path}: {name}" for route in iter_routes(create_app().routes) if isinstance(route, APIRoute)
             for name in plain(route.dependant)}
    assert not found, sorted(found)


def test_a_database_that_cannot_be_reached_is_a_503_to_retry_not_an_internal_error(monkeypatch):
    """A primary killed or a failover in progress (issue 16): the API and the pages answer 503
    with Retry-After and a message in both languages, not 500."""
    import socket

    from xinyong.config import reset_settings
    with socket.socket() as s:   # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("XINYONG_DATABASE_URL", f"postgresql+psycopg://postgres@127.0.0.1:{port}/none?connect_timeout=2")
    reset_settings()
    try:
        client = TestClient(create_app(), raise_server_exceptions=False)
        api = client.get("/api/v1/subjects", params={"q": "泉州"})
        assert api.status_code == 503, api.text
        assert api.headers["Retry-After"] == "5"
        assert api.json()["error"]["code"] == "database_unavailable"
        assert "Idempotency-Key" in api.json()["error"]["message_en"]
        page = client.get("/search", params={"q": "泉州"})
        assert page.status_code == 503
        assert "数据库暂时不可用" in page.text
    finally:
        reset_settings()
