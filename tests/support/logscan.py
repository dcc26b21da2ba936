"""What the platform writes during a whole test run — every log record (its access log
included) and every URL it hands out (redirect targets, links and form actions of its pages) —
checked at the end against the resident ID numbers and natural persons' names the run put in
(issue #10 point 5). Cheap by construction: records are kept as strings, pages are scanned by
one regex as they stream out, names are taken from the subjects that ingestion stages.
"""
from __future__ import annotations

import logging
import re
import threading
from urllib.parse import unquote

from xinyong.kit.identifiers import InvalidIdentifier, check_resident_id

_LINK = re.compile(rb'(?:href|action|src)="([^"]*)"')
_RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")
_CJK_RUN = re.compile(r"[\u3400-\u9fff][\u3400-\u9fff0-9·]*")


class RunLog(logging.Handler):
    """Collects for the whole run; `since(mark)` gives one test's share."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.urls: list[str] = []
        self.names: set[str] = set()
        self._lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage() + ("\n" + record.exc_text if record.exc_text else "")
        with self._lock:
            self.lines.append(f"{record.name}: {text}")

    def url(self, value: str) -> None:
        with self._lock:
            self.urls.append(value)

    def mark(self) -> tuple[int, int]:
        return len(self.lines), len(self.urls)

    def violations(self, mark: tuple[int, int] = (0, 0), names: set[str] | None = None) -> list[str]:
        names = {n for n in (self.names if names is None else names) if len(n) >= 2}
        longest = max(map(len, names), default=0)
        found = []
        for kind, items in (("log", self.lines[mark[0]:]), ("url", self.urls[mark[1]:])):
            for item in items:
                text = unquote(item) if kind == "url" else item
                found += [f"{kind}: resident ID in {item[:200]!r}" for m in _RESIDENT_ID.findall(text) if _valid(m)]
                found += [f"{kind}: name {n!r} in {item[:200]!r}" for n in _names_in(text, names, longest)]
        return found


def _names_in(text: str, names: set[str], longest: int) -> set[str]:
    """The names that occur in the text; only runs of Chinese characters (and the digits after
    them) are looked at, so a line without any costs one regex pass."""
    hits = set()
    for run in _CJK_RUN.findall(text):
        for start in range(len(run)):
            for end in range(start + 2, min(len(run), start + longest) + 1):
                if run[start:end] in names:
                    hits.add(run[start:end])
    return hits


def _valid(number: str) -> bool:
    try:
        check_resident_id(number)
    except InvalidIdentifier:
        return False
    return True


RUN = RunLog()


class UrlCapture:
    """ASGI wrapper: the Location of every response and the links of every HTML page."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        html = False

        async def watch(message):
            nonlocal html
            if message["type"] == "http.response.start":
                for name, value in message.get("headers", ()):
                    if name == b"location":
                        RUN.url(value.decode("latin-1"))
                    elif name == b"content-type":
                        html = value.startswith(b"text/html")
            elif message["type"] == "http.response.body" and html:
                for link in _LINK.findall(message.get("body", b"")):
                    if b"?" in link or b"%" in link or len(link) > 17:
                        RUN.url(link.decode("utf-8", "replace").replace("&amp;", "&"))
            await send(message)

        await self.app(scope, receive, watch)


def start() -> None:
    """Collect from now on: every logger's records (the platform's at INFO), the URLs of every app
    made by create_app, and the natural persons' names of every batch staged."""
    logging.getLogger().addHandler(RUN)
    logging.getLogger("xinyong").setLevel(logging.INFO)
    import xinyong.app
    from xinyong.subjects import repository

    make_app = xinyong.app.create_app

    def create_app():
        app = make_app()
        app.add_middleware(UrlCapture)
        return app

    xinyong.app.create_app = create_app
    stage = repository.stage_frame

    def stage_frame(accepted):
        keys, staged = stage(accepted)
        persons = staged.filter(staged["kind"] == "natural_person")["name"].drop_nulls().to_list()
        reps = staged["legal_rep_name"].drop_nulls().to_list() if "legal_rep_name" in staged.columns else []
        RUN.names.update(persons + reps)
        return keys, staged

    repository.stage_frame = stage_frame
