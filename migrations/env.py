"""Alembic environment: the database URL comes from the platform settings (or the caller)."""
from __future__ import annotations

from alembic import context

from xinyong.config import get_settings
from xinyong.db import make_engine
from xinyong.models import Base

target_metadata = Base.metadata


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url") or get_settings().database_url
    engine = make_engine(url)
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()


# Dialect-specific objects created by hand in migrations (not expressible portably in models).
MIGRATION_ONLY = {"ix_subjects_name_trgm"}


def _include(obj, name, type_, reflected, compare_to) -> bool:
    return name not in MIGRATION_ONLY


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=_include,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
