"""Fixtures for the audit store tests: a real SQLite file per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from flashpoint.audit.store import AuditStore


@pytest.fixture
def store(database_url: str) -> Iterator[AuditStore]:
    with AuditStore.open(database_url) as opened:
        yield opened
