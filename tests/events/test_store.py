"""Event stores: the same behaviour in memory, SQLite and PostgreSQL; restarts keep threads."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import numpy as np
import pytest
from sqlalchemy import Engine, create_engine, func, select

from flashpoint.core.errors import ConfigError
from flashpoint.core.records import (
    Casualties,
    Event,
    EventSource,
    FigureRange,
)
from flashpoint.events.clustering import EventClusterer
from flashpoint.events.models import EventCountryRow, EventRow, EventSourceRow
from flashpoint.events.store import EventStore, InMemoryEventStore, SqlEventStore, StoredEvent

from .builders import KADUGLI, KWEIK, SUDAN, T0, BagOfWords, Clock, classified
from .conftest import open_engine

FIRST = "Artillery shells struck a crowded market in Kadugli, killing five people."
SECOND = "Mortars pounded the Kadugli market; a medic counted twelve dead by evening."


@pytest.fixture(params=["memory", "sql"])
def store(request: pytest.FixtureRequest, engine: Engine) -> Iterator[EventStore]:
    if request.param == "memory":
        yield InMemoryEventStore()
    else:
        yield SqlEventStore(engine, clock=lambda: T0)


def source(article_id: str, hours: float = 0, killed: int | None = 5) -> EventSource:
    return EventSource(
        article_id=article_id,
        title=f"Report {article_id}",
        url=f"https://news.example/{article_id}",
        source="Kordofan Wire",
        published_at=T0 + timedelta(hours=hours),
        seen_at=T0 + timedelta(hours=hours, minutes=5),
        signals=["shelling", "casualties"],
        severity=3,
        casualties=Casualties(killed=killed, injured=None),
    )


def event(event_id: str, sources: list[EventSource], hours: float = 0) -> Event:
    return Event(
        event_id=event_id,
        first_seen=T0 + timedelta(hours=hours),
        last_seen=T0 + timedelta(hours=hours),
        signals=["shelling", "casualties"],
        severity=3,
        locations=[KADUGLI, SUDAN],
        killed=FigureRange(stated=5, low=5, high=5),
        sources=sources,
    )


def test_save_get_and_event_of(store: EventStore) -> None:
    centroid = np.array([0.6, 0.8, 0.0], dtype=np.float32)
    one = event("ev-1", [source("a1")])
    store.save(StoredEvent(one, centroid, 1), one.sources[0])
    two = one.model_copy(update={"sources": [*one.sources, source("a2", 1)]})
    store.save(StoredEvent(two, centroid, 2), two.sources[1])

    assert store.get("ev-1") == two
    assert store.get("ev-404") is None
    assert store.event_of("a1") == "ev-1"
    assert store.event_of("a2") == "ev-1"
    assert store.event_of("a3") is None
    [found] = store.candidates({"SD"}, T0 - timedelta(hours=1), T0 + timedelta(hours=1))
    assert found.event == two
    assert found.centroid is not None
    assert found.centroid.tolist() == pytest.approx(centroid.tolist())
    assert found.centroid_reports == 2


def test_saving_the_same_source_twice_keeps_one(store: EventStore) -> None:
    one = event("ev-1", [source("a1")])
    store.save(StoredEvent(one), one.sources[0])
    store.save(StoredEvent(one), one.sources[0])

    saved = store.get("ev-1")
    assert saved is not None and [s.article_id for s in saved.sources] == ["a1"]


def test_candidates_by_country_and_first_report_time(store: EventStore) -> None:
    for event_id, hours, places in [
        ("ev-early", -60, [KADUGLI]),
        ("ev-now", 0, [KADUGLI, SUDAN]),
        ("ev-late", 60, [KWEIK]),
        ("ev-congo", 0, [KADUGLI.model_copy(update={"country": "CD"})]),
    ]:
        item = event(event_id, [source(f"{event_id}-a", hours)], hours).model_copy(
            update={"locations": places}
        )
        store.save(StoredEvent(item), item.sources[0])

    window = (T0 - timedelta(hours=48), T0 + timedelta(hours=48))

    assert [s.event.event_id for s in store.candidates({"SD"}, *window)] == ["ev-now"]
    assert [s.event.event_id for s in store.candidates({"sd", "CD"}, *window)] == [
        "ev-congo",
        "ev-now",
    ]
    assert store.candidates(set(), *window) == []


def test_messages_are_remembered_once_per_channel(store: EventStore) -> None:
    assert store.message_for("ev-1", "slack:#sudan") is None

    assert store.remember_message("ev-1", "slack:#sudan", "1712345678.000100") is True
    assert store.remember_message("ev-1", "slack:#sudan", "1712345999.000200") is False
    assert store.remember_message("ev-1", "email:desk@example.org", "<m1@example.org>") is True

    assert store.message_for("ev-1", "slack:#sudan") == "1712345678.000100"
    assert store.message_for("ev-1", "email:desk@example.org") == "<m1@example.org>"
    assert store.message_for("ev-2", "slack:#sudan") is None


def test_sql_store_keeps_threads_across_a_restart(database_url: str, engine: Engine) -> None:
    clock = Clock()
    embed = BagOfWords()
    before = EventClusterer(SqlEventStore(engine), embed=embed, clock=clock)
    first = before.add(
        classified("a1", FIRST, signals=["shelling", "casualties"], killed=5, source="A")
    )
    assert first is not None
    before.store.remember_message(first.event.event_id, "slack:#sudan", "1712345678.000100")
    engine.dispose()

    # A new process: new engine, new store, new stage.
    reopened = open_engine(database_url)
    try:
        store = SqlEventStore(reopened)
        after = EventClusterer(store, embed=embed, clock=clock)
        second = after.add(
            classified(
                "a2",
                SECOND,
                signals=["shelling", "casualties"],
                killed=12,
                source="B",
                at=T0 + timedelta(hours=5),
            )
        )
        replay = after.add(classified("a1", FIRST, killed=5, source="A"))

        assert second is not None and replay is not None
        assert second.event.event_id == first.event.event_id
        assert second.kind == "escalated"
        assert [s.article_id for s in second.event.sources] == ["a1", "a2"]
        assert second.event.killed == FigureRange(stated=5, low=5, high=12)
        assert store.message_for(second.event.event_id, "slack:#sudan") == "1712345678.000100"
        assert replay.kind == "report" and replay.changes == []
        assert store.get(first.event.event_id) == second.event
        with reopened.connect() as connection:
            assert connection.scalar(select(func.count()).select_from(EventRow)) == 1
            assert connection.scalar(select(func.count()).select_from(EventSourceRow)) == 2
            assert connection.scalar(select(func.count()).select_from(EventCountryRow)) == 1
        [stored] = store.candidates({"SD"}, T0, T0)
        assert stored.centroid_reports == 2
    finally:
        reopened.dispose()


def test_sql_store_keeps_times_in_utc(engine: Engine) -> None:
    store = SqlEventStore(engine)
    one = event("ev-1", [source("a1")])
    store.save(StoredEvent(one), one.sources[0])

    saved = store.get("ev-1")

    assert saved is not None
    assert saved.first_seen == T0 and saved.first_seen.utcoffset() == timedelta(0)
    assert saved.sources[0].seen_at == T0 + timedelta(minutes=5)


def test_sql_store_refuses_an_unsupported_database() -> None:
    engine = create_engine("sqlite://")
    engine.dialect.name = "mysql"  # no MySQL driver here: rename the dialect
    try:
        with pytest.raises(ConfigError, match="unsupported events database 'mysql'"):
            SqlEventStore(engine)
    finally:
        engine.dispose()
