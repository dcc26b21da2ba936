from __future__ import annotations

import pytest

from tests.deadlines.support import build_city


@pytest.fixture
def city(session, today):
    today("2026-09-28")
    return build_city(session)
