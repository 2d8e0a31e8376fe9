"""The event tables, declared on the audit database's `Base` (migration 0003).

    events            one row per incident, as it stands now (figures, severity, centroid)
    ├── event_sources     the reports that joined it, in order; an article joins one event
    └── event_countries   its countries, with its first report's time: the candidate index
    event_messages    the message each channel got for an event (Slack ts, email
                      Message-ID): at most one per (event, channel)

`event_sources` and `event_countries` belong to their event (foreign key, cascade), since
the clustering stage writes them together in one transaction. `event_messages` is written
by the notifiers, a later stage, so, like the audit tables, it refers to its event by id
without a foreign key.

Importing this module registers the tables on `flashpoint.core.db.Base.metadata`, which is what
Alembic compares the migrations against.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flashpoint.core.db import Base


class EventRow(Base):
    """One incident as it stands now; `Event` fields, flattened.

    `centroid` is the mean of its reports' title+lead embeddings (float32, little-endian
    bytes; not normalised), over `centroid_reports` reports. Figures are the stated
    figure and the range (`events.figures`).
    """

    __tablename__ = "events"

    event_id: Mapped[str] = mapped_column(String(), primary_key=True)
    first_seen: Mapped[datetime] = mapped_column(index=True)
    last_seen: Mapped[datetime] = mapped_column(index=True)
    severity: Mapped[int] = mapped_column(Integer)
    signals: Mapped[list[str]] = mapped_column(JSON)
    locations: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    killed_stated: Mapped[int | None] = mapped_column(Integer)
    killed_low: Mapped[int | None] = mapped_column(Integer)
    killed_high: Mapped[int | None] = mapped_column(Integer)
    injured_stated: Mapped[int | None] = mapped_column(Integer)
    injured_low: Mapped[int | None] = mapped_column(Integer)
    injured_high: Mapped[int | None] = mapped_column(Integer)
    centroid: Mapped[bytes | None] = mapped_column(LargeBinary)
    centroid_reports: Mapped[int] = mapped_column(Integer)

    sources: Mapped[list[EventSourceRow]] = relationship(
        order_by="EventSourceRow.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class EventSourceRow(Base):
    """One report that joined an event. Unique on `article_id`: an article joins one event."""

    __tablename__ = "event_sources"

    event_id: Mapped[str] = mapped_column(
        ForeignKey("events.event_id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[str] = mapped_column(String(), unique=True)
    title: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String())
    published_at: Mapped[datetime | None]
    seen_at: Mapped[datetime]
    signals: Mapped[list[str]] = mapped_column(JSON)
    severity: Mapped[int] = mapped_column(Integer)
    killed: Mapped[int | None] = mapped_column(Integer)
    injured: Mapped[int | None] = mapped_column(Integer)
    revision: Mapped[int] = mapped_column(Integer, server_default="0")


class EventCountryRow(Base):
    """A country of an event, with the event's first report time.

    Indexed by (country, first_seen): the clustering stage's candidate search ("events in
    UA whose first report is within the window") reads only the rows it needs.
    """

    __tablename__ = "event_countries"
    __table_args__ = (Index(None, "country", "first_seen"),)

    event_id: Mapped[str] = mapped_column(
        ForeignKey("events.event_id", ondelete="CASCADE"), primary_key=True
    )
    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    first_seen: Mapped[datetime]


class EventMessageRow(Base):
    """The message one channel got for one event: where to thread replies and updates.

    Unique on (event_id, channel): the first message remembered wins, so an event is never
    announced twice to one channel. `channel` is ``kind:target`` (`Channel.__str__`);
    `external_id` is the Slack message ``ts`` or the email Message-ID.
    """

    __tablename__ = "event_messages"
    __table_args__ = (UniqueConstraint("event_id", "channel"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String())
    channel: Mapped[str] = mapped_column(String())
    external_id: Mapped[str] = mapped_column(String())
    created_at: Mapped[datetime]


EVENT_TABLE_NAMES = ("events", "event_sources", "event_countries", "event_messages")
# The event tables, parents first (for `MetaData.create_all(tables=...)` in tests and tools).
EVENT_TABLES: tuple[Table, ...] = tuple(Base.metadata.tables[name] for name in EVENT_TABLE_NAMES)
