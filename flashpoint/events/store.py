"""Where events live between reports (and worker restarts), and which message each got.

`EventStore` is what the clustering stage and the notifiers need:

- `get(event_id)`, `event_of(article_id)`: an event as it stands, and which event an
  article joined (the clustering stage's replay check: an article joins one event once);
- `candidates(countries, start, end)`: the open events a report could join, found by
  country and first-report time, so the search reads only the events of that window;
- `save(stored, added)`: write an event's new state with the report that changed it;
- `expire(before)`: forget events whose first report is older than `before` as
  candidates (they stay readable with `get`);
- `message_for(event_id, channel)` / `remember_message(...)`: the message an event got on
  one channel (Slack ``ts``, email Message-ID). The first remembered wins and a second is
  refused, which is what keeps an event from being announced twice on a channel and
  lets follow-ups reply in its thread.

`InMemoryEventStore` is for tests and one-off runs; `SqlEventStore` keeps events in the
audit database (tables in `events.models`, migration 0003) so threads survive a restart.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload, sessionmaker

from flashpoint.core.clock import utc_now
from flashpoint.core.errors import ConfigError
from flashpoint.core.records import Casualties, Event, EventSource, FigureRange, Location
from flashpoint.events.models import EventCountryRow, EventMessageRow, EventRow, EventSourceRow

Vector = npt.NDArray[np.float32]
SUPPORTED_DIALECTS = ("sqlite", "postgresql")


@dataclass(frozen=True)
class StoredEvent:
    """An event with what the clustering stage needs to match reports against it.

    `centroid` is the mean of its reports' unit embeddings (not normalised), over
    `centroid_reports` reports; None when no embedder was used.
    """

    event: Event
    centroid: Vector | None = None
    centroid_reports: int = 0


class EventStore(Protocol):
    """Events, their reports, and the message each channel got (see module docstring)."""

    def get(self, event_id: str) -> Event | None: ...

    def stored(self, event_id: str) -> StoredEvent | None: ...

    def event_of(self, article_id: str) -> str | None: ...

    def candidates(
        self, countries: Collection[str], start: datetime, end: datetime
    ) -> list[StoredEvent]:
        """Events with a place in one of `countries` whose first report is in [start, end]."""
        ...

    def save(self, stored: StoredEvent, added: EventSource) -> None:
        """Write the event's new state and the report `added` (already in its sources; a
        newer revision of a stored report replaces it)."""
        ...

    def expire(self, before: datetime) -> int:
        """Stop offering events first seen before `before` as candidates; how many."""
        ...

    def message_for(self, event_id: str, channel: str) -> str | None: ...

    def remember_message(self, event_id: str, channel: str, external_id: str) -> bool:
        """Remember the event's message on `channel`; False (and no change) if one exists."""
        ...


def event_countries(event: Event) -> set[str]:
    """The countries an event is indexed under (upper-case ISO alpha-2)."""
    return {location.country.upper() for location in event.locations}


class InMemoryEventStore:
    """An `EventStore` in dicts, for tests and single runs.

    It keeps every event (readable with `get`) for the life of the process; only the
    candidate index is bounded: `expire` drops old events from it.
    """

    def __init__(self) -> None:
        self._events: dict[str, StoredEvent] = {}
        self._articles: dict[str, str] = {}
        self._by_country: dict[str, set[str]] = defaultdict(set)
        self._messages: dict[tuple[str, str], str] = {}

    def get(self, event_id: str) -> Event | None:
        stored = self._events.get(event_id)
        return None if stored is None else stored.event

    def stored(self, event_id: str) -> StoredEvent | None:
        return self._events.get(event_id)

    def event_of(self, article_id: str) -> str | None:
        return self._articles.get(article_id)

    def candidates(
        self, countries: Collection[str], start: datetime, end: datetime
    ) -> list[StoredEvent]:
        ids: set[str] = set()
        for country in countries:
            ids |= self._by_country.get(country.upper(), set())
        found = [self._events[event_id] for event_id in ids]
        return sorted(
            (s for s in found if start <= s.event.first_seen <= end),
            key=lambda s: s.event.event_id,
        )

    def save(self, stored: StoredEvent, added: EventSource) -> None:
        event = stored.event
        self._events[event.event_id] = stored
        for source in event.sources:
            self._articles.setdefault(source.article_id, event.event_id)
        for country in event_countries(event):
            self._by_country[country].add(event.event_id)

    def expire(self, before: datetime) -> int:
        expired = 0
        for country, ids in list(self._by_country.items()):
            old = {i for i in ids if self._events[i].event.first_seen < before}
            if old:
                ids -= old
                expired += len(old)
            if not ids:
                del self._by_country[country]
        return expired

    def message_for(self, event_id: str, channel: str) -> str | None:
        return self._messages.get((event_id, channel))

    def remember_message(self, event_id: str, channel: str, external_id: str) -> bool:
        if (event_id, channel) in self._messages:
            return False
        self._messages[(event_id, channel)] = external_id
        return True


class SqlEventStore:
    """An `EventStore` in the audit database (SQLite or PostgreSQL), through `engine`.

    The tables come from the audit migrations (0003); this class creates nothing. Each
    call is one short transaction, so it is safe to share between threads. The clustering
    stage is its only writer of events (one agent, concurrency 1); notifiers write
    `event_messages`, where the unique (event_id, channel) key settles races.
    """

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] | None = None) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        if self.dialect not in SUPPORTED_DIALECTS:
            raise ConfigError(
                f"unsupported events database {self.dialect!r}: "
                f"use one of {', '.join(SUPPORTED_DIALECTS)}"
            )
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._clock = clock or utc_now

    # -- reading ------------------------------------------------------------------

    def get(self, event_id: str) -> Event | None:
        stored = self.stored(event_id)
        return None if stored is None else stored.event

    def stored(self, event_id: str) -> StoredEvent | None:
        with self._sessions() as session:
            row = session.get(EventRow, event_id, options=[selectinload(EventRow.sources)])
            return None if row is None else _stored(row)

    def event_of(self, article_id: str) -> str | None:
        with self._sessions() as session:
            return session.scalar(
                select(EventSourceRow.event_id).where(EventSourceRow.article_id == article_id)
            )

    def candidates(
        self, countries: Collection[str], start: datetime, end: datetime
    ) -> list[StoredEvent]:
        if not countries:
            return []
        ids = (
            select(EventCountryRow.event_id)
            .where(
                EventCountryRow.country.in_(sorted({c.upper() for c in countries})),
                EventCountryRow.first_seen >= start,
                EventCountryRow.first_seen <= end,
            )
            .distinct()
        )
        with self._sessions() as session:
            rows = session.scalars(
                select(EventRow)
                .where(EventRow.event_id.in_(ids))
                .options(selectinload(EventRow.sources))
                .order_by(EventRow.event_id)
            ).all()
            return [_stored(row) for row in rows]

    def message_for(self, event_id: str, channel: str) -> str | None:
        with self._sessions() as session:
            return session.scalar(
                select(EventMessageRow.external_id).where(
                    EventMessageRow.event_id == event_id, EventMessageRow.channel == channel
                )
            )

    # -- writing ------------------------------------------------------------------

    def save(self, stored: StoredEvent, added: EventSource) -> None:
        """Upsert the event row, append `added` (unless its article is stored), reindex.

        One transaction: a crash leaves the event as it was before this report, and the
        replayed report then joins again.
        """
        event = stored.event
        values = _event_values(stored)
        position = next(
            (i for i, s in enumerate(event.sources) if s.article_id == added.article_id),
            len(event.sources) - 1,
        )
        with self._sessions.begin() as session:
            row = session.get(EventRow, event.event_id)
            if row is None:
                session.add(EventRow(event_id=event.event_id, **values))
                session.flush()
            else:
                for key, value in values.items():
                    setattr(row, key, value)
            session.execute(
                self._insert_ignore(EventSourceRow, ["article_id"]).values(
                    event_id=event.event_id, position=position, **_source_values(added)
                )
            )
            session.execute(
                update(EventSourceRow)
                .where(
                    EventSourceRow.article_id == added.article_id,
                    EventSourceRow.revision < added.revision,
                )
                .values(**_source_values(added))
            )
            session.execute(
                delete(EventCountryRow).where(EventCountryRow.event_id == event.event_id)
            )
            country_rows = [
                {"event_id": event.event_id, "country": country, "first_seen": event.first_seen}
                for country in sorted(event_countries(event))
            ]
            if country_rows:
                session.execute(insert(EventCountryRow), country_rows)

    def expire(self, before: datetime) -> int:
        """Nothing to do: `candidates` reads only the window, through an index."""
        return 0

    def remember_message(self, event_id: str, channel: str, external_id: str) -> bool:
        statement = (
            self._insert_ignore(EventMessageRow, ["event_id", "channel"])
            .values(
                event_id=event_id,
                channel=channel,
                external_id=external_id,
                created_at=self._clock(),
            )
            .returning(EventMessageRow.id)
        )
        with self._sessions.begin() as session:
            return session.execute(statement).scalar_one_or_none() is not None

    def _insert_ignore(
        self, model: type[EventSourceRow] | type[EventMessageRow], conflict: list[str]
    ) -> postgresql.Insert | sqlite.Insert:
        if self.dialect == "postgresql":
            return postgresql.insert(model).on_conflict_do_nothing(index_elements=conflict)
        return sqlite.insert(model).on_conflict_do_nothing(index_elements=conflict)


def _figure(stated: int | None, low: int | None, high: int | None) -> FigureRange:
    return FigureRange(stated=stated, low=low, high=high)


def _event_values(stored: StoredEvent) -> dict[str, Any]:
    event = stored.event
    centroid = None
    if stored.centroid is not None:
        centroid = np.asarray(stored.centroid, dtype="<f4").tobytes()
    return {
        "first_seen": event.first_seen,
        "last_seen": event.last_seen,
        "severity": event.severity,
        "signals": list(event.signals),
        "locations": [location.model_dump(mode="json") for location in event.locations],
        "killed_stated": event.killed.stated,
        "killed_low": event.killed.low,
        "killed_high": event.killed.high,
        "injured_stated": event.injured.stated,
        "injured_low": event.injured.low,
        "injured_high": event.injured.high,
        "centroid": centroid,
        "centroid_reports": stored.centroid_reports,
    }


def _source_values(source: EventSource) -> dict[str, Any]:
    return {
        "article_id": source.article_id,
        "title": source.title,
        "url": source.url,
        "source": source.source,
        "published_at": source.published_at,
        "seen_at": source.seen_at,
        "signals": list(source.signals),
        "severity": source.severity,
        "killed": source.casualties.killed,
        "injured": source.casualties.injured,
        "revision": source.revision,
    }


def _source(row: EventSourceRow) -> EventSource:
    return EventSource(
        article_id=row.article_id,
        title=row.title,
        url=row.url,
        source=row.source,
        published_at=row.published_at,
        seen_at=row.seen_at,
        signals=list(row.signals),
        severity=row.severity,
        casualties=Casualties(killed=row.killed, injured=row.injured),
        revision=row.revision,
    )


def _stored(row: EventRow) -> StoredEvent:
    centroid: Vector | None = None
    if row.centroid is not None:
        centroid = np.frombuffer(row.centroid, dtype="<f4").astype(np.float32)
    event = Event(
        event_id=row.event_id,
        first_seen=row.first_seen,
        last_seen=row.last_seen,
        signals=list(row.signals),
        severity=row.severity,
        locations=[Location.model_validate(item) for item in row.locations],
        killed=_figure(row.killed_stated, row.killed_low, row.killed_high),
        injured=_figure(row.injured_stated, row.injured_low, row.injured_high),
        sources=[_source(source) for source in row.sources],
    )
    return StoredEvent(event=event, centroid=centroid, centroid_reports=row.centroid_reports)
