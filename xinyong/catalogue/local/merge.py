"""The catalogue in use = the file items + the current versions of the local supplementary items.

``xinyong.catalogue.loader.get_catalogue`` calls ``with_local_items`` (its one hook). Local items
are read only inside a *catalogue scope*: one per HTTP request (``LocalCatalogueScope``), per
worker job and per CLI command. A scope reads the change token once (one primary-key row); the
process reloads the local items only when the token differs from the one it loaded, so a change
made on any app node is seen on the next request on every node, and nothing lives only in one
process's memory but a cache the shared token validates. Outside a scope (pure functions, tests
of the file catalogue) the catalogue is the files alone."""
from __future__ import annotations

import contextlib
import dataclasses
import functools
import logging
import threading
from contextvars import ContextVar
from pathlib import Path

from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from xinyong.catalogue.loader import ITEMS_DIR, Catalogue, CatalogueError, _read_yaml  # noqa: PLC2701
from xinyong.catalogue.local import rules
from xinyong.db import root_transaction_ended
from xinyong.models import Batch
from xinyong.models.local_catalogue import LocalCatalogueItem, LocalCatalogueState, LocalCatalogueVersion

log = logging.getLogger("xinyong.catalogue")
STATE_ID = 1
_SCOPE: ContextVar[dict | None] = ContextVar("local_catalogue_scope", default=None)
_LOADED: dict[str, tuple] = {}   # engine url + profile -> (token, files, merged, monotonic time of the token read)
_LOCK = threading.Lock()


@dataclasses.dataclass(frozen=True)
class MergedCatalogue(Catalogue):
    local_versions: dict[str, int] = dataclasses.field(default_factory=dict)   # code -> current version
    withdrawn: frozenset[str] = frozenset()


@contextlib.contextmanager
def catalogue_scope(engine: Engine | None = None, *, lenient: bool = False):
    """Within it, get_catalogue() includes the local items current when first asked. A lenient
    scope (a CLI command: `catalogue list`, `init` before its migrations) falls back to the file
    items, with a warning, when the database has no local catalogue to read."""
    token = _SCOPE.set({"engine": engine, "lenient": lenient})
    try:
        yield
    finally:
        _SCOPE.reset(token)


class LocalCatalogueScope:
    """Pure ASGI: one catalogue scope per HTTP request."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with catalogue_scope():
            await self.app(scope, receive, send)


def with_local_items(files: Catalogue) -> Catalogue:
    scope = _SCOPE.get()
    if scope is None:
        return files
    found = scope.get("catalogue")
    if found is None or found[0] is not files:
        found = scope["catalogue"] = (files, _in_scope(files, scope))
    return found[1]


def _in_scope(files: Catalogue, scope: dict) -> Catalogue:
    from xinyong.db import get_engine
    engine = scope.get("engine") or get_engine()
    if not scope.get("lenient"):
        return _current(files, engine)
    if engine.dialect.name == "sqlite" and not _sqlite_file_exists(engine):
        return files     # connecting would create an empty database file
    try:
        return _current(files, engine)
    except SQLAlchemyError as exc:
        log.warning("local catalogue items not read (%s): the file items alone", type(exc).__name__)
        return files


def _sqlite_file_exists(engine: Engine) -> bool:
    name = engine.url.database
    return not name or name == ":memory:" or Path(name).exists()


def _current(files: Catalogue, engine: Engine) -> Catalogue:
    """The merged catalogue for this engine and profile. The shared change token is read at most
    every `catalogue_token_seconds` per process (a public read pays no round trip to the primary
    for it), and when the primary cannot be reached (a failover) the catalogue last loaded serves
    on: the reads a standby can answer are not refused for want of a token."""
    import time

    from xinyong.config import get_settings
    settings = get_settings()
    key = f"{engine.url.render_as_string(hide_password=False)} {settings.profile}"
    cached = _LOADED.get(key)
    now = time.monotonic()
    if cached is not None and cached[1] is files and now - cached[3] < settings.catalogue_token_seconds:
        return cached[2]
    try:
        with engine.connect() as conn:
            token = conn.scalar(select(LocalCatalogueState.token).where(LocalCatalogueState.id == STATE_ID))
            if cached is not None and cached[0] == token and cached[1] is files:
                with _LOCK:
                    _LOADED[key] = (token, files, cached[2], now)
                return cached[2]
            rows = conn.execute(
                select(LocalCatalogueItem.code, LocalCatalogueItem.status, LocalCatalogueItem.current_version,
                       LocalCatalogueVersion.definition)
                .join(LocalCatalogueVersion, (LocalCatalogueVersion.code == LocalCatalogueItem.code)
                      & (LocalCatalogueVersion.version == LocalCatalogueItem.current_version))).all()
    except OperationalError:
        if cached is None or cached[1] is not files:
            raise
        log.warning("local catalogue: the database is out of reach; serving the items last loaded")
        return cached[2]
    merged = merge(files, rows)
    with _LOCK:
        _LOADED[key] = (token, files, merged, now)
    return merged


def forget_loaded() -> None:
    """This process's cache dropped (after a change made here: seen at once on this node)."""
    with _LOCK:
        _LOADED.clear()


CHANGED = "local_catalogue_changed"   # Session.info flag set by a change (service._version)


@event.listens_for(Session, "after_commit")
def _after_commit(session) -> None:
    # not at a SAVEPOINT's release: a request reloading in between would cache the old items again
    if root_transaction_ended(session) and session.info.pop(CHANGED, False):
        forget_loaded()


def merge(files: Catalogue, rows) -> MergedCatalogue:
    """File items first and always; a stored local item no longer valid (a file item now has its
    code, its rule left the profile) is left out and logged, never allowed to shadow."""
    allowed, items, versions, withdrawn = reference_rules(files), list(files.items), {}, set()
    for code, status, version, definition in rows:
        try:
            item = rules.item_from_definition(definition, files, allowed, names_en())
        except CatalogueError as exc:
            log.error("local catalogue item %s v%s left out: %s", code, version, exc.message_en)
            continue
        if status == "withdrawn":   # its records stay readable; it takes no new batch
            item = dataclasses.replace(item, ingestible=False)
            withdrawn.add(code)
        items.append(item)
        versions[code] = version
    items.sort(key=lambda i: (i.category.order, i.order, i.code))
    return MergedCatalogue(items=items, categories=files.categories, local_versions=versions,
                           withdrawn=frozenset(withdrawn))


def reference_rules(files: Catalogue) -> dict[str, set[str]]:
    from xinyong.law import active_profile
    return rules.rule_references(files, set(active_profile().keys()))


@functools.lru_cache(maxsize=1)
def names_en() -> dict[str, str]:
    path = ITEMS_DIR / "_field_names.yaml"
    return (_read_yaml(path).get("field_names_en") or {}) if path.is_file() else {}


def local_version(code: str) -> int | None:
    """The version of local item ``code`` in use in this scope (None: a file item, or no scope)."""
    from xinyong.catalogue.loader import get_catalogue
    catalogue = get_catalogue()
    return catalogue.local_versions.get(code) if isinstance(catalogue, MergedCatalogue) else None


@event.listens_for(Batch, "before_insert")
def _batch_item_version(_mapper, _connection, batch: Batch) -> None:
    """A batch of a local item records the version it came in under (kept after withdrawal)."""
    if batch.item_version is None:
        batch.item_version = local_version(batch.item_code)
