"""Fixtures for the events tests: an in-memory store, a clock, and a real SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event

from audit.models import Base
from events.models import EVENT_TABLES
from events.store import InMemoryEventStore

from .builders import Clock


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def memory_store() -> InMemoryEventStore:
    return InMemoryEventStore()


def sqlite_engine(path: Path) -> Engine:
    """An engine on a SQLite file with foreign keys on, as the audit store opens it."""
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _foreign_keys(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


@pytest.fixture
def sqlite_path(tmp_path: Path) -> Path:
    return tmp_path / "events.db"


@pytest.fixture
def engine(sqlite_path: Path) -> Iterator[Engine]:
    """A SQLite file with the event tables, created from the models (the migration's
    equivalence to the models is tested in test_migration)."""
    engine = sqlite_engine(sqlite_path)
    Base.metadata.create_all(engine, tables=list(EVENT_TABLES))
    yield engine
    engine.dispose()
