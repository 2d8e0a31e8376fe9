"""The records that travel between stages and over Kafka topics.

Every topic carries UTF-8 JSON produced by these pydantic models
(`model_dump_json`), so one schema system serves the CLI contract, the topics
and the audit history. The signal ids are the public contract of TAXONOMY.md.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

SignalType = Literal[
    "armed_clash",
    "offensive",
    "shelling",
    "air_strike",
    "explosive_device",
    "civilian_harm",
    "casualties",
    "territorial_change",
    "reinforcement",
    "offensive_warning",
    "ceasefire_violation",
    "ceasefire_agreement",
    "withdrawal",
]
SIGNAL_TYPES: tuple[str, ...] = get_args(SignalType)
DE_ESCALATION_SIGNALS: frozenset[str] = frozenset({"ceasefire_agreement", "withdrawal"})


class Article(BaseModel):
    """A news article as published to `articles.raw` (validated by `ingest.decode`)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str
    text: str
    title: str | None = None
    url: str | None = None
    source: str | None = None
    published_at: datetime | None = None
    language: str | None = None

    def digest(self) -> str:
        """A hash of what the article says (title and text): a replay has the same one, a
        corrected text (a revised toll) another, which makes it a revision."""
        said = f"{self.title or ''}\0{self.text}".encode()
        return hashlib.sha256(said).hexdigest()[:16]


class Signal(BaseModel):
    """One escalation signal found in an article, with the sentence that shows it."""

    type: SignalType
    score: float = Field(ge=0.0, le=1.0)
    evidence: str


class Location(BaseModel):
    """A place the article reports on, resolved against the gazetteer."""

    name: str
    country: str = Field(min_length=2, max_length=2, description="ISO 3166-1 alpha-2")
    admin1: str | None = None
    lat: float | None = None
    lon: float | None = None


class Casualties(BaseModel):
    killed: int | None = None
    injured: int | None = None


class Veto(BaseModel):
    """A signal the model was sure of that the cue rules ruled out in context, and why."""

    type: SignalType
    score: float = Field(ge=0.0, le=1.0)
    reason: str
    evidence: str


class Classification(BaseModel):
    """The public `flashpoint classify` contract: one of these per input article."""

    id: str
    signals: list[Signal]
    severity: int = Field(ge=0, le=5)
    locations: list[Location]
    casualties: Casualties
    model: str
    # Signals the model scored as sure but the cue rules' reading of negation, denial,
    # history or threats dropped: kept visible so no veto goes unexplained.
    vetoed: list[Veto] = Field(default_factory=list)

    def signal_types(self) -> set[str]:
        return {signal.type for signal in self.signals}

    def countries(self) -> set[str]:
        return {location.country for location in self.locations}


class ClassifiedArticle(BaseModel):
    """What `articles.classified` carries: the article and what the classifier found."""

    article: Article
    classification: Classification
    classified_at: datetime
    # 0 for the first text published under this id; n for its n-th different text (a
    # correction): a new revision raises new alerts, a replay of one does not.
    revision: int = Field(default=0, ge=0)


ChannelKind = Literal["slack", "email", "console"]


class Channel(BaseModel):
    """Where one alert goes: a Slack channel, one email address, or the console."""

    model_config = ConfigDict(frozen=True)

    kind: ChannelKind
    target: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.target}"


class Alert(BaseModel):
    """One alert for one desk's subscription on one channel (carried by `alerts.outbound`).

    `alert_id` names the alert raised by one article (a report); `event` ties it to its
    incident, so notifiers can thread follow-ups under the event's first message.
    `delivery_key` names this one delivery and is what the audit store refuses to send
    twice.
    """

    alert_id: str
    desk_id: str
    subscription_id: str
    channel: Channel
    article: Article
    classification: Classification
    created_at: datetime
    # The incident this report belongs to, and what it changed (None before events existed).
    event: EventUpdate | None = None

    @property
    def delivery_key(self) -> str:
        return f"{self.alert_id}:{self.subscription_id}:{self.channel}"

    @property
    def headline(self) -> str:
        return self.article.title or self.classification.signals[0].evidence[:120]


def alert_id_for(article_id: str, revision: int = 0) -> str:
    """Stable alert id for an article's revision: a replay produces the same id, so dedup
    works; a corrected text (revision 1, 2, ...) gets ids of its own."""
    key = article_id if revision == 0 else f"{article_id}\0revision {revision}"
    return "al-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


RoutingOutcome = Literal["matched", "suppressed"]


class RoutingDecision(BaseModel):
    """Why a desk's subscription did or did not get an alert; every one is audited."""

    alert_id: str
    article_id: str
    desk_id: str
    subscription_id: str
    outcome: RoutingOutcome
    reason: str
    channels: list[str] = Field(default_factory=list)
    decided_at: datetime


# "retrying": it failed for a passing reason and waits in the outbox for its next try;
# "undeliverable": it kept failing until the outbox's maximum age; "failed": refused for
# good (a permanent error, or no notifier for its channel).
DeliveryStatus = Literal["sent", "failed", "duplicate", "retrying", "undeliverable"]


class DeliveryResult(BaseModel):
    """The outcome of one delivery attempt, as the audit history keeps it.

    `external_id` is the Slack message `ts` or the email Message-ID. `error` is
    already free of secrets (notifiers never put tokens or passwords in messages).
    """

    delivery_key: str
    alert_id: str
    desk_id: str
    subscription_id: str
    channel: str
    status: DeliveryStatus
    attempts: int = 1
    external_id: str | None = None
    error: str | None = None
    at: datetime


class DeadLetter(BaseModel):
    """What `articles.dlq` carries: the original bytes (as text where possible) and why."""

    reason: str
    detail: str
    topic: str = Field(description="the topic it was read from, or the file for ingest rejections")
    partition: int | None = None
    offset: int | None = None
    line: int | None = Field(default=None, description="line number, for ingest rejections")
    key: str | None = None
    payload: str = Field(description="original value, UTF-8 with replacement, truncated")
    payload_bytes: int
    at: datetime


class EventSource(BaseModel):
    """One report (article) that joined an event, with what it said."""

    article_id: str
    title: str | None = None
    url: str | None = None
    source: str | None = None
    published_at: datetime | None = None
    seen_at: datetime
    signals: list[str]
    severity: int = Field(ge=0, le=5)
    casualties: Casualties
    revision: int = Field(default=0, ge=0)  # the article's revision this source reflects


class FigureRange(BaseModel):
    """A casualty figure across an event's reports: the figure we state, and the range."""

    stated: int | None = None  # the most conservative current figure (see events.figures)
    low: int | None = None
    high: int | None = None


class Event(BaseModel):
    """An incident: the reports of it grouped together, as it stands now."""

    event_id: str
    first_seen: datetime
    last_seen: datetime
    signals: list[str]
    severity: int = Field(ge=0, le=5)  # the highest any report gave
    locations: list[Location]
    killed: FigureRange = Field(default_factory=FigureRange)
    injured: FigureRange = Field(default_factory=FigureRange)
    sources: list[EventSource]


EventUpdateKind = Literal["new", "escalated", "de_escalation", "report"]


class EventUpdate(BaseModel):
    """What one report changed about its event (carried by the `events` topic).

    `new`: the first report of an incident; `escalated`: severity or a casualty figure
    rose, or a new escalation signal appeared; `de_escalation`: a ceasefire agreement or
    withdrawal was reported; `report`: another source, nothing material changed.
    `changes` says what changed in words a desk reads ("severity 3 → 4").
    """

    event: Event
    article_id: str
    kind: EventUpdateKind
    changes: list[str] = Field(default_factory=list)
    at: datetime


Alert.model_rebuild()
