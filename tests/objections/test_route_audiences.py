"""The route matrix (tests/test_route_matrix.py) for the objection routes alone, so this domain's
audiences are checked even while other domains' routes are being added."""
from __future__ import annotations

import pytest

from tests import test_route_matrix as matrix
from tests.route_expectations import PUBLIC
from tests.route_expectations.objections import EXPECTED
from tests.test_route_matrix import population  # noqa: F401  (fixture)
from xinyong.kit.access import declared_roles


ALL_ROUTES = matrix._routes


def _mine():
    return [(m, p, r) for m, p, r in ALL_ROUTES() if (m, p) in EXPECTED]


def test_every_objection_route_is_listed_and_declared():
    found = {(m, p): set(declared_roles(r.dependant) or ()) for m, p, r in matrix._routes()
             if r.endpoint.__module__.startswith("xinyong.objections.")}
    assert set(found) == set(EXPECTED)
    assert all(found[k] == EXPECTED[k] for k in EXPECTED)


@pytest.mark.parametrize("role", sorted(PUBLIC))
def test_every_role_against_the_objection_routes(client, population, role, monkeypatch):  # noqa: F811
    monkeypatch.setattr(matrix, "_routes", _mine)
    matrix.test_every_role_against_every_route(client, population, role)
