"""Fixtures shared by the lists tests."""
from __future__ import annotations

import pytest

from tests.lists.support import build
from xinyong.config import reset_settings
from xinyong.law import reset_profiles


@pytest.fixture
def world(session, today):
    """The small Quanzhou world of tests.lists.support, on 2026-06-01."""
    today("2026-06-01")
    w = build(session)
    session.commit()
    return w


@pytest.fixture
def fuzhou(monkeypatch, session, today):
    today("2026-06-01")
    w = build(session)
    session.commit()
    monkeypatch.setenv("XINYONG_PROFILE", "fuzhou")
    reset_settings()
    reset_profiles()
    yield w
    monkeypatch.delenv("XINYONG_PROFILE")
    reset_settings()
    reset_profiles()
