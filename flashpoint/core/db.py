"""The one SQLAlchemy base every stage's tables hang on, and the UTC datetime column type.

The audit store, the desks, the digests, the events and the outbox keep their tables in one
database with one set of Alembic migrations (`flashpoint.audit.migrations`), so they share
one `MetaData`; it lives here, on the ground floor, so no stage imports another for it,
with `insert_ignore`, the replay-safe insert every store writes with.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Dialect, MetaData, TypeDecorator
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase

from flashpoint.core.clock import as_utc

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A `DateTime(timezone=True)` that always stores UTC and always returns aware UTC.

    SQLite has no time zones, so values are stored there as naive UTC (which also
    keeps its text comparisons correct); PostgreSQL stores `timestamptz`.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = as_utc(value)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: dict[Any, Any] = {datetime: UTCDateTime}


def insert_ignore(
    dialect: str, model: type[Base], conflict: Sequence[str]
) -> postgresql.Insert | sqlite.Insert:
    """``INSERT ... ON CONFLICT (conflict) DO NOTHING`` for `model`'s table.

    SQLite (3.35+, for RETURNING) and PostgreSQL both speak this; a row whose unique key `conflict`
    already exists is skipped, which is what makes every `record_*` replay-safe.
    """
    if dialect == "postgresql":
        return postgresql.insert(model).on_conflict_do_nothing(index_elements=conflict)
    return sqlite.insert(model).on_conflict_do_nothing(index_elements=conflict)
