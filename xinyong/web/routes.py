"""Mounts every domain's API router and pages on the application."""
from __future__ import annotations

import copy
import importlib

from fastapi import FastAPI
from fastapi.routing import APIRoute, request_response

# each module exposes `router`; order matters only for overlapping paths
MODULES = (
    "xinyong.web.system",
    "xinyong.catalogue.api",
    "xinyong.agencies.api",
    "xinyong.disclosure.api",
    "xinyong.ingest.api",
    "xinyong.accounts.pages", "xinyong.accounts.api",
    "xinyong.accounts.signup_pages", "xinyong.accounts.signup_api", "xinyong.accounts.staff_pages",
    "xinyong.disclosure.pages",
    "xinyong.ingest.pages",
    "xinyong.agencies.pages",
    "xinyong.catalogue.pages",
    "xinyong.catalogue.local.api", "xinyong.catalogue.local.pages",   # 地方补充目录 (issue 15 point 1)
    "xinyong.audit.api",
    "xinyong.audit.pages",
    "xinyong.access.api",
    "xinyong.access.pages",
    "xinyong.access.office_pages",
    # procedures and their shared machinery (issue 4)
    "xinyong.deadlines.api", "xinyong.deadlines.pages",
    "xinyong.documents.api", "xinyong.documents.pages",
    "xinyong.notifications.api", "xinyong.notifications.pages",
    "xinyong.calendar.api", "xinyong.calendar.pages",
    "xinyong.objections.api", "xinyong.objections.pages",
    "xinyong.repair.api", "xinyong.repair.pages",
    "xinyong.lists.api", "xinyong.lists.pages",
    "xinyong.complaints.api", "xinyong.complaints.pages",
    "xinyong.feed.api", "xinyong.feed.pages",
    # acting on credit (issue 5)
    "xinyong.measures.api", "xinyong.measures.pages",
    "xinyong.commitments.api", "xinyong.commitments.pages",
    "xinyong.evaluation.api", "xinyong.evaluation.pages",
    "xinyong.reports.api", "xinyong.reports.pages",
    "xinyong.peers.api", "xinyong.peers.pages",   # peer platforms that recognise each other (QZ art. 6, FZ art. 7)
    "xinyong.dashboards.api", "xinyong.dashboards.pages",
    # self-declared information (QZ art. 13, FZ art. 10 para. 2)
    "xinyong.declarations.api", "xinyong.declarations.pages",
    # market credit information: providers, written authorisations (QZ art. 12, FZ art. 8, 10)
    "xinyong.market.api", "xinyong.market.pages",
    # the public transparency log over the audit log (issue 12)
    "xinyong.transparency.api", "xinyong.transparency.pages",
    # the worker's schedules and job queue (issue 16)
    "xinyong.worker.pages",
    # sharing upward to the provincial platform / 信用中国 (issue 15 point 4)
    "xinyong.upstream.pages",
    # each role's home after sign-in (issue 13)
    "xinyong.workbench.pages",
    # the portal's bulletins: 通知公告 / 政策法规 (issue 13)
    "xinyong.bulletins.api", "xinyong.bulletins.pages", "xinyong.portal.pages",
    # the register of credit service agencies (issue 15 point 3) and key occupational groups (point 6)
    "xinyong.credit_services.api", "xinyong.credit_services.pages",
    "xinyong.occupations.api", "xinyong.occupations.pages",
)


def include_all(app: FastAPI) -> None:
    """Every listed module must exist: a missing one would silently drop its routes."""
    for name in MODULES:
        router = importlib.import_module(name).router
        if all(type(route) is APIRoute for route in router.routes):
            app.router.routes.extend(_declared_on(app, route) for route in router.routes)
        else:
            app.include_router(router)


def _declared_on(app: FastAPI, route: APIRoute) -> APIRoute:
    """The route as if declared on the application itself (``@app.get``), in the same order.

    FastAPI keeps an included router as one entry that, on every request, re-derives and walks
    its routes' context, then walks them again to handle the match: ~12 us of CPU per module
    router passed, so a page near the end of MODULES paid ~0.8 ms just to be found and an
    unknown path ~1.8 ms (bench/request_cpu_bench.py, issue #14). A module router's routes are
    complete when declared (its prefix, tags, dependencies and include_in_schema are folded
    into each route), and none of these routers is included with options, so each route is
    kept as it is: a copy per application, answering to that application's
    dependency_overrides as an included route does."""
    own = copy.copy(route)
    own.dependency_overrides_provider = app
    own.app = request_response(own.get_route_handler())
    return own
