"""Migration 0003 builds exactly the event tables that `events.models` describes.

The migration is run on its own (its `upgrade` under an Alembic `Operations` context)
so that this test does not depend on the revisions before it.
"""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path
from types import ModuleType

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import Engine, MetaData, inspect

from flashpoint.audit.migrate import MIGRATIONS_DIR
from flashpoint.events.models import EVENT_TABLE_NAMES, EVENT_TABLES

from .conftest import sqlite_engine

MIGRATION = MIGRATIONS_DIR / "versions" / "0003_events.py"
LATER_COLUMN = ("event_sources", "revision")


def migration() -> ModuleType:
    spec = importlib.util.spec_from_file_location("migration_0003_events", MIGRATION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def event_metadata() -> MetaData:
    metadata = MetaData()
    for table in EVENT_TABLES:
        table.to_metadata(metadata)
    return metadata


def run(engine: Engine, step: str) -> None:
    with engine.begin() as connection:
        context = MigrationContext.configure(connection)
        with Operations.context(context):
            getattr(migration(), step)()


def test_revision_follows_0002() -> None:
    module = migration()
    assert (module.revision, module.down_revision) == ("0003", "0002")


def test_migration_matches_the_models(tmp_path: Path) -> None:
    engine = sqlite_engine(tmp_path / "migrated.db")
    try:
        run(engine, "upgrade")
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diffs = compare_metadata(context, event_metadata())
            tables = set(inspect(connection).get_table_names())
    finally:
        engine.dispose()

    # Migration 0006 adds each report's revision; the rest is 0003's exactly.
    later = [d for d in diffs if d[0] == "add_column" and (d[2], d[3].name) == LATER_COLUMN]
    assert len(later) == 1
    assert [d for d in diffs if d not in later] == []
    assert tables == set(EVENT_TABLE_NAMES)


def test_the_comparison_is_not_vacuous(tmp_path: Path) -> None:
    engine = sqlite_engine(tmp_path / "empty.db")
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diffs = compare_metadata(context, event_metadata())
    finally:
        engine.dispose()

    added = {diff[1].name for diff in diffs if isinstance(diff, tuple) and diff[0] == "add_table"}
    assert added == set(EVENT_TABLE_NAMES)


def test_downgrade_removes_the_event_tables(tmp_path: Path) -> None:
    engine = sqlite_engine(tmp_path / "down.db")
    try:
        run(engine, "upgrade")
        run(engine, "downgrade")
        with engine.connect() as connection:
            assert inspect(connection).get_table_names() == []
    finally:
        engine.dispose()


def test_migration_renders_for_postgresql() -> None:
    buffer = io.StringIO()
    context = MigrationContext.configure(
        dialect_name="postgresql", opts={"as_sql": True, "output_buffer": buffer}
    )
    with Operations.context(context):
        migration().upgrade()

    sql = buffer.getvalue()
    assert "CREATE TABLE events" in sql
    assert "first_seen TIMESTAMP WITH TIME ZONE NOT NULL" in sql
    assert "centroid BYTEA" in sql
    assert "CONSTRAINT uq_event_sources_article_id UNIQUE (article_id)" in sql
    assert "CONSTRAINT uq_event_messages_event_id_channel UNIQUE (event_id, channel)" in sql
    assert "CREATE INDEX ix_event_countries_country_first_seen" in sql
