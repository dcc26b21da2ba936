"""Request size limits, as a pure ASGI middleware: a body over its route's limit is refused
with 413 before it is read whole.

- A declared Content-Length over the limit is refused at once; the body is never read.
- A chunked body (or one longer than it declared) is counted as the application reads it;
  the read that crosses the limit raises ``BodyTooLarge``, whatever the application makes of
  that exception is discarded, and the client gets the 413.

Limits: the batch upload routes take ``max_upload_bytes`` and the page forms that carry
evidence files ``max_evidence_bytes`` (each plus a little for the multipart framing around the
files; each file also meets its own rule's limit), other /api/ bodies ``max_json_bytes``,
everything else ``max_body_bytes``.
"""
from __future__ import annotations

import html
import re
from collections.abc import Iterable

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from xinyong.kit.errors import PayloadTooLarge

UPLOAD_ROUTES = {("POST", "/api/v1/batches/file"), ("POST", "/batches")}
# page forms with evidence or data files (the /api/ twins fall under max_json_bytes)
EVIDENCE_ROUTES = {("POST", "/me/objections"), ("POST", "/window/objections"), ("POST", "/me/repair"),
                   ("POST", "/repair/window"), ("POST", "/evaluation/sector"), ("POST", "/staff/calendar"),
                   ("POST", "/staff/bulletins")}
# the same, for routes whose path carries an id
EVIDENCE_PATTERNS = (re.compile(r"^/staff/bulletins/\d+/attachments$"),)
MULTIPART_SLACK = 64 * 1024  # boundaries and the small form fields sent with an upload


class BodyTooLarge(PayloadTooLarge):
    def __init__(self, limit: int):
        size = human_size(limit)
        super().__init__(f"请求内容超过 {size} 上限", message_en=f"the request body exceeds {size}")
        self.limit = limit


def human_size(n: int) -> str:
    """A whole number of the largest binary unit, else exact bytes: "64 MiB", "2,000 B"."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size and n % size == 0:
            return f"{n // size} {unit}"
    return f"{n:,} B"


def wants_json(path: str) -> bool:
    return path.startswith("/api/") or path == "/openapi.json"


def refusal(scope: Scope, receive: Receive, status: int, code: str, key: str,
            headers: dict[str, str] | None = None, **params) -> Response:
    """The error answer the application gives elsewhere: JSON on the API, the error page
    (in the reader's language) on pages; message texts from messages.yaml."""
    from xinyong.web.i18n import translate
    body = {"code": code, "message": translate(key, "zh", **params), "message_en": translate(key, "en", **params)}
    if wants_json(scope.get("path", "")):
        return JSONResponse({"error": body}, status_code=status, headers=headers)
    if "session" in scope:  # inside the session middleware: the full page
        from xinyong.kit.web import render
        response = render(Request(scope, receive), "error.html", {"status": status, "error": body}, status_code=status)
        response.headers.update(headers or {})
        return response
    text = html.escape(f"{body['message']} / {body['message_en']}")
    return HTMLResponse(f"<!doctype html><title>{status}</title><p>{text}</p>", status_code=status, headers=headers)


def declared_length(headers: Iterable[tuple[bytes, bytes]]) -> int | None:
    for name, value in headers:
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class RequestSizeLimitMiddleware:
    def __init__(self, app: ASGIApp, *, max_upload_bytes: int | None = None, max_json_bytes: int | None = None,
                 max_body_bytes: int | None = None, max_evidence_bytes: int | None = None):
        from xinyong.config import get_settings
        settings = get_settings()
        self.app = app
        self.upload = max_upload_bytes or settings.max_upload_bytes
        self.json = max_json_bytes or settings.max_json_bytes
        self.other = max_body_bytes or settings.max_body_bytes
        self.evidence = max_evidence_bytes or settings.max_evidence_bytes

    def limit_for(self, method: str, path: str) -> tuple[int, int]:
        """(bytes enforced, bytes named in the message) for a route."""
        route = (method, path.rstrip("/") or "/")
        if route in UPLOAD_ROUTES:
            return self.upload + MULTIPART_SLACK, self.upload
        if route in EVIDENCE_ROUTES or (method == "POST" and any(p.match(route[1]) for p in EVIDENCE_PATTERNS)):
            return self.evidence + MULTIPART_SLACK, self.evidence
        limit = self.json if path.startswith("/api/") else self.other
        return limit, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, shown = self.limit_for(scope["method"], scope["path"])
        declared = declared_length(scope.get("headers", ()))
        if declared is not None and declared > limit:
            await self._refuse(scope, receive, send, shown)
            return
        guard = _Guard(limit, receive, send)
        try:
            await self.app(scope, guard.receive, guard.send)
        except Exception:
            if not guard.exceeded:
                raise
        if guard.exceeded and not guard.response_started:
            await self._refuse(scope, receive, send, shown)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = refusal(scope, receive, 413, "payload_too_large", "error.too_large",
                           headers={"Connection": "close"}, limit=human_size(limit))
        await response(scope, receive, send)


class _Guard:
    """Counts body bytes as they are read; once over the limit, the application's own
    answer is held back so that the middleware can send the 413."""

    def __init__(self, limit: int, receive: Receive, send: Send):
        self.limit, self._receive, self._send = limit, receive, send
        self.seen = 0
        self.exceeded = False
        self.response_started = False

    async def receive(self) -> Message:
        if self.exceeded:
            raise BodyTooLarge(self.limit)
        message = await self._receive()
        if message["type"] == "http.request":
            self.seen += len(message.get("body", b""))
            if self.seen > self.limit:
                self.exceeded = True
                raise BodyTooLarge(self.limit)
        return message

    async def send(self, message: Message) -> None:
        if self.exceeded and not self.response_started:
            return  # the application's answer to the refused body: replaced by the 413
        if message["type"] == "http.response.start":
            self.response_started = True
        await self._send(message)
