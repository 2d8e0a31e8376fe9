"""Fixtures for the desks tests: a real, migrated SQLite file per test."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from flashpoint.desks.store import DeskStore

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(database_url: str) -> Iterator[DeskStore]:
    with DeskStore.open(database_url, clock=lambda: NOW) as opened:
        yield opened
