"""The Alembic migrations build exactly the schema the models describe, from anywhere."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from flashpoint.audit.migrate import alembic_config, head_revision, upgrade
from flashpoint.core.db import Base


def schema_diffs(database_url: str) -> list[object]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def test_migrated_schema_matches_the_models(database_url: str) -> None:
    upgrade(database_url)

    assert schema_diffs(database_url) == []


def test_the_comparison_is_not_vacuous(tmp_path: Path) -> None:
    # An empty database differs from the models: compare_metadata does see tables.
    diffs = schema_diffs(f"sqlite:///{tmp_path / 'empty.db'}")

    assert {
        diff[1].name for diff in diffs if isinstance(diff, tuple) and diff[0] == "add_table"
    } == {table.name for table in Base.metadata.sorted_tables}


def test_upgrade_creates_the_parent_folder_and_records_head(tmp_path: Path) -> None:
    database = tmp_path / "deep" / "er" / "audit.db"
    url = f"sqlite:///{database}"

    upgrade(url)
    upgrade(url)  # a second run is a no-op

    assert database.exists()
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
            tables = set(inspect(connection).get_table_names())
    finally:
        engine.dispose()
    assert version == head_revision() == "0006"
    assert {table.name for table in Base.metadata.sorted_tables} <= tables


def test_upgrade_does_not_depend_on_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)

    upgrade(f"sqlite:///{tmp_path / 'db' / 'audit.db'}")

    assert (tmp_path / "db" / "audit.db").exists()
    assert list(elsewhere.iterdir()) == []


def test_downgrade_to_base_removes_every_table(database_url: str) -> None:
    upgrade(database_url)
    command.downgrade(alembic_config(database_url), "base")

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            assert set(inspect(connection).get_table_names()) == {"alembic_version"}
    finally:
        engine.dispose()


def test_migrations_render_for_postgresql() -> None:
    # No PostgreSQL server here: render the migration as SQL (offline mode) instead.
    config = alembic_config("postgresql://audit@localhost/audit")
    buffer = io.StringIO()
    config.output_buffer = buffer

    command.upgrade(config, "head", sql=True)

    sql = buffer.getvalue()
    assert "CREATE TABLE articles" in sql
    assert "TIMESTAMP WITH TIME ZONE" in sql
    assert "kafka_offset BIGINT" in sql
    assert "CONSTRAINT uq_dead_letters_origin UNIQUE (origin)" in sql
    assert "CREATE INDEX ix_article_locations_country_article_pk" in sql
