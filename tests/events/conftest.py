"""Fixtures for the events tests: an in-memory store, a clock, and real databases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event

from flashpoint.audit.migrate import ensure_sqlite_directory
from flashpoint.core.db import Base
from flashpoint.events.models import EVENT_TABLES
from flashpoint.events.store import InMemoryEventStore

from .builders import Clock


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def memory_store() -> InMemoryEventStore:
    return InMemoryEventStore()


def open_engine(url: str) -> Engine:
    """An engine as the audit store opens it (on SQLite, with foreign keys on)."""
    ensure_sqlite_directory(url)
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _foreign_keys(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

    return engine


def sqlite_engine(path: Path) -> Engine:
    return open_engine(f"sqlite:///{path}")


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A database (SQLite and PostgreSQL) with the event tables, created from the models
    (the migration's equivalence to the models is tested in test_migration)."""
    engine = open_engine(database_url)
    Base.metadata.create_all(engine, tables=list(EVENT_TABLES))
    yield engine
    engine.dispose()
