"""The bare ASGI baseline of the public profile read: the same two SQL statements the app
sends for GET /api/v1/subjects/{id}, through the same driver, answered as JSON, and nothing
else (no middleware, no session, no ORM, no pydantic, no masking, no gate, no limiter).

    uvicorn --factory bench.bare_asgi:create_app ...       # as bench/api_bench.py serves it

The statements are the app's own kept templates (xinyong.disclosure.repository), compiled
once for the database's dialect, so that a change to the app's SQL changes this baseline too.
Like the app, each request runs its statements in one transaction on a pooled DBAPI
connection in the thread pool (the driver is blocking), then rolls back; the event loop
writes the response. Any other path answers 404. Reads XINYONG_DATABASE_URL.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re

import anyio.to_thread

PROFILE_PATH = re.compile(r"^/api/v1/subjects/([0-9]{1,18})$")


def _statements(dialect):
    from xinyong.disclosure.repository import _profile_records_template, _subject_template
    return _subject_template().compile(dialect=dialect), _profile_records_template().compile(dialect=dialect)


class Reader:
    """subject id -> (subject row, record rows), as dicts; (None, []) when there is no such subject."""

    def __init__(self, url: str):
        from sqlalchemy import make_url

        from xinyong.db import make_engine
        engine = make_engine(url)  # the app's driver and URL handling
        self.dialect = engine.dialect
        self.sqlite = url.startswith("sqlite")
        self.subject_sql, self.records_sql = _statements(self.dialect)
        cargs, cparams = self.dialect.create_connect_args(make_url(url))
        if self.sqlite:
            cparams["check_same_thread"] = False
        self.connect = lambda: self.dialect.loaded_dbapi.connect(*cargs, **cparams)
        self.idle: list = []   # list.pop/append are atomic under the GIL: a minimal pool
        engine.dispose()

    def _args(self, compiled, values: dict):
        params = compiled.construct_params(values)
        if self.sqlite:  # sqlite3 takes dates as text (SQLAlchemy's Date does the same)
            params = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in params.items()}
        if self.dialect.positional:
            return [params[name] for name in compiled.positiontup]
        return params

    def read(self, subject_id: int, today: dt.date) -> tuple[dict | None, list[dict]]:
        try:
            conn = self.idle.pop()
        except IndexError:
            conn = self.connect()
        try:
            cur = conn.cursor()
            cur.execute(str(self.subject_sql), self._args(self.subject_sql, {"subject_id": subject_id}))
            names = [d[0] for d in cur.description]
            row = cur.fetchone()
            subject = dict(zip(names, row)) if row else None
            records = []
            if subject is not None:
                values = {"subject_id": subject_id, "today": today, "limit": 200}
                cur.execute(str(self.records_sql), self._args(self.records_sql, values))
                names = [d[0] for d in cur.description]
                records = [dict(zip(names, r)) for r in cur.fetchall()]
            cur.close()
            conn.rollback()
        except BaseException:
            conn.close()
            raise
        self.idle.append(conn)
        return subject, records


def create_app(url: str | None = None):
    reader = Reader(url or os.environ["XINYONG_DATABASE_URL"])
    from xinyong.clock import today as clock_today

    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            while (message := await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        match = PROFILE_PATH.match(scope["path"])
        subject, records = (None, [])
        if match:
            subject, records = await anyio.to_thread.run_sync(reader.read, int(match.group(1)), clock_today())
        status = 200 if subject is not None else 404
        body = json.dumps({"subject": subject, "records": records} if subject else {"error": "not found"},
                          default=str, ensure_ascii=False).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    return app
