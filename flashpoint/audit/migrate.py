"""Bring an audit database to the newest schema with Alembic, from anywhere.

The Alembic files ship inside the package (`audit/alembic.ini`, `audit/migrations/`),
so this works from an installed wheel and from any working directory.
"""

from __future__ import annotations

import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection
from sqlalchemy.engine import make_url

PACKAGE_DIR = Path(__file__).resolve().parent
ALEMBIC_INI = PACKAGE_DIR / "alembic.ini"
MIGRATIONS_DIR = PACKAGE_DIR / "migrations"
# Alembic keeps the running migration context in a module global: one at a time per process.
_MIGRATION_LOCK = threading.Lock()


def alembic_config(database_url: str, connection: Connection | None = None) -> Config:
    """An Alembic config for `database_url` whose scripts are the packaged migrations.

    The URL travels in `config.attributes`, not in the ini options, so characters such
    as ``%`` in a URL-encoded password need no escaping and never reach a log line.
    """
    config = Config(str(ALEMBIC_INI))
    # ini options are interpolated: a "%" in the install path must be doubled.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.attributes["database_url"] = database_url
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def ensure_sqlite_directory(database_url: str) -> None:
    """Create the parent folder of a SQLite database file (SQLite will not)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def upgrade(
    database_url: str, revision: str = "head", *, connection: Connection | None = None
) -> None:
    """Run `alembic upgrade <revision>` (default: head) against `database_url`.

    With `connection`, the migrations run on it (inside its transaction) instead of a
    new engine: that is how `AuditStore` migrates an in-memory SQLite database.
    """
    ensure_sqlite_directory(database_url)
    with _MIGRATION_LOCK:
        command.upgrade(alembic_config(database_url, connection), revision)


def head_revision() -> str | None:
    """The newest migration revision shipped with this package."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
