"""Which requests a public read route may serve from the replica (issue 16 point 3): only when
one is configured, the caller is anonymous and has not written within the read-your-writes
window; the marker cookie is set by every unsafe request and by no safe one."""
from __future__ import annotations

import asyncio

from hypothesis import given
from hypothesis import strategies as st
from starlette.requests import Request

from xinyong.kit.access import ANONYMOUS, Principal
from xinyong.kit.replica import MARKER, UNSAFE, ReadYourWritesMiddleware, reads_from_replica

SIGNED_IN = Principal(user_id=7, username="scjg", role="agency", via="session")


def _request(cookie: str | None, principal) -> Request:
    headers = [(b"cookie", cookie.encode())] if cookie is not None else []
    request = Request({"type": "http", "method": "GET", "path": "/search", "headers": headers, "state": {}})
    if principal is not None:
        request.state.principal = principal
    return request


@given(url=st.sampled_from(["", "postgresql+psycopg://postgres@replica/xinyong"]),
       cookie=st.sampled_from([None, f"{MARKER}=1", "lang=en", f"lang=zh; {MARKER}=1"]),
       principal=st.sampled_from([None, ANONYMOUS, SIGNED_IN]))
def test_only_anonymous_readers_who_have_not_just_written_go_to_the_replica(url, cookie, principal):
    wrote = cookie is not None and MARKER in cookie
    anonymous = principal is None or principal.is_anonymous
    assert reads_from_replica(_request(cookie, principal), url) == bool(url and anonymous and not wrote)


@given(method=st.sampled_from(["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"]),
       seconds=st.integers(min_value=1, max_value=3600))
def test_every_unsafe_request_marks_the_browser_for_that_long_and_no_safe_one_does(method, seconds):
    sent = []

    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 303, "headers": [(b"location", b"/")]})
        await send({"type": "http.response.body", "body": b""})

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request", "body": b""}

    middleware = ReadYourWritesMiddleware(app, seconds=seconds)
    asyncio.run(middleware({"type": "http", "method": method, "path": "/x", "headers": []}, receive, send))
    cookies = [v.decode() for k, v in sent[0]["headers"] if k == b"set-cookie"]
    if method in UNSAFE:
        assert cookies == [f"{MARKER}=1; Max-Age={seconds}; Path=/; HttpOnly; SameSite=Lax"]
    else:
        assert cookies == []
