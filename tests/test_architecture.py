"""Architecture rules enforced by tests (ARCHITECTURE.md "Habits we keep")."""
from __future__ import annotations

import ast
from pathlib import Path

from fastapi.routing import APIRoute
from starlette.routing import Mount

from xinyong.app import create_app
from xinyong.kit.access import declared_roles, iter_routes
from xinyong.migrate import check, upgrade

PACKAGE = Path(__file__).resolve().parent.parent / "xinyong"


def test_every_route_declares_who_may_call_it():
    app = create_app()
    undeclared, seen = [], 0
    for route in iter_routes(app.routes):
        if isinstance(route, APIRoute):
            seen += 1
            if declared_roles(route.dependant) is None:
                undeclared.append(f"{sorted(route.methods)} {route.path}")
        elif isinstance(route, Mount):
            assert route.path == "/static", f"unexpected mount {route.path}"
        elif route.path not in ("/openapi.json",):
            undeclared.append(route.path)
    assert undeclared == [], f"routes without an access declaration: {undeclared}"
    assert seen >= 10, "the walk must reach the routes of included routers"


def test_a_route_without_declaration_is_caught():
    """The check above can fail: a bare route is reported."""
    from fastapi import FastAPI
    app = FastAPI()

    @app.get("/bare")
    def bare():
        return {}

    route = next(r for r in app.routes if isinstance(r, APIRoute) and r.path == "/bare")
    assert declared_roles(route.dependant) is None


def test_services_and_repositories_never_commit():
    """Commit only at the boundary: routes, CLI commands, sweeps (ARCHITECTURE.md habit 2)."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.name not in ("service.py", "repository.py", "rules.py", "views.py", "sweep.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "commit":
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert offenders == []


def test_rules_modules_do_no_io():
    """rules.py files are pure: no database, no files, no network."""
    banned = {"sqlalchemy", "xinyong.db", "open", "requests", "httpx", "psycopg"}
    offenders = []
    for path in PACKAGE.rglob("rules.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in banned | {"sqlalchemy"}:
                offenders.append(f"{path.relative_to(PACKAGE)} imports {node.module}")
            if isinstance(node, ast.Import):
                offenders += [f"{path.relative_to(PACKAGE)} imports {a.name}" for a in node.names
                              if a.name.split(".")[0] in banned]
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "open":
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno} calls open()")
    assert offenders == []


def test_models_and_migrations_agree_on_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'check.db'}"
    upgrade(url)
    check(url)  # raises when autogenerate would find a difference


def test_models_and_migrations_agree_on_postgresql(pg_url):
    upgrade(pg_url)
    check(pg_url)


def test_every_registered_module_exists_and_exposes_its_entry_point():
    """The shared entry points (CLI, sweep, demo, hooks) find domains through xinyong.registry;
    a listed module that is missing or lacks its attribute would silently drop a duty."""
    import inspect

    import typer

    from xinyong import registry
    for _name, module in registry.COMMAND_GROUPS:
        assert isinstance(registry.load(module).app, typer.Typer), module
    for module in registry.SWEEPS:
        assert list(inspect.signature(registry.load(module).run_sweep).parameters) == ["session", "today"], module
    for module in registry.DEMO_STEPS:
        assert list(inspect.signature(registry.load(module).load).parameters) == ["session", "ctx"], module
    for hook, modules in registry.HOOKS.items():
        for module in modules:
            assert callable(getattr(registry.load(module), hook, None)), f"{module}.{hook}"
    for hook, modules in registry.AFTER_COMMIT_HOOKS.items():   # the ingest outbox passes today=
        for module in modules:
            assert "today" in inspect.signature(getattr(registry.load(module), hook)).parameters, f"{module}.{hook}"
            assert module not in registry.HOOKS[hook], f"{module}.{hook} runs once, inside or after the commit"


def _transaction_end_listeners_not_asking_for_the_root(source: str, name: str) -> list[str]:
    """Functions listening to a Session's after_commit / after_rollback that never call
    db.root_transaction_ended (SQLAlchemy reports a SAVEPOINT's end through the same events)."""
    tree = ast.parse(source)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        events = [d for d in node.decorator_list if isinstance(d, ast.Call) and len(d.args) >= 2
                  and isinstance(d.args[1], ast.Constant) and d.args[1].value in ("after_commit", "after_rollback")]
        asks = any(isinstance(n, ast.Call) and getattr(n.func, "id", getattr(n.func, "attr", "")) == "root_transaction_ended"
                   for n in ast.walk(node))
        if events and not asks:
            found.append(f"{name}:{node.name}")
    return found


def test_every_transaction_end_listener_waits_for_the_root_transaction():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if "after_commit" in text or "after_rollback" in text:
            offenders += _transaction_end_listeners_not_asking_for_the_root(text, str(path.relative_to(PACKAGE)))
    assert offenders == []


def test_a_listener_acting_on_a_savepoints_end_is_caught():
    bad = ('@event.listens_for(Session, "after_commit")\n'
           'def _drop(session):\n'
           '    cache.clear()\n')
    good = ('@event.listens_for(Session, "after_commit")\n'
            'def _drop(session):\n'
            '    if root_transaction_ended(session):\n'
            '        cache.clear()\n')
    assert _transaction_end_listeners_not_asking_for_the_root(bad, "m") == ["m:_drop"]
    assert _transaction_end_listeners_not_asking_for_the_root(good, "m") == []


LAZY_RUNS = {"collect", "collect_all", "collect_async", "collect_batches", "sink_csv", "sink_parquet", "sink_ipc"}


def _lazy_runs_outside_kit_frames(path: Path, source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in LAZY_RUNS
                and not (isinstance(node.func.value, ast.Name) and node.func.value.id in ("gc", "frames"))):
            found.append(f"{path}:{node.lineno}")
    return found


def test_every_lazy_query_runs_on_the_one_engine():
    """polars 2 runs a bare LazyFrame.collect() on its streaming engine, with milliseconds of
    start-up a query: every lazy query of the package runs through xinyong.kit.frames."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.relative_to(PACKAGE).as_posix() != "kit/frames.py":
            offenders += _lazy_runs_outside_kit_frames(path.relative_to(PACKAGE), path.read_text(encoding="utf-8"))
    assert offenders == []


def test_a_bare_collect_is_caught():
    source = "import polars as pl\nx = pl.LazyFrame({'a': [1]}).collect()\ny = pl.collect_all([])\nimport gc\ngc.collect()\n"
    assert _lazy_runs_outside_kit_frames(Path("m.py"), source) == ["m.py:2", "m.py:3"]
