"""Where deferred alerts wait for their time: the ``pending_alerts`` table.

`PendingStore` (over the audit database's engine; the table comes from migration 0004):

- `hold(deferred)`: keep one `alerts.routing.DeferredAlert` until its ``send_at``. Keyed by
  the alert's delivery key, so a replayed article (Kafka is at-least-once) holds nothing
  new and the first hold's ``send_at`` stands. Returns whether a row was stored.
- `due(now)`: the pending rows whose ``send_at`` has come, grouped by
  ``batch_key`` (one message each), earliest first.
- `mark_flushed(batch, at)`: the batch was dealt with. Only the rows `due` read are
  marked, so an alert held into the same batch a moment after `due` stays pending and
  goes out with the next flush.
- `purge(before)`: delete rows flushed before `before` (housekeeping; pending rows stay).

What it drops: nothing. A row whose JSON no longer reads as an `Alert` (a record from an
incompatible version) is logged and left pending, for a person to look at, rather than
blocking every other batch.

Each call is one short transaction, so a store is safe to share between threads.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.orm import sessionmaker

from flashpoint.alerts.notifiers.render import DigestWhy
from flashpoint.alerts.routing import DeferredAlert
from flashpoint.alerts.subscriptions import DigestPeriod
from flashpoint.core.clock import utc_now
from flashpoint.core.db import insert_ignore
from flashpoint.core.errors import ConfigError
from flashpoint.core.records import Alert
from flashpoint.digests.models import PendingAlertRow

log = logging.getLogger(__name__)

SUPPORTED_DIALECTS = ("sqlite", "postgresql")


@dataclass(frozen=True)
class Batch:
    """Alerts that go out in one message: one subscription, one channel, one send time.

    `alerts` are in the order they were routed. `row_ids` name the stored rows this batch
    was read from (what `PendingStore.mark_flushed` marks). `why` is "digest" or
    "quiet_hours"; `digest` the digest's period (None for quiet hours).
    """

    key: str
    send_at: datetime
    why: DigestWhy
    digest: DigestPeriod | None
    alerts: tuple[Alert, ...]
    row_ids: tuple[int, ...]

    @property
    def channel_kind(self) -> str:
        return self.alerts[0].channel.kind


class PendingStore:
    """Deferred alerts in the audit database, through `engine` (see the module docstring).

    `clock` stamps `created_at` (default: the wall clock, UTC).
    """

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] | None = None) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        if self.dialect not in SUPPORTED_DIALECTS:
            raise ConfigError(
                f"unsupported pending-alerts database {self.dialect!r}: "
                f"use one of {', '.join(SUPPORTED_DIALECTS)}"
            )
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._clock = clock or utc_now

    def hold(self, deferred: DeferredAlert) -> bool:
        """Keep `deferred` until its send time; False if its delivery key is held already."""
        return self.hold_all([deferred]) == 1

    def hold_all(self, deferred: Iterable[DeferredAlert]) -> int:
        """`hold` each of `deferred` in one transaction; how many were new."""
        now = self._clock()
        rows = [_values(item, now) for item in deferred]
        if not rows:
            return 0
        statement = insert_ignore(self.dialect, PendingAlertRow, ["delivery_key"]).returning(
            PendingAlertRow.id
        )
        stored = 0
        with self._sessions.begin() as session:
            for row in rows:  # one by one: RETURNING tells which were new
                stored += session.execute(statement.values(row)).scalar_one_or_none() is not None
        return stored

    def due(self, now: datetime) -> list[Batch]:
        """Pending alerts whose send time is at or before `now`, one `Batch` per batch key,
        ordered by send time, then batch key; each batch's alerts in routing order."""
        query = (
            select(PendingAlertRow)
            .where(PendingAlertRow.flushed_at.is_(None), PendingAlertRow.send_at <= now)
            .order_by(
                PendingAlertRow.send_at,
                PendingAlertRow.batch_key,
                PendingAlertRow.created_at,
                PendingAlertRow.id,
            )
        )
        with self._sessions() as session:
            rows = session.scalars(query).all()
        grouped: dict[str, list[tuple[PendingAlertRow, Alert]]] = {}
        for row in rows:
            try:
                alert = Alert.model_validate_json(row.alert)
            except ValidationError as exc:
                log.error(
                    "pending alert %s (%s) does not read as an alert; left pending: %s",
                    row.id,
                    row.delivery_key,
                    exc,
                )
                continue
            grouped.setdefault(row.batch_key, []).append((row, alert))
        return [_batch(key, members) for key, members in grouped.items()]

    def mark_flushed(self, batch: Batch, at: datetime) -> None:
        """Mark the rows of `batch` as dealt with at `at` (rows marked already keep theirs)."""
        if not batch.row_ids:
            return
        with self._sessions.begin() as session:
            session.execute(
                update(PendingAlertRow)
                .where(
                    PendingAlertRow.id.in_(batch.row_ids),
                    PendingAlertRow.flushed_at.is_(None),
                )
                .values(flushed_at=at)
            )

    def pending(self) -> int:
        """How many alerts are held and not yet flushed."""
        query = select(func.count()).where(PendingAlertRow.flushed_at.is_(None))
        with self._sessions() as session:
            return int(session.execute(query).scalar_one())

    def purge(self, before: datetime) -> int:
        """Delete rows flushed before `before`; how many. Pending rows are never deleted."""
        with self._sessions.begin() as session:
            result = session.execute(
                delete(PendingAlertRow).where(
                    PendingAlertRow.flushed_at.is_not(None), PendingAlertRow.flushed_at < before
                )
            )
            return int(getattr(result, "rowcount", 0) or 0)


def _values(deferred: DeferredAlert, now: datetime) -> dict[str, Any]:
    alert = deferred.alert
    return {
        "delivery_key": alert.delivery_key,
        "batch_key": deferred.batch_key,
        "why": deferred.why,
        "digest": deferred.digest,
        "send_at": deferred.send_at,
        "alert": alert.model_dump_json(),
        "created_at": now,
        "flushed_at": None,
    }


def _batch(key: str, members: list[tuple[PendingAlertRow, Alert]]) -> Batch:
    rows = [row for row, _ in members]
    why: DigestWhy = "digest" if any(row.why == "digest" for row in rows) else "quiet_hours"
    digest: DigestPeriod | None = None
    periods = {row.digest for row in rows}
    if "daily" in periods:  # one batch key has one period; should it not, the longer one
        digest = "daily"
    elif "hourly" in periods:
        digest = "hourly"
    return Batch(
        key=key,
        send_at=rows[0].send_at,
        why=why,
        digest=digest if why == "digest" else None,
        alerts=tuple(alert for _, alert in members),
        row_ids=tuple(row.id for row in rows),
    )
