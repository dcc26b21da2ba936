"""Fuzzing the JSON API from its own OpenAPI document (schemathesis), in-process over ASGI:
every operation, anonymously and as a staff user (bearer token), against a small demo city
on SQLite. Checks: no 5xx, and every response conforms to the schema the API publishes.

A failure here is a real finding (a crash, or a response the OpenAPI document does not
describe); it is reported with the request that reproduces it."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from xinyong.config import reset_settings

EXAMPLES = 20  # per operation and caller: the module runs in about a minute and a half
CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    """The app on a migrated SQLite file holding a 20-enterprise demo city, ingested through
    the real path, and a staff user's API token."""
    from xinyong.app import create_app
    from xinyong.db import session_scope
    from xinyong.demo import load_demo
    from xinyong.migrate import upgrade

    patch = pytest.MonkeyPatch()
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'xinyong.db'}"
    patch.setenv("XINYONG_DATABASE_URL", url)
    patch.setenv("XINYONG_RATE_ANON_PER_MINUTE", "0")  # fuzzing is not scraping: no rate limits here
    patch.setenv("XINYONG_RATE_USER_PER_MINUTE", "0")
    reset_settings()
    try:
        upgrade(url)
        load_demo(subjects=20)
        with session_scope() as session:
            token = _issue_token(session, "staff")
        yield create_app(), token
    finally:
        patch.undo()
        reset_settings()


def _issue_token(session, username: str) -> str:
    try:
        from xinyong.accounts.tokens import issue_token
    except ImportError:  # before scoped tokens, the accounts service issued them
        from xinyong.accounts.service import issue_token
    return issue_token(session, username, "fuzz")


@pytest.fixture(scope="module")
def api_schema(demo_app):
    app, _ = demo_app
    return schemathesis.openapi.from_asgi("/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")
# Deterministic (the same inputs every run, so CI is reproducible) and without shrinking
# (a failing input is reported as found; shrinking a server error costs minutes).
HYPOTHESIS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                      phases=[Phase.explicit, Phase.generate],
                      suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                             HealthCheck.data_too_large])


@schema.parametrize()
@HYPOTHESIS
def test_api_conforms_to_its_openapi_document_anonymously(case):
    case.call_and_validate(checks=CHECKS)


@schema.parametrize()
@HYPOTHESIS
def test_api_conforms_to_its_openapi_document_as_staff(case, demo_app):
    _, token = demo_app
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
