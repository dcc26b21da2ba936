"""Public reads from a replica, with read-your-writes (issue 16 point 3).

Anonymous public read routes (search, subject profiles, publicity) take their session from
XINYONG_READ_DATABASE_URL when it is set (`xinyong.kit.web.get_read_session`). A replica
may lag the primary, so whoever has just written must not read from it: after any unsafe
request (POST, PUT, PATCH, DELETE: anything that may have written) the response sets a
short-lived marker cookie, and while it lasts that browser's public reads go to the primary.
Signed-in callers (a page session or an API token) always read from the primary.

Why a marker and not waiting for the replica's replay LSN: it costs the replica nothing
(no per-request pg_last_wal_replay_lsn() round trip, no wait), it works for any number of
asynchronous replicas behind a load balancer, and a forged or kept marker only sends a
reader to the primary. XINYONG_READ_YOUR_WRITES_SECONDS must exceed the replicas' lag
(seconds at most on a healthy set; the synchronous standby is usually within milliseconds).
"""
from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MARKER = "xy_wrote"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def reads_from_replica(request: Request, read_url: str) -> bool:
    """A request may be served by the replica: one is configured, the caller is anonymous
    (no token, no page session) and has not written within the read-your-writes window."""
    if not read_url or request.cookies.get(MARKER):
        return False
    principal = getattr(request.state, "principal", None)
    return principal is None or principal.is_anonymous


class ReadYourWritesMiddleware:
    """Sets the marker cookie on the response to every unsafe request (only when reads go to
    a replica: without one there is nothing to mark)."""

    def __init__(self, app: ASGIApp, seconds: int, https_only: bool = False):
        self.app = app
        attrs = f"Max-Age={seconds}; Path=/; HttpOnly; SameSite=Lax" + ("; Secure" if https_only else "")
        self.header = (b"set-cookie", f"{MARKER}=1; {attrs}".encode("latin-1"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in UNSAFE:
            await self.app(scope, receive, send)
            return

        async def send_marked(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), self.header]}
            await send(message)

        await self.app(scope, receive, send_marked)
