"""Builders for the shared records, with defaults that read like a real report."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from flashpoint.core.records import (
    Alert,
    Article,
    Casualties,
    Channel,
    ChannelKind,
    Classification,
    ClassifiedArticle,
    Location,
    Signal,
    alert_id_for,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

Place = tuple[str, str, str | None]  # (name, country, admin1)
Found = tuple[str, float, str]  # (signal type, score, evidence)

KADUGLI: Place = ("Kadugli", "SD", "South Kordofan")
SHELLING: Found = (
    "shelling",
    0.91,
    "Hours later the paramilitary forces shelled residential districts of the town.",
)


def make_classified(
    *,
    article_id: str = "art-1",
    title: str | None = "Paramilitary forces shell Kadugli",
    text: str = "Paramilitary forces shelled residential districts of Kadugli on Tuesday.",
    url: str | None = "https://news.example.org/sudan/kadugli?id=1&lang=en",
    source: str | None = "Example News",
    signals: Sequence[Found] = (SHELLING,),
    severity: int = 3,
    places: Sequence[Place] = (KADUGLI,),
    killed: int | None = None,
    injured: int | None = None,
) -> ClassifiedArticle:
    article = Article(id=article_id, text=text, title=title, url=url, source=source)
    classification = Classification(
        id=article_id,
        signals=[
            Signal.model_validate({"type": kind, "score": score, "evidence": evidence})
            for kind, score, evidence in signals
        ],
        severity=severity,
        locations=[
            Location(name=name, country=country, admin1=admin1) for name, country, admin1 in places
        ],
        casualties=Casualties(killed=killed, injured=injured),
        model="test-model",
    )
    return ClassifiedArticle(article=article, classification=classification, classified_at=NOW)


def make_alert(
    kind: ChannelKind = "slack",
    target: str = "#sudan-desk",
    *,
    desk_id: str = "sudan",
    subscription_id: str = "sudan-all",
    **article: Any,
) -> Alert:
    """An alert for `make_classified(**article)` on one channel."""
    item = make_classified(**article)
    return Alert(
        alert_id=alert_id_for(item.article.id),
        desk_id=desk_id,
        subscription_id=subscription_id,
        channel=Channel(kind=kind, target=target),
        article=item.article,
        classification=item.classification,
        created_at=NOW,
    )
