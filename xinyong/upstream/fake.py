"""A fake upstream serving the contract of ``client.HttpUpstream`` (for tests and local trials):
a small Starlette app keeping what it was sent in memory. It can be told to fail the next N
calls (HTTP 503), and it keeps one copy per idempotency key, so a retry never duplicates."""
from __future__ import annotations

import datetime as dt
import threading

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

ENDING = ("repair", "withdraw", "delist")


class FakeState:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.fail_next = 0                       # refuse the next N calls (503)
        self.drop_answers = 0                    # store the next N submissions, then answer 503
        self.calls = 0
        self.received: dict[str, dict] = {}     # idempotency key -> item (one copy each)
        self.held: dict[str, dict] = {}          # item key -> {"version", "upstream_id"} while shown
        self.posts = 0                           # item posts, duplicates included

    def take_failure(self) -> bool:
        with self.lock:
            self.calls += 1
            if self.fail_next > 0:
                self.fail_next -= 1
                return True
            return False

    def accept(self, item: dict) -> dict:
        with self.lock:
            self.posts += 1
            key = item["idempotency_key"]
            if key not in self.received:
                self.received[key] = {**item, "upstream_id": f"UP-{len(self.received) + 1}",
                                      "acknowledged_at": dt.datetime.now(dt.timezone.utc).isoformat()}
                if item["action"] in ENDING:
                    self.held.pop(item["key"], None)
                else:
                    self.held[item["key"]] = {"version": item["version"], "upstream_id": self.received[key]["upstream_id"]}
            kept = self.received[key]
            return {"idempotency_key": key, "accepted": True, "upstream_id": kept["upstream_id"],
                    "acknowledged_at": kept["acknowledged_at"]}


def make_app(state: FakeState, token: str = "") -> Starlette:
    def refused(request: Request) -> JSONResponse | None:
        if token and request.headers.get("authorization") != f"Bearer {token}":
            return JSONResponse({"error": "unauthorised"}, status_code=401)
        if state.take_failure():
            return JSONResponse({"error": "unavailable"}, status_code=503)
        return None

    async def submissions(request: Request) -> JSONResponse:
        if (bad := refused(request)) is not None:
            return bad
        body = await request.json()
        receipts = [state.accept(item) for item in body.get("items", [])]
        with state.lock:
            if state.drop_answers > 0:
                state.drop_answers -= 1
                return JSONResponse({"error": "gateway timeout"}, status_code=503)
        return JSONResponse({"receipts": receipts})

    async def holdings(request: Request) -> JSONResponse:
        if (bad := refused(request)) is not None:
            return bad
        body = await request.json()
        with state.lock:
            held = {k: state.held[k] for k in body.get("keys", []) if k in state.held}
        return JSONResponse({"held": held})

    return Starlette(routes=[Route("/submissions", submissions, methods=["POST"]),
                             Route("/holdings", holdings, methods=["POST"])])
