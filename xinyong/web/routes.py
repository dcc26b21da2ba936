"""Mounts every domain's API router and pages on the application."""
from __future__ import annotations

import importlib

from fastapi import FastAPI

# each module exposes `router`; order matters only for overlapping paths
MODULES = (
    "xinyong.web.system",
    "xinyong.catalogue.api",
    "xinyong.agencies.api",
    "xinyong.disclosure.api",
    "xinyong.ingest.api",
    "xinyong.accounts.pages",
    "xinyong.disclosure.pages",
    "xinyong.ingest.pages",
    "xinyong.agencies.pages",
    "xinyong.catalogue.pages",
    "xinyong.audit.api",
    "xinyong.audit.pages",
    "xinyong.access.api",
    "xinyong.access.pages",
    "xinyong.access.office_pages",
)


def include_all(app: FastAPI) -> None:
    for name in MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # a page module not written yet
                continue
            raise
        app.include_router(module.router)
