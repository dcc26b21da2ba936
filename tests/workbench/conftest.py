from __future__ import annotations

import pytest

from tests.deadlines.support import build_city, cheap_password_hashing  # noqa: F401 - fixture


@pytest.fixture
def city(session, today, cheap_password_hashing):  # noqa: F811
    today("2026-09-28")
    return build_city(session)
