"""Request size limits: refused with 413 before the body is read whole."""
from __future__ import annotations

import asyncio

import pytest
from fastapi.testclient import TestClient

from xinyong.config import reset_settings
from xinyong.kit.limits import MULTIPART_SLACK, RequestSizeLimitMiddleware, human_size


class Echo:
    """An application that reads its whole body and answers with its length."""

    def __init__(self):
        self.called = False

    async def __call__(self, scope, receive, send):
        self.called = True
        total, more = 0, True
        while more:
            message = await receive()
            total += len(message.get("body", b""))
            more = message.get("more_body", False)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": str(total).encode()})


class Swallowing(Echo):
    """An application that catches the error and answers 400 (as FastAPI's body parsing does)."""

    async def __call__(self, scope, receive, send):
        try:
            await super().__call__(scope, receive, send)
        except Exception:
            await send({"type": "http.response.start", "status": 400, "headers": []})
            await send({"type": "http.response.body", "body": b"parse error"})


def run(app, path: str, chunks: list[bytes], content_length: int | None = None, method: str = "POST"):
    """Drive the middleware; returns (status, body, how many body messages were read)."""
    mw = RequestSizeLimitMiddleware(app, max_upload_bytes=1000, max_json_bytes=100, max_body_bytes=10,
                                    max_evidence_bytes=500)
    headers = [(b"content-length", str(content_length).encode())] if content_length is not None else []
    scope = {"type": "http", "method": method, "path": path, "headers": headers, "query_string": b"",
             "client": ("127.0.0.1", 1)}
    reads, sent = [], []

    async def receive():
        n = len(reads)
        reads.append(n)
        return {"type": "http.request", "body": chunks[n] if n < len(chunks) else b"",
                "more_body": n < len(chunks) - 1}

    async def send(message):
        sent.append(message)

    asyncio.run(mw(scope, receive, send))
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], body, len(reads)


def test_a_declared_length_over_the_limit_is_refused_without_reading():
    app = Echo()
    status, body, reads = run(app, "/api/v1/batches", [b"x" * 101], content_length=101)
    assert (status, reads, app.called) == (413, 0, False)
    assert b"payload_too_large" in body and b"100 B" in body


@pytest.mark.parametrize("app_class", [Echo, Swallowing])
def test_a_chunked_body_over_the_limit_is_refused_while_streaming(app_class):
    chunks = [b"x" * 40] * 50  # 2,000 bytes in all, no length declared
    status, body, reads = run(app_class(), "/api/v1/batches", chunks)
    assert status == 413 and b"payload_too_large" in body
    assert reads == 3  # stopped at the chunk that crossed 100 bytes, not after all 50


def test_a_body_that_lies_about_its_length_is_still_stopped():
    status, _, reads = run(Echo(), "/api/v1/batches", [b"x" * 60] * 5, content_length=50)
    assert status == 413 and reads == 2


def test_bodies_under_the_limit_pass():
    assert run(Echo(), "/api/v1/batches", [b"x" * 50, b"y" * 50])[:2] == (200, b"100")
    assert run(Echo(), "/login", [b"x" * 10], content_length=10)[:2] == (200, b"10")
    assert run(Echo(), "/api/v1/subjects", [b""], method="GET")[:2] == (200, b"0")


def test_each_route_has_its_limit():
    assert run(Echo(), "/login", [b"x" * 11])[0] == 413                        # pages: the small limit
    assert run(Echo(), "/api/v1/batches", [b"x" * 99])[0] == 200               # JSON API
    assert run(Echo(), "/api/v1/batches/file", [b"x" * 1000])[0] == 200        # uploads
    assert run(Echo(), "/batches", [b"x" * (1000 + MULTIPART_SLACK)])[0] == 200
    assert run(Echo(), "/batches", [b"x" * (1001 + MULTIPART_SLACK)])[0] == 413
    assert run(Echo(), "/batches", [b"x" * 11], method="GET")[0] == 413        # only POST uploads
    for form in ("/me/objections", "/window/objections", "/me/repair", "/repair/window", "/evaluation/sector",
                 "/staff/calendar"):                                           # page forms with evidence files
        assert run(Echo(), form, [b"x" * (500 + MULTIPART_SLACK)])[0] == 200, form
        assert run(Echo(), form, [b"x" * (501 + MULTIPART_SLACK)])[0] == 413, form
    assert run(Echo(), "/me/objections/1", [b"x" * 11])[0] == 413              # not its other pages


def test_human_sizes():
    assert [human_size(n) for n in (10, 1024, 1536, 64 << 20, 512 << 20, 1 << 30)] == \
        ["10 B", "1 KiB", "1,536 B", "64 MiB", "512 MiB", "1 GiB"]


# ---- through the application

@pytest.fixture
def small(db, monkeypatch):
    monkeypatch.setenv("XINYONG_MAX_JSON_BYTES", "2000")
    monkeypatch.setenv("XINYONG_MAX_BODY_BYTES", "1000")
    monkeypatch.setenv("XINYONG_MAX_UPLOAD_BYTES", "50000")
    reset_settings()
    from xinyong.app import create_app
    with TestClient(create_app(), base_url="http://testserver") as client:
        yield client
    reset_settings()


def test_the_api_answers_413_as_json(small):
    r = small.post("/api/v1/batches", content=b'{"rows": [' + b" " * 3000 + b"]}",
                   headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    assert r.json()["error"] == {"code": "payload_too_large", "message": "请求内容超过 2,000 B 上限",
                                 "message_en": "The request body exceeds the 2,000 B limit"}


def test_a_chunked_api_body_over_the_limit_gets_413(small):
    def body():
        for _ in range(100):
            yield b" " * 100

    r = small.post("/api/v1/batches", content=body(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"


def test_under_the_limit_the_route_answers_as_usual(small):
    r = small.post("/api/v1/batches", json={"item": "penalty", "rows": []})
    assert r.status_code == 401  # reached the route: sign in first


def test_pages_answer_413_with_the_error_page(small):
    r = small.post("/login", data={"username": "x" * 2000, "password": "y"})
    assert r.status_code == 413 and "text/html" in r.headers["content-type"]
    assert "请求内容超过" in r.text and "Traceback" not in r.text


def test_uploads_have_the_upload_limit(small):
    files = {"file": ("p.csv", b"a" * 20_000, "text/csv")}
    r = small.post("/api/v1/batches/file", data={"item": "penalty"}, files=files)
    assert r.status_code == 401  # over the JSON limit, under the upload limit: reached the route
    big = {"file": ("p.csv", b"a" * 200_000, "text/csv")}
    r = small.post("/api/v1/batches/file", data={"item": "penalty"}, files=big)
    assert r.status_code == 413 and "50,000 B" in r.json()["error"]["message_en"]
