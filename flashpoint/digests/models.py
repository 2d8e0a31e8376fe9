"""The table of held alerts, declared on the audit database's `Base` (migration 0004).

    pending_alerts   one row per deferred delivery (digest or quiet hours) until it is sent

Importing this module registers the table on `flashpoint.core.db.Base.metadata`, which is what
Alembic compares the migrations against.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from flashpoint.core.db import Base


class PendingAlertRow(Base):
    """One alert held for later: a digest's, or one that quiet hours hold back.

    Unique on `delivery_key`, so holding a replayed alert again is a no-op (the first hold
    wins, with its `send_at`). Rows with one `batch_key` (subscription, channel, send time)
    go out as one message. `alert` is the `Alert` as JSON (``model_dump_json``), so the
    sender needs nothing else. `flushed_at` is set once the batch has been dealt with (sent,
    refused as already sent, or failed for good); until then the row is pending. The index
    on (flushed_at, send_at) is what `PendingStore.due` reads.
    """

    __tablename__ = "pending_alerts"
    __table_args__ = (Index(None, "flushed_at", "send_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    delivery_key: Mapped[str] = mapped_column(String(), unique=True)
    batch_key: Mapped[str] = mapped_column(String(), index=True)
    why: Mapped[str] = mapped_column(String(16))
    digest: Mapped[str | None] = mapped_column(String(16))
    send_at: Mapped[datetime]
    alert: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    flushed_at: Mapped[datetime | None]


PENDING_TABLE_NAMES = ("pending_alerts",)
