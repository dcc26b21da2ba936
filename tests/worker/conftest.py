import pytest


@pytest.fixture(autouse=True)
def _own_job_kinds(monkeypatch):
    """Job kinds a test registers are its own: the platform's handlers come back after it."""
    from xinyong.worker import runner
    monkeypatch.setattr(runner, "_extra", {})
