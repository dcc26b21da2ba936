"""The query gate's small city (tests/access/conftest.py) is the reports' city too; the platform
signing key lives in one temporary data directory for the whole run (generated once)."""
from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from tests.access.conftest import PASSWORD, TODAY, World, world  # noqa: F401


@pytest.fixture(scope="session")
def report_data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("report-data")


@pytest.fixture(autouse=True)
def signing_keys_in_tmp(report_data_dir, monkeypatch):
    monkeypatch.setenv("XINYONG_DATA_DIR", str(report_data_dir))
    # the common-character report font takes ~20 s to build: keep it across runs
    monkeypatch.setenv("XINYONG_FONT_CACHE_DIR", str(Path(tempfile.gettempdir()) / "xinyong-test-font-cache"))
    return report_data_dir
