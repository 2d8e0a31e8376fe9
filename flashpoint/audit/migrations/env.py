"""Alembic environment for the audit database.

The URL comes, in order, from `config.attributes["database_url"]` (set by
`audit.migrate.upgrade`), from ``-x database_url=...`` on the alembic command line, or
from Flashpoint's settings. Batch mode is on so later migrations can alter tables on
SQLite, which has no ALTER COLUMN.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine, pool

import flashpoint.alerts.outbox  # noqa: F401  (registers the outbox table on Base)
import flashpoint.desks.models  # noqa: F401  (registers the desks tables on Base)
import flashpoint.digests.models  # noqa: F401  (registers the pending_alerts table on Base)
import flashpoint.events.models  # noqa: F401  (registers the events tables on Base)
from flashpoint.core.db import Base

config = context.config
target_metadata = Base.metadata


def database_url() -> str:
    url = config.attributes.get("database_url")
    if isinstance(url, str):
        return url
    url = context.get_x_argument(as_dictionary=True).get("database_url")
    if url:
        return url
    from flashpoint.core.settings import load_settings

    return load_settings().database_url


def run_with(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    context.configure(
        url=database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if isinstance(connection, Connection):
        run_with(connection)
        return
    engine = create_engine(database_url(), poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            run_with(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
