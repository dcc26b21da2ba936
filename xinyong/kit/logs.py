"""What the platform writes to its logs never carries a resident ID number or a search text
(issue #10 point 5).

Two pieces, both process-wide:
- the platform keeps its own access log (logger ``xinyong.http``, in uvicorn's format), whose
  request line keeps the path and the names of query parameters but not their values (a
  search for a person's name, a sealed reference); short numbers (pages, ids) stay readable;
- a log-record factory masks anything shaped like a resident ID number (6 + 8 + 4 digits) in
  every record of every logger — messages, arguments and tracebacks — as 350502********1234.
"""
from __future__ import annotations

import logging
import re
import time
import traceback

from starlette.types import ASGIApp, Message, Receive, Scope, Send

ACCESS_LOG = logging.getLogger("xinyong.http")
_RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[0-9Xx])(?![0-9A-Za-z])")
_installed = False


def mask_ids(text: str) -> str:
    return _RESIDENT_ID.sub(lambda m: m.group(1) + "********" + m.group(2), text)


def redact_target(target: str) -> str:
    """A request target as the access log writes it: query values out, except short numbers."""
    path, sep, query = target.partition("?")
    path = mask_ids(path)
    if not sep:
        return path
    parts = []
    for pair in query.split("&"):
        name, eq, value = pair.partition("=")
        keep = value.isdigit() and len(value) <= 12
        parts.append(f"{name}={value if keep else '*'}" if eq else name)
    return f"{path}?{'&'.join(parts)}"


def install() -> None:
    """Mask resident ID numbers in every log record from now on (idempotent)."""
    global _installed
    if _installed:
        return
    make = logging.getLogRecordFactory()

    def masked_record(*args, **kwargs) -> logging.LogRecord:
        record = make(*args, **kwargs)
        if isinstance(record.msg, str):
            record.msg = mask_ids(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(mask_ids(a) if isinstance(a, str) else a for a in record.args)
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = mask_ids("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
        return record

    logging.setLogRecordFactory(masked_record)
    _installed = True


class AccessLogMiddleware:
    """One line per request on ``xinyong.http``: client - "METHOD target HTTP/v" status, as
    uvicorn writes it, with the target redacted. Costs nothing when the logger is off."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not ACCESS_LOG.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        status, started = 500, time.perf_counter()

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            query = scope.get("query_string", b"").decode("latin-1")
            target = scope.get("path", "") + (f"?{query}" if query else "")
            client = scope.get("client") or ("-", 0)
            ACCESS_LOG.info('%s:%s - "%s %s HTTP/%s" %d %.1fms', client[0], client[1], scope.get("method", ""),
                            redact_target(target), scope.get("http_version", "1.1"), status,
                            (time.perf_counter() - started) * 1000)
