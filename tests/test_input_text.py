"""Input text (ARCHITECTURE.md, "Guarantees that cut across features"): every text input of
every route — query, path and form parameters, JSON bodies — and every request schema is one
of the text types of ``xinyong.kit.text``; a bare ``str`` fails here."""
from __future__ import annotations

import ast
import importlib
import pkgutil
import typing
from pathlib import Path

from fastapi.routing import APIRoute
from pydantic import BaseModel

import xinyong
from xinyong.app import create_app
from xinyong.kit.access import iter_routes
from xinyong.kit.text import Code, Text, TextForm, TextRule

PACKAGE = Path(xinyong.__file__).resolve().parent


def bare_strings(annotation, metadata=(), where: str = "", seen: set | None = None) -> list[str]:
    """The places in a type where a ``str`` is accepted without a TextRule."""
    seen = set() if seen is None else seen
    covered = any(isinstance(m, TextRule) for m in metadata)
    return _walk(annotation, covered, where, seen)


def _walk(t, covered: bool, where: str, seen: set) -> list[str]:
    origin, args = typing.get_origin(t), typing.get_args(t)
    if origin is typing.Annotated:
        rule = any(isinstance(m, TextRule) for m in t.__metadata__)
        return _walk(args[0], covered or rule, where, seen)
    if t is str:
        return [] if covered else [where]
    if isinstance(t, type) and issubclass(t, BaseModel):
        return model_bare_strings(t, seen)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType")):
        return [w for a in args for w in _walk(a, covered, where, seen)]
    return [w for a in args for w in _walk(a, False, f"{where}[]", seen)]


def model_bare_strings(model: type[BaseModel], seen: set) -> list[str]:
    if model in seen:
        return []
    seen.add(model)
    return [w for name, f in model.model_fields.items()
            for w in bare_strings(f.annotation, f.metadata, f"{model.__module__}.{model.__name__}.{name}", seen)]


def _route_params(dependant):
    for kind in ("path_params", "query_params", "header_params", "cookie_params", "body_params"):
        yield from getattr(dependant, kind)
    for sub in dependant.dependencies:
        yield from _route_params(sub)


def route_bare_strings(app) -> tuple[list[str], int]:
    found, checked, seen = [], 0, set()
    for route in iter_routes(app.routes):
        if not isinstance(route, APIRoute):
            continue
        for param in _route_params(route.dependant):
            checked += 1
            info = param.field_info
            where = f"{sorted(route.methods)[0]} {route.path} {param.name}"
            found += bare_strings(info.annotation, info.metadata, where, seen)
    return found, checked


def request_schemas() -> list[type[BaseModel]]:
    """Every pydantic model named *In in the package: request schemas, also those a page
    handler builds itself from a form."""
    models = []
    for info in pkgutil.walk_packages(xinyong.__path__, "xinyong."):
        if info.name.startswith("xinyong.devtools"):
            continue
        module = importlib.import_module(info.name)
        models += [v for k, v in vars(module).items() if k.endswith("In") and isinstance(v, type)
                   and issubclass(v, BaseModel) and v.__module__ == module.__name__]
    return models


def test_every_route_parameter_is_a_text_type():
    found, checked = route_bare_strings(create_app())
    assert checked > 300, "the walk must reach every route's parameters"
    assert found == [], f"bare str inputs (use Text, PrivateText, Code or BulkCell from xinyong.kit.text): {found}"


def test_every_request_schema_is_made_of_text_types():
    models = request_schemas()
    assert len(models) >= 30
    seen: set = set()
    found = [w for m in models for w in model_bare_strings(m, seen)]
    assert found == [], f"bare str fields in request schemas: {found}"


def test_a_bare_str_is_caught():
    """The walk can fail: a bare str, nested or in a model or a route, is reported; a text type is not."""
    from fastapi import FastAPI, Form, Query

    class Bare(BaseModel):
        ok: Text
        maybe: Text | None = None
        bad: list[dict[str, int]]
        nested: typing.Optional[str] = None

    assert model_bare_strings(Bare, set()) == [f"{__name__}.Bare.bad[][]", f"{__name__}.Bare.nested"]
    app = FastAPI()

    @app.post("/x")
    def x(a: Text = Form(""), b: str = Form(""), c: str | None = Query(None), d: str = TextForm(""),
          e: Text | None = Form(None), f: Code = ""):
        return {}

    # FastAPI drops an Annotated type's metadata when the default is Form(...): `a` is bare
    found, _ = route_bare_strings(app)
    assert sorted(found) == ["POST /x a", "POST /x b", "POST /x c"]


def test_page_handlers_read_forms_only_through_the_screening_helper():
    """A handler reading ``request.form()`` itself would take text no type checks; the one
    helper that reads a form whole (xinyong.kit.text.screened_form) screens every value.
    The CSRF check reads only its token."""
    allowed = {PACKAGE / "kit" / "text.py", PACKAGE / "kit" / "access.py"}
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path in allowed:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "form" and isinstance(node.value, ast.Name) \
                    and node.value.id == "request":
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert offenders == []
