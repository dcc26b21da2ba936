"""The application's routes are its own (xinyong.web.routes.include_all), not included
routers that FastAPI re-walks on every request (issue #14): same routes, same order, one
copy per application, each answering to that application's dependency_overrides."""
from __future__ import annotations

import importlib

from fastapi.routing import APIRoute

from xinyong.app import create_app
from xinyong.kit.web import get_session
from xinyong.web.routes import MODULES


def test_every_module_route_is_declared_on_the_application_in_module_order(db):
    app = create_app()
    declared = [(r.path, tuple(sorted(r.methods)), r.name) for r in app.router.routes if isinstance(r, APIRoute)]
    expected = [(r.path, tuple(sorted(r.methods)), r.name)
                for name in MODULES for r in importlib.import_module(name).router.routes]
    assert declared == expected
    assert not [r for r in app.router.routes if hasattr(r, "original_router")]


def test_each_application_has_its_own_routes_and_its_overrides_apply(db):
    from fastapi.testclient import TestClient

    first, second = create_app(), create_app()
    ids = {id(r) for r in first.router.routes if isinstance(r, APIRoute)}
    assert not ids & {id(r) for r in second.router.routes if isinstance(r, APIRoute)}

    class Down:
        def execute(self, *_):
            raise RuntimeError("overridden")

    def overridden():
        yield Down()

    second.dependency_overrides[get_session] = overridden
    with TestClient(first) as a, TestClient(second, raise_server_exceptions=False) as b:
        assert a.get("/api/v1/health").status_code == 200
        assert b.get("/api/v1/health").status_code == 500
