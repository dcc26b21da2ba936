"""The fake upstream as a real HTTP server on loopback (uvicorn in a thread), so that
HttpUpstream itself — httpx, JSON, status codes, timeouts — is what the tests exercise."""
from __future__ import annotations

import contextlib
import socket
import threading
import time

import uvicorn

from xinyong.upstream.client import HttpUpstream
from xinyong.upstream.fake import FakeState, make_app

TOKEN = "upstream-test-token"


@contextlib.contextmanager
def fake_upstream():
    """Yields (state, HttpUpstream pointed at it); the server stops on exit."""
    state = FakeState()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(make_app(state, TOKEN), log_level="error", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the fake upstream did not start")
        time.sleep(0.02)
    try:
        yield state, HttpUpstream(f"http://127.0.0.1:{port}", TOKEN, timeout=5.0)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


class InProcessUpstream:
    """The fake's state without the HTTP server, for tests about what happens after the upstream
    answered (timeliness, pages); the HTTP path itself is tests/faults/test_upstream.py's."""

    def __init__(self) -> None:
        self.state = FakeState()

    def submit(self, items):
        import datetime as dt

        from xinyong.upstream.client import Receipt
        out = []
        for item in items:
            r = self.state.accept(item.as_json())
            out.append(Receipt(r["idempotency_key"], True, r["upstream_id"],
                               dt.datetime.fromisoformat(r["acknowledged_at"])))
        return out

    def holdings(self, keys):
        from xinyong.upstream.client import Holding
        return {k: Holding(k, v["version"], v["upstream_id"]) for k, v in self.state.held.items() if k in keys}
