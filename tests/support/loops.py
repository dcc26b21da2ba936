"""Whether this thread is running an event loop: where a database round trip would hold every
other request of a server process (tests/conftest.py, ``no_database_work_on_the_event_loop``)."""
from __future__ import annotations

import asyncio


def on_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True
