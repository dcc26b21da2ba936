"""Alembic environment: the database URL comes from the platform settings (or the caller)."""
from __future__ import annotations

from alembic import context

from xinyong.config import get_settings
from xinyong.db import make_engine
from xinyong.models import Base
from xinyong.partitions.rules import WIDENED_UNIQUES, is_partition

target_metadata = Base.metadata


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url") or get_settings().database_url
    engine = make_engine(url)
    if engine.dialect.name == "sqlite":
        # batch mode recreates tables others reference; SQLite checks keys on DROP TABLE, and
        # foreign_keys can only be switched outside a transaction: off for the migration, then
        # every key checked (foreign_key_check) before it is switched back on
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
            with conn.begin():
                _run(conn)
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"the migration left rows whose keys point nowhere: {broken[:5]}")
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            conn.commit()
    else:
        with engine.begin() as conn:
            _run(conn)
    engine.dispose()


# Dialect-specific objects created by hand in migrations (not expressible portably in models).
MIGRATION_ONLY = {"ix_subject_names_name_trgm"}


def _include_for(dialect: str):
    """On PostgreSQL the month partitions of the partitioned tables, and the unique constraints
    partitioning widens by the partition key, are the migration's (xinyong.partitions.rules)."""
    def include(obj, name, type_, reflected, compare_to) -> bool:
        if name in MIGRATION_ONLY:
            return False
        if dialect == "postgresql" and type_ == "table" and reflected and is_partition(name):
            return False
        return not (dialect == "postgresql" and type_ == "unique_constraint" and name in WIDENED_UNIQUES)
    return include


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=_include_for(connection.dialect.name),
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
