"""Rate limits on public search and profile reads: token buckets on an injectable clock."""
from __future__ import annotations


import pytest
from fastapi.testclient import TestClient

from tests.support.clocks import FakeClock, allowed_from_threads
from tests.support.loops import on_event_loop
from xinyong.config import reset_settings
from xinyong.kit.ratelimit import (Limit, MemoryBucketStore, RateLimiter, RateLimitMiddleware, client_ip,
                                   is_limited_path, parse_networks)


# ---- the bucket store

def test_the_n_plus_first_request_is_refused_and_told_when_to_retry():
    clock, store, limit = FakeClock(), None, Limit(per_minute=60, burst=60)
    store = MemoryBucketStore(clock)
    assert all(store.take("ip:1", limit).allowed for _ in range(60))
    refused = store.take("ip:1", limit)
    assert not refused.allowed and refused.retry_after == pytest.approx(1.0)
    assert store.take("ip:2", limit).allowed  # buckets are per key


def test_buckets_refill_with_time_and_never_beyond_the_burst():
    clock = FakeClock()
    store, limit = MemoryBucketStore(clock), Limit(per_minute=6, burst=3)
    assert [store.take("k", limit).allowed for _ in range(4)] == [True, True, True, False]
    clock.advance(9.9)  # one token every 10 s
    assert not store.take("k", limit).allowed
    clock.advance(0.2)
    assert store.take("k", limit).allowed
    clock.advance(3600)
    assert [store.take("k", limit).allowed for _ in range(4)] == [True, True, True, False]


def test_memory_stays_bounded():
    clock = FakeClock()
    store, limit = MemoryBucketStore(clock, max_buckets=100, sweep_every=50), Limit(60, 10)
    for n in range(1000):
        store.take(f"ip:{n}", limit)
    assert len(store) == 100
    clock.advance(3600)  # every bucket has refilled: idle ones are dropped by the next sweep
    for n in range(50):
        store.take(f"new:{n}", limit)
    assert len(store) <= 50


def test_the_store_is_thread_safe():
    store, limit = MemoryBucketStore(FakeClock()), Limit(per_minute=1, burst=500)
    assert allowed_from_threads(store, limit, "shared", threads=8, takes=200) == 500


# ---- who the caller is

def _scope(peer: str, forwarded: str | None = None, path: str = "/api/v1/subjects") -> dict:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return {"type": "http", "method": "GET", "path": path, "headers": headers, "client": (peer, 50000),
            "query_string": b""}


def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy():
    assert client_ip(_scope("203.0.113.9", "1.2.3.4"), ()) == "203.0.113.9"
    trusted = parse_networks("10.0.0.0/8, ::1")
    assert client_ip(_scope("203.0.113.9", "1.2.3.4"), trusted) == "203.0.113.9"
    assert client_ip(_scope("10.0.0.5", "1.2.3.4"), trusted) == "1.2.3.4"


def test_forwarded_for_is_read_from_the_right_skipping_trusted_hops():
    trusted = parse_networks("10.0.0.0/8")
    # the client may write anything at the left; the proxies append what they saw
    assert client_ip(_scope("10.0.0.5", "6.6.6.6, 198.51.100.7, 10.0.0.9"), trusted) == "198.51.100.7"
    assert client_ip(_scope("10.0.0.5", "10.0.0.7, 10.0.0.9"), trusted) == "10.0.0.7"
    assert client_ip(_scope("10.0.0.5", "garbage, 10.0.0.9"), trusted) == "10.0.0.9"
    assert client_ip(_scope("10.0.0.5"), trusted) == "10.0.0.5"


def test_a_bad_trusted_proxies_setting_fails_loudly(monkeypatch):
    from pydantic import ValidationError

    from xinyong.config import Settings
    monkeypatch.setenv("XINYONG_TRUSTED_PROXIES", "10.0.0.1, not-an-ip")
    with pytest.raises(ValidationError, match="not an IP"):
        Settings()


def test_which_paths_are_limited():
    limited = ["/api/v1/subjects", "/api/v1/subjects/12", "/search", "/subjects/3", "/login"]
    free = ["/", "/api/v1/batches", "/api/v1/subjectsx", "/static/site.css", "/searching", "/logout"]
    assert all(map(is_limited_path, limited)) and not any(map(is_limited_path, free))


async def _call(middleware, scope) -> tuple[int, dict]:
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    await middleware(scope, receive, send)
    start = sent[0]
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}


def test_spoofed_forwarded_for_does_not_escape_the_limit():
    import asyncio

    async def ok(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    limiter = RateLimiter(Limit(2, 2), Limit(100, 100), MemoryBucketStore(FakeClock()))
    mw = RateLimitMiddleware(ok, limiter)
    statuses = [asyncio.run(_call(mw, _scope("203.0.113.9", f"1.1.1.{n}")))[0] for n in range(3)]
    assert statuses == [200, 200, 429]
    status, headers = asyncio.run(_call(mw, _scope("203.0.113.10")))
    assert status == 200  # another client has its own bucket


class _RecordingStore(MemoryBucketStore):
    """A memory store that notes whether each take ran on the event loop."""

    def __init__(self, waits_on_io: bool):
        super().__init__(FakeClock())
        self.waits_on_io, self.on_loop = waits_on_io, []

    def take(self, key, limit):
        self.on_loop.append(on_event_loop())
        return super().take(key, limit)


@pytest.mark.parametrize("waits_on_io", [True, False])
def test_a_store_that_waits_on_the_database_takes_off_the_event_loop(waits_on_io):
    """The database store's take is a round trip (and a wait for its bucket's row lock): on the
    event loop it held every other request of the process meanwhile. It runs in a worker
    thread; a take in memory stays on the loop (no thread hop for nothing). The limit holds
    either way."""
    import asyncio

    from xinyong.kit.dbbuckets import DatabaseBucketStore

    async def ok(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    assert DatabaseBucketStore.waits_on_io and not getattr(MemoryBucketStore(), "waits_on_io", False)
    store = _RecordingStore(waits_on_io)
    mw = RateLimitMiddleware(ok, RateLimiter(Limit(2, 2), Limit(100, 100), store))
    statuses = [asyncio.run(_call(mw, _scope("203.0.113.9")))[0] for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert store.on_loop == [not waits_on_io] * 3


# ---- through the application

@pytest.fixture
def limited(db, monkeypatch):
    """The app with 5 anonymous requests a minute and 50 per user, on a fake clock."""
    monkeypatch.setenv("XINYONG_RATE_ANON_PER_MINUTE", "5")
    monkeypatch.setenv("XINYONG_RATE_USER_PER_MINUTE", "50")
    reset_settings()
    from xinyong.app import create_app
    app = create_app()
    clock = FakeClock()
    app.state.rate_limiter.store.clock = clock
    with TestClient(app, base_url="http://testserver") as client:
        yield client, clock
    reset_settings()


def test_the_sixth_anonymous_api_request_in_a_minute_gets_429(limited):
    client, clock = limited
    for _ in range(5):
        assert client.get("/api/v1/subjects", params={"q": "泉州"}).status_code == 200
    r = client.get("/api/v1/subjects/1")
    assert r.status_code == 429
    assert r.headers["Retry-After"] == "12"
    error = r.json()["error"]
    assert error["code"] == "rate_limited" and "12" in error["message"] and "Too many requests" in error["message_en"]
    assert client.get("/api/v1/catalogue").status_code != 429  # other routes are not limited
    clock.advance(12)
    assert client.get("/api/v1/subjects", params={"q": "泉州"}).status_code == 200


def test_pages_answer_429_with_the_error_page(limited):
    client, _ = limited
    for _ in range(5):
        assert client.get("/search", params={"q": "泉州"}).status_code == 200
    r = client.get("/subjects/1", params={"lang": "en"})
    assert r.status_code == 429 and r.headers["Retry-After"] == "12"
    assert "text/html" in r.headers["content-type"]
    assert "Too many requests; try again in 12 seconds" in r.text and "Traceback" not in r.text
    assert r.headers.get("X-Frame-Options") == "DENY"  # the security headers still apply


def _staff_token(db) -> str:
    from tests.support.builders import staff_user
    from xinyong.db import session_scope
    try:
        from xinyong.accounts.tokens import issue_token
    except ImportError:
        from xinyong.accounts.service import issue_token
    with session_scope(db) as session:
        staff_user(session)
        session.flush()
        return issue_token(session, "staff1")


def test_a_signed_in_staff_user_is_not_limited_at_the_anonymous_rate(limited, db):
    client, _ = limited
    auth = {"Authorization": f"Bearer {_staff_token(db)}"}
    statuses = [client.get("/api/v1/subjects", params={"q": "泉州"}, headers=auth).status_code for _ in range(50)]
    assert statuses == [200] * 50
    assert client.get("/api/v1/subjects", params={"q": "泉州"}, headers=auth).status_code == 429
    # the user's bucket is theirs: anonymous callers from the same address still have their own
    assert client.get("/api/v1/subjects", params={"q": "泉州"}).status_code == 200


def test_zero_means_unlimited(db, monkeypatch):
    monkeypatch.setenv("XINYONG_RATE_ANON_PER_MINUTE", "0")
    reset_settings()
    from xinyong.app import create_app
    with TestClient(create_app()) as client:
        assert all(client.get("/search", params={"q": "x"}).status_code == 200 for _ in range(80))
    reset_settings()


def test_sign_in_attempts_are_throttled_per_address(db, monkeypatch):
    """Besides the per-account lockout, an address may try only so many sign-ins a minute."""
    monkeypatch.setenv("XINYONG_RATE_LOGIN_PER_MINUTE", "3")
    reset_settings()
    from xinyong.app import create_app
    app = create_app()
    clock = FakeClock()
    app.state.rate_limiter.store.clock = clock
    with TestClient(app, base_url="http://testserver") as client:
        form = {"username": "nobody", "password": "wrong-password-1"}
        codes = [client.post("/login", data=form).status_code for _ in range(4)]
        assert codes[:3] != [429] * 3 and 429 not in codes[:3] and codes[3] == 429
        assert client.get("/login").status_code == 200  # reading the form is not an attempt
        clock.advance(20)
        assert client.post("/login", data=form).status_code != 429
    reset_settings()
