"""The suite's check that no database work runs on an event loop (tests/conftest.py,
``no_database_work_on_the_event_loop``) notes a statement and a pooled connection taken on a
loop, and nothing off it: it can fail."""
from __future__ import annotations

import asyncio
import sys

from sqlalchemy import text


def test_the_guard_notes_database_work_on_an_event_loop_and_only_there(db):
    noted = sys.modules["tests.conftest"]._ON_THE_LOOP
    before = len(noted)
    with db.connect() as conn:   # off any loop: nothing noted
        conn.execute(text("SELECT 1"))
    assert len(noted) == before

    async def on_the_loop():
        with db.connect() as conn:
            conn.execute(text("SELECT 2"))
    asyncio.run(on_the_loop())
    found = noted[before:]
    del noted[before:]   # this test's own, on purpose: the autouse check must not fail it
    assert any(f.startswith("a pooled connection taken on the event loop") for f in found), found
    assert any(f.startswith("statement 'SELECT 2' on the event loop") for f in found), found
