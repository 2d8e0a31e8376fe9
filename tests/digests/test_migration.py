"""Migration 0004 builds exactly the table `digests.models` describes, on its own and at head."""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path
from types import ModuleType

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import Engine, MetaData, create_engine, inspect

from flashpoint.audit.migrate import MIGRATIONS_DIR, head_revision
from flashpoint.audit.store import AuditStore
from flashpoint.core.db import Base
from flashpoint.digests.models import PENDING_TABLE_NAMES

MIGRATION = MIGRATIONS_DIR / "versions" / "0004_pending.py"


def migration() -> ModuleType:
    spec = importlib.util.spec_from_file_location("migration_0004_pending", MIGRATION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pending_metadata() -> MetaData:
    metadata = MetaData()
    for name in PENDING_TABLE_NAMES:
        Base.metadata.tables[name].to_metadata(metadata)
    return metadata


def run(engine: Engine, step: str) -> None:
    with engine.begin() as connection:
        context = MigrationContext.configure(connection)
        with Operations.context(context):
            getattr(migration(), step)()


def test_revision_follows_0003() -> None:
    module = migration()
    assert (module.revision, module.down_revision) == ("0004", "0003")
    assert (head_revision() or "") >= "0004"


def test_migration_matches_the_model(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'migrated.db'}")
    try:
        run(engine, "upgrade")
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diffs = compare_metadata(context, pending_metadata())
            tables = set(inspect(connection).get_table_names())
            indexes = {index["name"] for index in inspect(connection).get_indexes("pending_alerts")}
        run(engine, "downgrade")
        with engine.connect() as connection:
            assert inspect(connection).get_table_names() == []
    finally:
        engine.dispose()
    assert diffs == []
    assert tables == set(PENDING_TABLE_NAMES)
    assert indexes == {"ix_pending_alerts_batch_key", "ix_pending_alerts_flushed_at_send_at"}


def test_the_audit_store_creates_the_table(tmp_path: Path) -> None:
    with AuditStore.open(f"sqlite:///{tmp_path / 'audit.db'}") as store:
        assert "pending_alerts" in inspect(store.engine).get_table_names()


def test_migration_renders_for_postgresql() -> None:
    buffer = io.StringIO()
    context = MigrationContext.configure(
        dialect_name="postgresql", opts={"as_sql": True, "output_buffer": buffer}
    )
    with Operations.context(context):
        migration().upgrade()
    sql = buffer.getvalue()
    assert "CREATE TABLE pending_alerts" in sql
    assert "send_at TIMESTAMP WITH TIME ZONE NOT NULL" in sql
    assert "flushed_at TIMESTAMP WITH TIME ZONE" in sql
    assert "CONSTRAINT uq_pending_alerts_delivery_key UNIQUE (delivery_key)" in sql
