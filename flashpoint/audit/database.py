"""The audit database: the engine every audit job shares, migrations, and patience.

Supported databases: SQLite (the default; WAL mode and a busy timeout so the CLI can
read while the worker writes) and PostgreSQL. A locked, gone or timing-out database is
not the data's fault: stages wait it out (`patiently`) and never dead-letter for it.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, Self, TypeVar, overload

import sqlalchemy.exc
from sqlalchemy import (
    Engine,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.orm import Session, sessionmaker

from flashpoint.audit.migrate import ensure_sqlite_directory, upgrade
from flashpoint.core.db import Base, insert_ignore
from flashpoint.core.errors import ConfigError

SUPPORTED_DIALECTS = ("sqlite", "postgresql")
SQLITE_BUSY_TIMEOUT_MS = 10_000
# A database that is locked past the busy timeout, gone or timing out: not the data's
# fault, and it passes. Stages wait it out (`patiently`); they never dead-letter for it.
STORAGE_ERRORS: tuple[type[Exception], ...] = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.TimeoutError,
)
STORAGE_RETRY_FIRST_S = 0.2
STORAGE_RETRY_MAX_S = 5.0
log = logging.getLogger(__name__)
T = TypeVar("T")


def patiently(
    call: Callable[[], T], *, what: str, sleep: Callable[[float], None] = time.sleep
) -> T:
    """`call()`, tried again after a storage error until it succeeds (backoff from 0.2 s,
    doubling, at most 5 s apart). A locked or unreachable database delays the stage; it
    never crashes an agent, so Kafka never commits past a message that was not recorded."""
    wait = STORAGE_RETRY_FIRST_S
    while True:
        try:
            return call()
        except STORAGE_ERRORS as error:
            reason = str(error.orig if isinstance(error, sqlalchemy.exc.DBAPIError) else error)
            log.warning("%s: database unavailable (%s); again in %.1fs", what, reason, wait)
            sleep(wait)
            wait = min(STORAGE_RETRY_MAX_S, wait * 2)


# PostgreSQL advisory lock held while migrating (any constant unique to this schema).
MIGRATION_LOCK_ID = 0x464C_4155_4449_54  # "FLAUDIT"


@overload
def storable(text: str) -> str: ...


@overload
def storable(text: None) -> None: ...


def storable(text: str | None) -> str | None:
    """`text` as every supported database can keep it: a dead letter is whatever arrived,
    and PostgreSQL refuses NUL in text and UTF-8 has no lone surrogates. Each becomes
    U+FFFD, as undecodable bytes already are."""
    if text is None:
        return None
    return (
        text.replace("\x00", "\ufffd").encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers run beside the writer; the busy timeout waits out short locks.

    WAL is a property of the file, so only the first connection to a new database
    switches it. That switch needs the file to itself and, unlike other statements, does
    not wait for a lock, so two processes opening a new database at once retry it.
    """
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
        while cursor.execute("PRAGMA journal_mode").fetchone()[0] not in ("wal", "memory"):
            try:
                cursor.execute("PRAGMA journal_mode=WAL")
            except sqlite3.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
    finally:
        cursor.close()


class Database:
    """The connection to the audit database at `database_url`, shared by the store's jobs
    (`AuditWriter`, `LedgerStore`, `AuditQueries`). Safe to share between threads (one
    short session per call)."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        ensure_sqlite_directory(database_url)
        self.engine: Engine = create_engine(database_url)
        self.dialect = self.engine.dialect.name
        if self.dialect not in SUPPORTED_DIALECTS:
            self.engine.dispose()
            raise ConfigError(
                f"unsupported audit database {self.dialect!r}: "
                f"use one of {', '.join(SUPPORTED_DIALECTS)}"
            )
        if self.dialect == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def open(cls, database_url: str) -> Self:
        """Migrate the database to the newest schema, then return a store for it."""
        store = cls(database_url)
        try:
            store.upgrade()
        except BaseException:
            store.close()
            raise
        return store

    def upgrade(self) -> None:
        """Run the Alembic migrations up to head on this store's own connection.

        Using the store's connection (not a new engine) also works for in-memory SQLite.
        """
        with self.engine.begin() as connection:
            # Take the write lock before reading the schema version, so that two
            # processes opening a new database at once migrate it one after the other.
            if self.dialect == "sqlite":
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                connection.execute(select(func.pg_advisory_xact_lock(MIGRATION_LOCK_ID)))
            upgrade(self.database_url, connection=connection)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _insert_ignore(
        self,
        session: Session,
        model: type[Base],
        rows: Sequence[Mapping[str, Any]],
        conflict: Sequence[str],
    ) -> None:
        """Insert rows, skipping each one whose unique key `conflict` already exists."""
        if rows:
            session.execute(insert_ignore(self.dialect, model, conflict), list(rows))

    def _insert_one_ignore(
        self,
        session: Session,
        model: type[Base],
        values: Mapping[str, Any],
        conflict: Sequence[str],
    ) -> int | None:
        """Insert one row unless its unique key exists; the new row's id, or None if skipped."""
        statement = (
            insert_ignore(self.dialect, model, conflict)
            .values(dict(values))
            .returning(model.__table__.c.id)
        )
        return session.execute(statement).scalar_one_or_none()
