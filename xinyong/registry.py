"""Where the shared entry points find each domain's contribution, by module name: CLI command
groups, sweep steps and demo steps. A listed module that is not written yet is skipped; once
written it must expose the named attribute (tests/test_architecture.py checks every listed
module exists and exposes it)."""
from __future__ import annotations

import importlib
from types import ModuleType

# (sub-command name, module exposing `app`: a typer.Typer)
COMMAND_GROUPS = (
    ("calendar", "xinyong.calendar.commands"),
    ("deadlines", "xinyong.deadlines.commands"),
    ("repair", "xinyong.repair.commands"),
    ("lists", "xinyong.lists.commands"),
    ("feed", "xinyong.feed.commands"),
    ("measures", "xinyong.measures.commands"),
    ("evaluation", "xinyong.evaluation.commands"),
    ("reports", "xinyong.reports.commands"),
)

# modules exposing `run_sweep(session, today) -> dict[str, int | str]`, run in this order by
# `xinyong sweep` inside one unit of work
SWEEPS = (
    "xinyong.disclosure.sweep",
    "xinyong.lists.sweep",
    "xinyong.repair.sweep",
    "xinyong.feed.sweep",
    "xinyong.deadlines.sweep",
    "xinyong.commitments.sweep",
    "xinyong.evaluation.sweep",
)

# modules exposing `load(session, ctx: DemoContext) -> list[str]` (summary lines), run by
# `xinyong demo` after the city is ingested, each in its own unit of work
DEMO_STEPS = (
    "xinyong.demo.objections",
    "xinyong.demo.repair",
    "xinyong.demo.lists",
    "xinyong.demo.complaints",
    "xinyong.demo.measures",
    "xinyong.demo.evaluation",
    "xinyong.demo.reports",
)


def load(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and (name == exc.name or name.startswith(exc.name + ".")):
            return None
        raise
