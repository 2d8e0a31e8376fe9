"""Builders for the surge tests: places, classified reports, a clock the test moves.

Every text here is written for these tests (no copy of the shared fakes).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from flashpoint.core.records import (
    Article,
    Casualties,
    Classification,
    ClassifiedArticle,
    Location,
    Signal,
    SignalType,
)
from flashpoint.surge.detector import SurgeDetector
from flashpoint.surge.models import SurgeAlert

# A Monday, midnight UTC: day 0 of the tests. Bursts happen on day 0 from 10:00.
DAY0 = datetime(2025, 6, 2, tzinfo=UTC)

KADUGLI = Location(name="Kadugli", country="SD", admin1="South Kordofan", lat=11.01, lon=29.72)
DILLING = Location(name="Dilling", country="SD", admin1="South Kordofan", lat=12.05, lon=29.65)
EL_OBEID = Location(name="El Obeid", country="SD", admin1="North Kordofan", lat=13.18, lon=30.22)
SUDAN = Location(name="Sudan", country="SD")
GOMA = Location(name="Goma", country="CD", admin1="North Kivu", lat=-1.68, lon=29.22)


def report(
    article_id: str,
    at: datetime,
    *,
    signals: Sequence[SignalType] = ("shelling",),
    places: Sequence[Location] = (KADUGLI,),
    published: bool = True,
) -> ClassifiedArticle:
    """A classified report published at `at` (classified a minute later)."""
    text = f"Report {article_id}: fighting reported near {places[0].name if places else 'x'}."
    return ClassifiedArticle(
        article=Article(
            id=article_id,
            text=text,
            title=f"Report {article_id}",
            source="Test Wire",
            published_at=at if published else None,
        ),
        classification=Classification(
            id=article_id,
            signals=[Signal(type=s, score=0.9, evidence=text) for s in signals],
            severity=3,
            locations=list(places),
            casualties=Casualties(),
            model="test-model",
        ),
        classified_at=at + timedelta(minutes=1),
    )


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = DAY0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def feed(
    detector: SurgeDetector, clock: Clock, items: Iterable[ClassifiedArticle]
) -> list[SurgeAlert]:
    """Observe each item with the clock at its classification time; every alert raised."""
    alerts: list[SurgeAlert] = []
    for item in items:
        clock.now = max(clock.now, item.classified_at)
        alerts += detector.observe(item)
    return alerts


def quiet_week(
    prefix: str = "base",
    *,
    per_day: int = 1,
    places: Sequence[Location] = (KADUGLI,),
    signals: Sequence[SignalType] = ("shelling",),
) -> list[ClassifiedArticle]:
    """`per_day` reports a day at noon on days -8 to -2: the baseline of a day-0 burst.

    A burst on day 0 between 10:00 and 10:59 has its 24-hour window from day -1 11:00,
    and its 7-day baseline from day -8 11:00: these 7 days are exactly inside it.
    """
    return [
        report(
            f"{prefix}-{day}-{n}",
            DAY0 + timedelta(days=day, hours=12, minutes=n),
            places=places,
            signals=signals,
        )
        for day in range(-8, -1)
        for n in range(per_day)
    ]


def burst(
    prefix: str,
    count: int,
    start: datetime = DAY0 + timedelta(hours=10),
    *,
    places: Sequence[Location] = (KADUGLI,),
    signals: Sequence[SignalType] = ("shelling",),
) -> list[ClassifiedArticle]:
    """`count` reports five minutes apart from `start`."""
    return [
        report(f"{prefix}-{n}", start + timedelta(minutes=5 * n), places=places, signals=signals)
        for n in range(count)
    ]
