"""Builders for the records the audit store receives, with sensible defaults."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flashpoint.core.records import (
    Article,
    Casualties,
    Classification,
    ClassifiedArticle,
    DeadLetter,
    DeliveryResult,
    DeliveryStatus,
    Location,
    RoutingDecision,
    RoutingOutcome,
    Signal,
    SignalType,
    alert_id_for,
)

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def classified(
    article_id: str,
    *,
    signals: list[tuple[SignalType, float]] | None = None,
    countries: list[str] | None = None,
    at: datetime = T0,
    model: str = "minilm-v1",
    severity: int = 3,
    killed: int | None = None,
) -> ClassifiedArticle:
    signals = [("shelling", 0.9)] if signals is None else signals
    countries = ["UA"] if countries is None else countries
    return ClassifiedArticle(
        article=Article(
            id=article_id,
            text=f"text of {article_id}",
            title=f"Title of {article_id}",
            url=f"https://news.example/{article_id}",
            source="example-wire",
            published_at=at - timedelta(hours=1),
        ),
        classification=Classification(
            id=article_id,
            signals=[
                Signal(type=kind, score=score, evidence=f"[{kind}] evidence, in {article_id}")
                for kind, score in signals
            ],
            severity=severity,
            locations=[
                Location(name=f"Place {n} in {code}", country=code, lat=48.0 + n, lon=37.0)
                for n, code in enumerate(countries)
            ],
            casualties=Casualties(killed=killed, injured=None),
            model=model,
        ),
        classified_at=at,
    )


def decision(
    article_id: str,
    desk: str,
    *,
    outcome: RoutingOutcome = "matched",
    subscription: str | None = None,
    at: datetime = T0,
    reason: str = "rule matched",
) -> RoutingDecision:
    return RoutingDecision(
        alert_id=alert_id_for(article_id),
        article_id=article_id,
        desk_id=desk,
        subscription_id=subscription or f"{desk}-sub",
        outcome=outcome,
        reason=reason,
        channels=[f"slack:#{desk}"] if outcome == "matched" else [],
        decided_at=at,
    )


def delivery(
    article_id: str,
    desk: str,
    status: DeliveryStatus,
    *,
    subscription: str | None = None,
    channel: str | None = None,
    at: datetime = T0,
    error: str | None = None,
    external_id: str | None = None,
    attempts: int = 1,
) -> DeliveryResult:
    alert_id = alert_id_for(article_id)
    subscription = subscription or f"{desk}-sub"
    channel = channel or f"slack:#{desk}"
    return DeliveryResult(
        delivery_key=f"{alert_id}:{subscription}:{channel}",
        alert_id=alert_id,
        desk_id=desk,
        subscription_id=subscription,
        channel=channel,
        status=status,
        attempts=attempts,
        external_id=external_id,
        error=error,
        at=at,
    )


def dead_letter(
    offset: int, *, reason: str = "malformed JSON", at: datetime = T0, payload: str = "{oops"
) -> DeadLetter:
    """A message from `articles.raw` partition 0 at `offset` that could not be decoded."""
    return DeadLetter(
        reason=reason,
        detail=f"bad input at offset {offset}",
        topic="articles.raw",
        partition=0,
        offset=offset,
        key=None,
        payload=payload,
        payload_bytes=len(payload.encode("utf-8")),
        at=at,
    )


def rejected_line(line: int, *, at: datetime = T0, payload: str = '{"id": 1}') -> DeadLetter:
    """A line of an input file that ingest rejected before it reached Kafka."""
    return DeadLetter(
        reason="missing field: text",
        detail="field required",
        topic="samples/feed.jsonl",
        line=line,
        payload=payload,
        payload_bytes=len(payload.encode("utf-8")),
        at=at,
    )
