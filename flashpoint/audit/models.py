"""The audit database schema: what the pipeline decided, kept so desks can search it.

Seven tables, one per kind of fact, each keyed so that a replay (Kafka delivery is
at-least-once) writes nothing new:

    articles            one classification of one article by one model version
    ├── article_signals     the signals it found (type, score, evidence), in order
    └── article_locations   the places it reported on (country indexed for filtering)
    routing_decisions   one row per alert x desk x subscription: matched or suppressed, why
    deliveries          the delivery ledger: one row per delivery key, final status
    delivery_events     every delivery outcome recorded (sent, failed, duplicate refused)
    dead_letters        every input that could not become an article, why, and from where

Tables are joined by the pipeline's own ids (article_id, alert_id, delivery_key), not
by foreign keys across stages, because the stages record through different Kafka
topics and a routing decision can reach the store before its classification does.

All datetimes are timezone-aware UTC (`UTCDateTime`), on SQLite as on PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flashpoint.core.db import Base

# Dead letters keep only this much of the original payload: enough to recognise it.
PAYLOAD_PREFIX_CHARS = 256


class ArticleRow(Base):
    """One classification of one article by one model version.

    Unique on (article_id, model): replaying the article through the same model is a
    no-op, and reclassifying with a new model keeps both, so a desk can see what each
    model said. Signals and places live in child tables so that "every article in UA
    with shelling" is an indexed EXISTS, not a scan of JSON.
    """

    __tablename__ = "articles"
    __table_args__ = (UniqueConstraint("article_id", "model", "revision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    article_id: Mapped[str] = mapped_column(String(), index=True)
    model: Mapped[str] = mapped_column(String())
    # The article's revision (ArticleRevisionRow.number): a corrected text is classified
    # and kept beside the first.
    revision: Mapped[int] = mapped_column(Integer, server_default="0")
    title: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String())
    language: Mapped[str | None] = mapped_column(String())
    published_at: Mapped[datetime | None]
    classified_at: Mapped[datetime] = mapped_column(index=True)
    severity: Mapped[int] = mapped_column(Integer)
    killed: Mapped[int | None] = mapped_column(Integer)
    injured: Mapped[int | None] = mapped_column(Integer)

    signals: Mapped[list[ArticleSignalRow]] = relationship(
        order_by="ArticleSignalRow.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    locations: Mapped[list[ArticleLocationRow]] = relationship(
        order_by="ArticleLocationRow.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class ArticleRevisionRow(Base):
    """Each different text published under one article id, numbered in the order seen
    (0 first). Unique on (article_id, digest): a replay finds its number again."""

    __tablename__ = "article_revisions"
    __table_args__ = (UniqueConstraint("article_id", "digest"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    article_id: Mapped[str] = mapped_column(String(), index=True)
    digest: Mapped[str] = mapped_column(String(32))
    number: Mapped[int] = mapped_column(Integer)
    first_seen: Mapped[datetime]


class ArticleSignalRow(Base):
    """One escalation signal of one classification, with the sentence that shows it.

    Indexed by (type, article_pk) so that filtering by signal reads only matching rows.
    """

    __tablename__ = "article_signals"
    __table_args__ = (Index(None, "type", "article_pk"),)

    article_pk: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[str] = mapped_column(String())
    score: Mapped[float] = mapped_column(Float)
    evidence: Mapped[str] = mapped_column(Text)


class ArticleLocationRow(Base):
    """One place a classification reports on; `country` is ISO 3166-1 alpha-2, upper case.

    Indexed by (country, article_pk) so that filtering by country reads only matching rows.
    """

    __tablename__ = "article_locations"
    __table_args__ = (Index(None, "country", "article_pk"),)

    article_pk: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String())
    country: Mapped[str] = mapped_column(String(2))
    admin1: Mapped[str | None] = mapped_column(String())
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)


class RoutingDecisionRow(Base):
    """Why one desk's subscription did or did not get one alert (matched or suppressed).

    Unique on (alert_id, desk_id, subscription_id): the router decides once per alert
    and subscription, and a replay of the same decision is a no-op (the first is kept).
    `channels` lists the channels a matched alert went to, as ``kind:target`` strings.
    """

    __tablename__ = "routing_decisions"
    __table_args__ = (UniqueConstraint("alert_id", "desk_id", "subscription_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_id: Mapped[str] = mapped_column(String())
    article_id: Mapped[str] = mapped_column(String(), index=True)
    desk_id: Mapped[str] = mapped_column(String(), index=True)
    subscription_id: Mapped[str] = mapped_column(String())
    outcome: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    channels: Mapped[list[str]] = mapped_column(JSON)
    decided_at: Mapped[datetime] = mapped_column(index=True)


class DeliveryRow(Base):
    """The delivery ledger: one row per delivery key with its final status.

    This is what `AuditStore.already_sent` reads, so a replayed alert is refused: a
    key is sent once `status` is 'sent', and it never goes back (a later 'failed' or
    'duplicate' for the same key leaves it alone; those go to `delivery_events`).
    `status` is 'sent', 'retrying' (waiting in the outbox), 'failed' or 'undeliverable'.
    """

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    delivery_key: Mapped[str] = mapped_column(String(), unique=True)
    alert_id: Mapped[str] = mapped_column(String(), index=True)
    desk_id: Mapped[str] = mapped_column(String(), index=True)
    subscription_id: Mapped[str] = mapped_column(String())
    channel: Mapped[str] = mapped_column(String())
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    external_id: Mapped[str | None] = mapped_column(String())
    error: Mapped[str | None] = mapped_column(Text)
    first_at: Mapped[datetime]
    last_at: Mapped[datetime]


class DeliveryEventRow(Base):
    """Every delivery outcome the deliverer reported: sent, failed, or duplicate refused.

    The history behind the ledger. Unique on (delivery_key, status, at), so replaying
    the same outcome record is a no-op while each distinct refusal of a replayed alert
    is kept. `attempts` is how many tries that outcome took; `external_id` is the Slack
    `ts` or email Message-ID of a sent message; `error` is stored verbatim (notifiers
    scrub secrets before they report).
    """

    __tablename__ = "delivery_events"
    __table_args__ = (UniqueConstraint("delivery_key", "status", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    delivery_key: Mapped[str] = mapped_column(String())
    alert_id: Mapped[str] = mapped_column(String(), index=True)
    desk_id: Mapped[str] = mapped_column(String(), index=True)
    subscription_id: Mapped[str] = mapped_column(String())
    channel: Mapped[str] = mapped_column(String())
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    external_id: Mapped[str | None] = mapped_column(String())
    error: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(index=True)


class DeadLetterRow(Base):
    """One input that could not become an article: why, and where it came from.

    Inputs come from a Kafka topic (`topic`, `kafka_partition`, `kafka_offset`) or,
    for rejections at ingest, from a file (`topic` is the file, `line` its line
    number). `origin` names that place in one string ("articles.raw/0@42",
    "samples/feed.jsonl:7") and is unique, so a replay of the same input is a no-op.
    Only a short prefix of the payload is kept (`PAYLOAD_PREFIX_CHARS`), with its full
    size: enough to find and recognise the bad input, not a copy of it.
    """

    __tablename__ = "dead_letters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    origin: Mapped[str] = mapped_column(String(), unique=True)
    reason: Mapped[str] = mapped_column(String(), index=True)
    detail: Mapped[str] = mapped_column(Text)
    topic: Mapped[str] = mapped_column(String())
    kafka_partition: Mapped[int | None] = mapped_column(Integer)
    kafka_offset: Mapped[int | None] = mapped_column(BigInteger)
    line: Mapped[int | None] = mapped_column(Integer)
    key: Mapped[str | None] = mapped_column(Text)
    payload_prefix: Mapped[str] = mapped_column(Text)
    payload_bytes: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(index=True)
