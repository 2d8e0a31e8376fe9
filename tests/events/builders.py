"""Builders for the events tests: places, classified articles, a tiny embedder, a clock.

Every article text here is written for these tests (no copy of the shared fakes).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt

from classifiers.severity import severity as severity_of
from flashpoint.core.records import (
    Article,
    Casualties,
    Classification,
    ClassifiedArticle,
    Location,
    Signal,
    SignalType,
)

T0 = datetime(2025, 3, 10, 8, 0, tzinfo=UTC)

# South Kordofan, Sudan: a town, a village about 17 km from it, its region, the country.
KADUGLI = Location(
    name="Kadugli", country="SD", admin1="South Kordofan", lat=11.01111, lon=29.71833
)
KWEIK = Location(name="Kweik", country="SD", admin1="South Kordofan", lat=10.98, lon=29.56)
SOUTH_KORDOFAN = Location(
    name="South Kordofan", country="SD", admin1="South Kordofan", lat=11.4236, lon=29.8922
)
SUDAN = Location(name="Sudan", country="SD", admin1=None, lat=14.6795, lon=31.6804)
# Same region, 116 km north of Kadugli; and North Kordofan, 215 km away.
DILLING = Location(name="Dilling", country="SD", admin1="South Kordofan", lat=12.05, lon=29.65)
AR_RAHAD = Location(name="Ar Rahad", country="SD", admin1="North Kordofan", lat=12.71667, lon=30.65)
# Two towns a few kilometres apart across a border.
GOMA = Location(name="Goma", country="CD", admin1="North Kivu", lat=-1.67917, lon=29.22278)
GISENYI = Location(name="Gisenyi", country="RW", admin1="Western", lat=-1.70278, lon=29.25639)
DARFUR = Location(name="Darfur", country="SD", admin1=None, lat=None, lon=None)


def classified(
    article_id: str,
    text: str,
    *,
    title: str | None = None,
    signals: Sequence[SignalType] = ("shelling",),
    places: Sequence[Location] = (KADUGLI, SUDAN),
    killed: int | None = None,
    injured: int | None = None,
    at: datetime = T0,
    source: str | None = "Kordofan Wire",
    severity: int | None = None,
) -> ClassifiedArticle:
    """A classified article as the classify stage would emit it, published at `at`."""
    casualties = Casualties(killed=killed, injured=injured)
    return ClassifiedArticle(
        article=Article(
            id=article_id,
            text=text,
            title=title,
            url=f"https://news.example/{article_id}",
            source=source,
            published_at=at,
            language="en",
        ),
        classification=Classification(
            id=article_id,
            signals=[Signal(type=s, score=0.9, evidence=text[:80]) for s in signals],
            severity=severity_of(signals, casualties) if severity is None else severity,
            locations=list(places),
            casualties=casualties,
            model="test-model",
        ),
        classified_at=at + timedelta(minutes=5),
    )


_WORD = re.compile(r"[a-z]+")
_STOP = frozenset({"a", "an", "the", "of", "in", "on", "at", "to", "and", "was", "were", "by"})


class BagOfWords:
    """A tiny deterministic embedder: hashed bag of words. Shared words, high cosine."""

    def __init__(self, dimensions: int = 512) -> None:
        self.dimensions = dimensions
        self.calls: list[list[str]] = []

    def __call__(self, texts: list[str]) -> npt.NDArray[np.float32]:
        self.calls.append(list(texts))
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in _WORD.findall(text.lower()):
                if word not in _STOP:
                    digest = hashlib.sha256(word.encode()).digest()
                    out[row, int.from_bytes(digest[:4], "big") % self.dimensions] += 1.0
        return out


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = T0 + timedelta(minutes=10)) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)
