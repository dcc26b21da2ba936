"""Declarative base and the portable column types shared by every model."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, BigInteger, DateTime, Integer, MetaData, Text, TypeDecorator
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, mapped_column

from xinyong import clock

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGINT ids on PostgreSQL; SQLite only auto-increments INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer, "sqlite")
# JSONB on PostgreSQL (indexable, compared by value); JSON text elsewhere.
Json = JSON().with_variant(JSONB(), "postgresql")
# JSON kept as its text, checked as JSON on the way in (PostgreSQL ``json``; JSON text
# elsewhere): for a document written once in bulk and read whole, never searched or compared
# inside by the database. ``jsonb`` parses each value into its binary form on every write:
# ~22 ms of the ~175 ms a 10,000-row batch's records took to load, in a probe (migration 0027_json_fields).
# Compare such values as ``jsonb`` (``CAST(x AS jsonb)``): ``json`` has no equality operator.
JsonText = JSON()


class _UtcTimestamp(TypeDecorator):
    """TIMESTAMP WITH TIME ZONE on PostgreSQL; on SQLite, which keeps no offset, the instant is
    stored in UTC and read back with its UTC offset, so every backend hands out aware values."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None or not isinstance(value, dt.datetime):
            return value
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        if dialect.name == "sqlite":
            return value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value


TimestampTZ = _UtcTimestamp()


class CitedText(TypeDecorator):
    """Text whose law citations are stored as short codes (xinyong.law.citation_codes): the
    row is smaller, the value read and written through the ORM is the full text."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        from xinyong.law.citation_codes import encode
        return encode(value)

    def process_result_value(self, value, dialect):
        from xinyong.law.citation_codes import decode
        return decode(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def utcnow() -> dt.datetime:
    return clock.now()


def created_at_column():
    return mapped_column(TimestampTZ, nullable=False, default=utcnow)
