"""Request-scoped pieces shared by API routes and pages: the database session (the route
is the unit of work: it commits, nothing below it does), the current language, templates."""
from __future__ import annotations

import contextvars
import datetime as dt
import re
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.ext import Extension
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.db import get_engine, get_read_engine, session_factory
from xinyong.kit.access import current_principal, csrf_token
from xinyong.kit.errors import XinyongError

LANGS = ("zh", "en")
TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "web" / "templates"


async def get_session() -> AsyncIterator[Session]:
    """Made on the event loop: a new session does no I/O (its connection is taken at the first
    query, in the route's thread). Closed there too, unless it still holds a connection, whose
    ROLLBACK is I/O and goes to the thread pool. As a sync generator it cost two thread-pool
    round trips per request, ~0.1 ms of CPU each."""
    session = session_factory()()
    try:
        yield session
    finally:
        await _close(session)


def read_engine(request: Request) -> Engine:
    """For anonymous public read routes: the replica's engine (XINYONG_READ_DATABASE_URL) unless
    the caller is signed in or has just written (xinyong.kit.replica); the primary's otherwise."""
    from xinyong.config import get_settings
    from xinyong.kit.replica import reads_from_replica
    return get_read_engine() if reads_from_replica(request, get_settings().read_database_url) else get_engine()


def read_session(request: Request) -> Session:
    """A session on ``read_engine``. Made without I/O (the connection is taken at the first query)."""
    return session_factory(read_engine(request))()


async def get_read_session(request: Request) -> AsyncIterator[Session]:
    """``read_session`` as a dependency, closed after the route. Routes taking it only read.
    The busiest reads (search, profile) take ``read_session`` in the route instead and hand it
    to ``read_in_thread``, which closes it: a generator dependency costs FastAPI an exit stack
    and a context manager per request (~0.07 ms of CPU)."""
    session = read_session(request)
    try:
        yield session
    finally:
        await _close(session)


async def _close(session: Session) -> None:
    if session.in_transaction():
        await run_in_threadpool(session.close)  # anything not committed by the route is rolled back
    else:
        session.close()


async def read_in_thread(session: Session, read, *args):
    """``read(session, *args)`` in the thread pool, and the session's connection given back in
    that same thread once it has answered (a read has nothing to commit: ending its
    transaction there saves get_session the second thread-pool round trip of its ROLLBACK,
    ~0.1 ms of CPU a request). For read-only routes; the session stays usable (it would
    begin anew)."""
    def run():
        try:
            return read(session, *args)
        finally:
            session.close()
    return await run_in_threadpool(run)


async def read_on_connection(engine: Engine, read, *args):
    """``read(connection, *args)`` in the thread pool on a Connection of ``engine`` taken and
    given back in that thread (the pool's checkout may wait; the event loop must not): for the
    busiest read-only routes whose reads take a Connection as well as a Session (the public
    profile), without a Session's transaction bookkeeping around two statements."""
    def run():
        with engine.connect() as connection:
            return read(connection, *args)
    return await run_in_threadpool(run)


async def awaited_for_later(awaitable):
    """``awaitable`` awaited now, on the event loop (an upload's own I/O); returns a function that
    gives its value, or raises the XinyongError it raised, when called: an ``async`` form route
    then calls it in the thread pool, inside its own error handling, so that a refused upload is
    shown beside the form's other errors."""
    from xinyong.kit.errors import XinyongError
    try:
        value = await awaitable
    except XinyongError as exc:
        refusal = exc

        def refused():
            raise refusal
        return refused
    return lambda: value


def language(request: Request) -> str:
    lang = request.query_params.get("lang") or request.cookies.get("lang") or "zh"
    return lang if lang in LANGS else "zh"


def sentence(text: str) -> str:
    """English words of a refusal as a page shows them, on their own: a sentence. Messages are
    written as clauses ("no such subject", "a reason is required"), the form the API's JSON, the
    command line and messages built from others keep; a page raises the first letter here."""
    return text[:1].upper() + text[1:] if text else text


def refusal_clause(error: XinyongError, lang: str) -> str:
    """The words of a refusal in the reader's language as a clause inside a page's own sentence
    ("The decision cannot be made yet: {reason}"). With refusal_text, the one place pages read
    ``message_en`` (tests/web/test_refusals_on_pages.py keeps it so)."""
    return error.message if lang == "zh" else (error.message_en or error.message)


def refusal_text(error: XinyongError, lang: str) -> str:
    """The words of a refusal shown on their own on a page, in the reader's language."""
    text = refusal_clause(error, lang)
    return text if lang == "zh" else sentence(text)


def page_error(error: XinyongError | None, lang: str) -> dict | None:
    """A refusal shown with a page's form: the field it concerns, its code and its words."""
    if error is None:
        return None
    return {"field": error.field, "code": error.code, "message": refusal_text(error, lang)}


def local_time(value: dt.datetime | str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored instant in China Standard Time (SQLite hands back naive UTC). An instant kept as
    ISO text (in a JSON column, a signed document: "...Z") is read as the instant it names."""
    if not value:
        return ""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(clock.CHINA_TZ).strftime(fmt)


def local_date(value: dt.datetime | str | None) -> dt.date | None:
    """The China-local day of a stored instant: a UTC instant after 16:00 is already the next day."""
    return dt.date.fromisoformat(local_time(value, "%Y-%m-%d")) if value else None


# Punctuation a template writes between its words, Chinese style, and the same in English. A
# template writes "：" after a label, "（…）" around an aside, "；" and "、" between items: the page
# of each language gets its own (data printed by {{ }} keeps its punctuation as recorded).
PUNCTUATION = {"：": ": ", "；": "; ", "、": ", ", "（": " (", "）": ")"}
_TAGS = re.compile(r"({{.*?}}|{%.*?%}|{#.*?#})", re.S)


class _PagePunctuation(Extension):
    """Rewrites the punctuation of a template's own text (outside its tags) into a call that prints
    it in the page's language, when the template is compiled."""

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        marks = re.compile("[" + "".join(PUNCTUATION) + "]")
        parts = _TAGS.split(source)
        for i in range(0, len(parts), 2):   # the text between tags
            parts[i] = marks.sub(lambda m: "{{ punctuation(" + repr(m.group(0)) + ") }}", parts[i])
        return "".join(parts)


@pass_context
def punctuation(ctx, mark: str) -> str:
    """A punctuation mark of a template's text in the page's language."""
    return mark if (ctx.get("lang") or PAGE_LANG.get()) == "zh" else PUNCTUATION.get(mark, mark)


def _templates() -> Jinja2Templates:
    from xinyong.web.i18n import translate
    from xinyong.web.nav import groups_for, links_for

    env_templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    env_templates.env.add_extension(_PagePunctuation)
    env_templates.env.globals["punctuation"] = punctuation
    env_templates.env.globals["translate"] = translate
    env_templates.env.globals["local_time"] = local_time
    env_templates.env.globals["sentence"] = sentence
    env_templates.env.globals["nav_links"] = links_for
    env_templates.env.globals["nav_groups"] = groups_for
    env_templates.env.autoescape = True
    env_templates.env.finalize = _in_words
    from xinyong.law.citing import regulation_words
    from xinyong.web.wording import account_name, basis_reference, field_label, item_name, legal_basis_name, word
    env_templates.env.globals["regulation_words"] = regulation_words
    env_templates.env.globals["word"] = word
    env_templates.env.globals["field_label"] = field_label
    env_templates.env.globals["item_name"] = item_name
    env_templates.env.globals["account_name"] = account_name
    from xinyong.kit.limits import human_size
    env_templates.env.globals["file_size"] = human_size   # one way to state a size: "5 MiB"
    env_templates.env.globals["basis_reference"] = basis_reference
    env_templates.env.globals["legal_basis_name"] = legal_basis_name
    from xinyong.evaluation.views import published_for
    env_templates.env.globals["evaluation_published"] = published_for
    return env_templates


# the language of the page being rendered, for macros imported without the page's context
PAGE_LANG: contextvars.ContextVar[str] = contextvars.ContextVar("page_lang", default="zh")


@pass_context
def _in_words(ctx, value):
    """Every value a template prints passes here: a citation in its stored machine form (from a
    rule, a decision, a stored column) is printed in the words of the page's language."""
    from xinyong.law.citing import in_words, words_in_text
    from xinyong.law.loader import Citation
    if isinstance(value, Citation):
        return in_words(value, ctx.get("lang") or PAGE_LANG.get())
    if isinstance(value, str) and "(" in value:
        worded = words_in_text(value, ctx.get("lang") or PAGE_LANG.get())
        return type(value)(worded) if isinstance(value, Markup) else worded
    return value


templates = _templates()


def render(request: Request, name: str, context: dict | None = None, status_code: int = 200):
    lang = language(request)
    ctx = {
        "request": request, "lang": lang, "principal": current_principal(request),
        "csrf_token": csrf_token(request),
        "t": lambda key, **kw: templates.env.globals["translate"](key, lang, **kw),
    }
    ctx.update(context or {})
    PAGE_LANG.set(lang)
    response = templates.TemplateResponse(request, name, ctx, status_code=status_code)
    if request.query_params.get("lang") in LANGS:
        response.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="lax", httponly=True)
    return response


def act_then_redirect(session: Session, action, done_url: str, on_refusal):
    """A page's form post, the one way: run ``action``; a refusal (any XinyongError but
    NotFound, which stays a 404 page) rolls the session back and returns ``on_refusal(exc)`` —
    the form shown again with the error, at the refusal's status; otherwise commit (the route
    is the unit of work) and redirect to ``done_url`` with 303."""
    from starlette.responses import RedirectResponse

    from xinyong.kit.errors import NotFound, XinyongError
    try:
        action()
    except NotFound:
        raise
    except XinyongError as exc:
        session.rollback()
        return on_refusal(exc)
    session.commit()
    return RedirectResponse(done_url, status_code=303)
