"""The outbox: deliveries that failed for a reason that passes, kept until they go out.

    outbox   one row per delivery waiting for its next try (migration 0005)

A Slack or mail outage must delay an alert, never lose it. When the deliverer's tries in
line fail for a retryable reason (a 5xx, a timeout, a refused connection, a rate limit
that outlasts its patience), the alert or surge notice is written here with the time of
its next try, and the worker moves on; `Deliverer.retry_due` (a timer on the leader)
tries the due rows again in the order they came, with exponential backoff capped at
`retry_max_s` and never sooner than a Retry-After the service gave, until the delivery
succeeds or is older than `max_age_s`, when it is recorded "undeliverable".

Order within an event's thread is kept: a delivery whose thread (event and channel) has an
earlier row here waits behind it instead of being sent (`waiting`), so a follow-up never
goes out before its parent. A row is deleted only after its outcome is in the ledger, so a
crash between the two at worst tries once more, and the ledger refuses it as a duplicate.

Importing this module registers the table on `flashpoint.core.db.Base.metadata`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, Integer, String, Text, delete, exists, func, select, update
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from flashpoint.core.db import Base
from flashpoint.core.records import Alert
from flashpoint.surge.models import SurgeNotice

# What the deliverer sends: an article's alert, or a region's surge, to one channel.
Deliverable = Alert | SurgeNotice


class OutboxRow(Base):
    """One delivery waiting for its next try. `item` is the Alert or SurgeNotice as JSON
    (`kind` says which), so a retry needs nothing else. Unique on `delivery_key`: deferring
    a replayed delivery again keeps the first row and its schedule."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    delivery_key: Mapped[str] = mapped_column(String(), unique=True)
    kind: Mapped[str] = mapped_column(String(8))
    item: Mapped[str] = mapped_column(Text)
    thread_key: Mapped[str | None] = mapped_column(String(), index=True)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(Integer)
    last_error: Mapped[str] = mapped_column(Text)


OUTBOX_TABLE_NAMES = ("outbox",)


def thread_key(item: Deliverable) -> str | None:
    """The thread an alert belongs to on its channel (its event's), None for a surge."""
    if isinstance(item, SurgeNotice) or item.event is None:
        return None
    return f"{item.event.event.event_id} {item.channel}"


@dataclass(frozen=True)
class OutboxEntry:
    delivery_key: str
    item: Deliverable
    created_at: datetime
    attempts: int
    last_error: str


class Outbox:
    """The outbox table (see the module docstring); `clock` gives aware UTC times."""

    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._begin = self._sessions.begin

    def defer(
        self, item: Deliverable, *, error: str, attempts: int, now: datetime, next_at: datetime
    ) -> None:
        """Keep `item` for a try at `next_at` (a no-op if it is already here)."""
        with self._begin() as session:
            known = session.scalar(
                select(exists().where(OutboxRow.delivery_key == item.delivery_key))
            )
            if known:
                return
            session.add(
                OutboxRow(
                    delivery_key=item.delivery_key,
                    kind="surge" if isinstance(item, SurgeNotice) else "alert",
                    item=item.model_dump_json(),
                    thread_key=thread_key(item),
                    created_at=now,
                    next_attempt_at=next_at,
                    attempts=attempts,
                    last_error=error,
                )
            )

    def waiting(self, item: Deliverable) -> bool:
        """True if an earlier delivery of `item`'s thread is still here (it must wait)."""
        key = thread_key(item)
        if key is None:
            return False
        query = select(
            exists().where(OutboxRow.thread_key == key, OutboxRow.delivery_key != item.delivery_key)
        )
        with self._sessions() as session:
            return bool(session.scalar(query))

    def holds(self, delivery_key: str) -> bool:
        with self._sessions() as session:
            return bool(
                session.scalar(select(exists().where(OutboxRow.delivery_key == delivery_key)))
            )

    def due(self, now: datetime) -> list[OutboxEntry]:
        """The deliveries whose next try is due, oldest first; a thread's later deliveries
        only once its earlier ones are gone (`first_of_thread`)."""
        with self._sessions() as session:
            rows = session.scalars(select(OutboxRow).order_by(OutboxRow.id)).all()
        seen_threads: set[str] = set()
        entries = []
        for row in rows:
            first_of_thread = row.thread_key is None or row.thread_key not in seen_threads
            if row.thread_key is not None:
                seen_threads.add(row.thread_key)
            if first_of_thread and row.next_attempt_at <= now:
                entries.append(_entry(row))
        return entries

    def reschedule(
        self, delivery_key: str, *, attempts: int, error: str, next_at: datetime
    ) -> None:
        with self._begin() as session:
            session.execute(
                update(OutboxRow)
                .where(OutboxRow.delivery_key == delivery_key)
                .values(attempts=attempts, last_error=error, next_attempt_at=next_at)
            )

    def remove(self, delivery_key: str) -> None:
        with self._begin() as session:
            session.execute(delete(OutboxRow).where(OutboxRow.delivery_key == delivery_key))

    def oldest(self) -> datetime | None:
        """When the oldest delivery waiting here was first deferred."""
        with self._sessions() as session:
            found: datetime | None = session.scalar(select(func.min(OutboxRow.created_at)))
            return found

    def depth(self) -> int:
        with self._sessions() as session:
            return int(session.scalar(select(func.count()).select_from(OutboxRow)) or 0)


def _entry(row: OutboxRow) -> OutboxEntry:
    item: Deliverable = (
        SurgeNotice.model_validate_json(row.item)
        if row.kind == "surge"
        else Alert.model_validate_json(row.item)
    )
    return OutboxEntry(row.delivery_key, item, row.created_at, row.attempts, row.last_error)
