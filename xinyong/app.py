"""Application factory: mounts the JSON API (/api/v1) and the server-rendered pages."""
from __future__ import annotations

import contextlib
import gc
import http
import logging
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from xinyong.config import get_settings
from xinyong.kit.errors import XinyongError

log = logging.getLogger("xinyong")
STATIC_DIR = Path(__file__).resolve().parent / "web" / "static"

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                               "script-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def _status_phrase(status: int) -> str | None:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return None


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/openapi.json"


def _error_response(request: Request, status: int, body: dict):
    if _wants_json(request):
        return JSONResponse({"error": body}, status_code=status)
    if status == 401:
        lang = request.query_params.get("lang")   # the sign-in page speaks the language asked for
        keep = f"&lang={lang}" if lang in ("zh", "en") else ""
        return RedirectResponse(f"/login?next={request.url.path}{keep}", status_code=303)
    from xinyong.kit.web import render
    return render(request, "error.html", {"status": status, "error": body, "back_to": _form_page(request, status)},
                  status_code=status)


def _form_page(request: Request, status: int) -> str | None:
    """A form refused before its page could answer (forbidden personal data or a control
    character in a field: the value is never echoed back) is sent back to the page it came
    from: the browser's Back keeps what was typed there. Only a path of this site."""
    if request.method != "POST" or status != 422:
        return None
    from urllib.parse import urlsplit
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc != request.url.netloc or not referer.path.startswith("/") or referer.path.startswith("//"):
        return None
    return referer.path + (f"?{referer.query}" if referer.query else "")


def _only_the_page_number(request: Request, exc: RequestValidationError) -> bool:
    """A page asked with a page number that is no number ("?page=abc") or out of range, and no
    other fault: a reader who edited the address wants the list, not a bare 422."""
    return (request.method == "GET" and not _wants_json(request)
            and all(tuple(e.get("loc", ())) == ("query", "page") for e in exc.errors()))


def _first_page(request: Request) -> RedirectResponse:
    """The same list from its first page: the address without its page number."""
    from urllib.parse import urlencode
    kept = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "page"])
    return RedirectResponse(request.url.path + (f"?{kept}" if kept else ""), status_code=303)


class AuthMiddleware:
    """Resolves who is calling (API token or page session) once per request, into
    scope["state"]["principal"]. Pure ASGI, as are the others: Starlette's BaseHTTPMiddleware
    runs the rest of the stack in a task of its own and re-streams every response."""

    def __init__(self, app: ASGIApp):
        from xinyong.accounts.middleware import reads_the_database, resolve_principal
        self.app, self.resolve, self.reads = app, resolve_principal, reads_the_database

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            request = Request(scope)
            # a look-up in the database off the event loop (it would hold every other request of
            # this process meanwhile); an anonymous caller is known without one
            request.state.principal = (await anyio.to_thread.run_sync(self.resolve, request)
                                       if self.reads(request) else self.resolve(request))
        await self.app(scope, receive, send)


class SecurityHeadersMiddleware:
    """Adds SECURITY_HEADERS to every response that does not set them itself (static files
    keep their own caching)."""

    def __init__(self, app: ASGIApp):
        self.app = app
        self.headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in SECURITY_HEADERS.items()]
        self.static_headers = [h for h in self.headers if h[0] != b"cache-control"]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        wanted = self.static_headers if scope["path"].startswith("/static/") else self.headers

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in wanted if h[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


_heap_frozen = False


def freeze_startup_heap() -> None:
    """Once per process: collect, then move every object alive at startup (modules, routes,
    the law profiles, the catalogue, templates: ~300,000 objects) out of the cyclic garbage
    collector's view. Each full collection walked them all again, a pause of ~0.2 s on a
    serving worker every ~1,500 requests (~0.13 ms a request on average, and the requests
    queued behind it). Objects made later are collected as before."""
    global _heap_frozen
    if not _heap_frozen:
        gc.collect()
        gc.freeze()
        _heap_frozen = True


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI):
    freeze_startup_heap()
    yield


def create_app() -> FastAPI:
    settings = get_settings()
    from xinyong.peers.rules import load_peers, region_key
    load_peers(), region_key()   # a peers file or region key that is not well formed stops the start, said plainly
    app = FastAPI(title="Xinyong 信用 — public credit information platform", version="0.1.0",
                  openapi_url="/openapi.json", docs_url=None, redoc_url=None, lifespan=_lifespan)
    # innermost first: size and rate limits run after the caller is known (auth, session)
    from xinyong.kit.limits import RequestSizeLimitMiddleware
    from xinyong.kit.ratelimit import RateLimiter, RateLimitMiddleware
    from xinyong.catalogue.local.merge import LocalCatalogueScope
    app.add_middleware(LocalCatalogueScope)   # each request sees the local catalogue items current at its start
    app.add_middleware(RequestSizeLimitMiddleware)
    app.state.rate_limiter = RateLimiter.from_settings(settings)
    app.add_middleware(RateLimitMiddleware, limiter=app.state.rate_limiter)
    app.add_middleware(AuthMiddleware)
    from xinyong.accounts.sessions import SessionCookieMiddleware
    app.add_middleware(SessionCookieMiddleware, https_only=settings.base_url.startswith("https"))
    app.add_middleware(DatabaseUnavailableMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    if settings.read_database_url:   # public reads from a replica: whoever writes reads the primary a while
        from xinyong.kit.replica import ReadYourWritesMiddleware
        app.add_middleware(ReadYourWritesMiddleware, seconds=settings.read_your_writes_seconds,
                           https_only=settings.base_url.startswith("https"))
    from xinyong.kit import logs
    logs.install()
    app.add_middleware(logs.AccessLogMiddleware)
    from xinyong.transparency.trigger import SequenceAfterResponse
    app.add_middleware(SequenceAfterResponse, enabled=settings.transparency_auto)
    _handlers(app)
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    from xinyong.web.routes import include_all
    include_all(app)
    return app


def database_unavailable(request: Request, exc: OperationalError):
    """The database cannot be reached (a primary killed, a failover in progress): a 503 the client
    may retry, not an internal error. Whether a write in flight committed is unknown when the
    connection dropped at its commit: uploads are re-sent safely with their Idempotency-Key."""
    log.error("database unavailable on %s %s: %s", request.method, request.url.path, type(exc.orig).__name__)
    response = _error_response(request, 503, {
        "code": "database_unavailable", "message": "数据库暂时不可用，请稍后重试（上传批次请用同一幂等键重新提交）",
        "message_en": "the database is unavailable for a moment; retry later (re-send an upload with the same "
                      "Idempotency-Key)"})
    response.headers["Retry-After"] = "5"
    return response


class DatabaseUnavailableMiddleware:
    """The same 503 when the database fails under a middleware (session, caller or rate-limit
    lookups run before any route), as long as no answer has started."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except OperationalError as exc:
            if started:
                raise
            await database_unavailable(Request(scope), exc)(scope, receive, send)


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(XinyongError)
    async def _xinyong(request: Request, exc: XinyongError):
        response = _error_response(request, exc.status, exc.to_dict())
        response.headers.update(getattr(exc, "headers", None) or {})  # Retry-After on 429
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        from xinyong.kit.text import describe_errors
        if _only_the_page_number(request, exc):
            return _first_page(request)
        body = describe_errors(exc.errors())   # names a forbidden class or a control character; never the value
        body.pop("field", None)
        return _error_response(request, 422, body)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        zh = en = str(exc.detail)
        if exc.detail == _status_phrase(exc.status_code):   # Starlette's own words: ours, in each language
            from xinyong.web.i18n import messages
            words = messages().get(f"error.http_{exc.status_code}")
            zh, en = (words["zh"], words["en"]) if words else (zh, en)
        return _error_response(request, exc.status_code, {"code": code, "message": zh, "message_en": en})

    @app.exception_handler(OperationalError)
    async def _database_down(request: Request, exc: OperationalError):
        return database_unavailable(request, exc)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _error_response(request, 500, {"code": "internal_error", "message": "系统内部错误，已记录",
                                              "message_en": "internal error; it has been logged"})
