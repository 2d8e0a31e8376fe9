"""Fixtures for the audit store tests: a real SQLite file per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from audit.store import AuditStore


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'audit' / 'audit.db'}"


@pytest.fixture
def store(database_url: str) -> Iterator[AuditStore]:
    with AuditStore.open(database_url) as opened:
        yield opened
