"""What the audit store answers with: filters, flat entries, one article's history, counts.

These are pydantic models so the CLI, the JSONL export and a later web API share one
schema (`AuditEntry.model_dump_json()` is one line of `flashpoint audit export`).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

from flashpoint.core.clock import as_utc
from flashpoint.core.records import (
    SIGNAL_TYPES,
    Casualties,
    DeliveryResult,
    DeliveryStatus,
    Location,
    RoutingDecision,
    Signal,
)

EntryKind = Literal["article", "routing", "delivery", "dead_letter"]
ENTRY_KINDS: tuple[str, ...] = get_args(EntryKind)

_ALPHA2 = re.compile(r"^[A-Z]{2}$")


def normalise_country(value: str) -> str:
    """An ISO 3166-1 alpha-2 code in upper case; `ValueError` for anything else."""
    code = value.strip().upper()
    if not _ALPHA2.match(code):
        raise ValueError(f"country must be an ISO 3166-1 alpha-2 code such as UA, not {value!r}")
    return code


def check_signal(value: str) -> str:
    """A signal id from the taxonomy; `ValueError` naming the valid ids otherwise."""
    signal = value.strip()
    if signal not in SIGNAL_TYPES:
        raise ValueError(f"unknown signal {value!r}; expected one of: {', '.join(SIGNAL_TYPES)}")
    return signal


class AuditFilter(BaseModel):
    """Which audit entries to list. Every field narrows; None means "any".

    - `desk`: routing decisions and deliveries for that desk, and the articles that
      were *matched* to it (dead letters belong to no desk, so they drop out).
    - `country`: entries about an article with a place in that country (alpha-2).
    - `signal`: entries about an article in which that signal was found.
    - `since`: entries at or after that moment (naive means UTC).
    - `kind`: only 'article', 'routing', 'delivery' or 'dead_letter' entries.

    For routing and delivery entries, country and signal are those of the article
    the alert was raised for (any of its classifications).
    """

    model_config = ConfigDict(frozen=True)

    desk: str | None = None
    country: str | None = None
    signal: str | None = None
    since: datetime | None = None
    kind: EntryKind | None = None

    @field_validator("country")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        return None if value is None else normalise_country(value)

    @field_validator("signal")
    @classmethod
    def _signal(cls, value: str | None) -> str | None:
        return None if value is None else check_signal(value)

    @field_validator("since")
    @classmethod
    def _since(cls, value: datetime | None) -> datetime | None:
        return None if value is None else as_utc(value)


class AuditEntry(BaseModel):
    """One audited fact as a flat row, for listing and export.

    Which fields are set depends on `kind`:
    - article: article_id, status 'classified', model, signals, countries, severity.
    - routing: alert/desk/subscription, status 'matched'|'suppressed', reason, channel
      (comma-separated channels), and the article's signals, countries, severity.
    - delivery: alert/desk/subscription, channel, status 'sent'|'failed'|'duplicate',
      reason (the error), attempts, external_id (Slack ts or email Message-ID).
    - dead_letter: status 'dead_letter', reason, detail, and external_id locating the
      original input (``topic/partition@offset``, or ``file:line`` for ingest rejections).
    """

    model_config = ConfigDict(frozen=True)

    at: datetime
    kind: EntryKind
    status: str
    article_id: str | None = None
    alert_id: str | None = None
    desk_id: str | None = None
    subscription_id: str | None = None
    channel: str | None = None
    reason: str | None = None
    detail: str | None = None
    model: str | None = None
    severity: int | None = None
    signals: list[str] = Field(default_factory=list)
    countries: list[str] = Field(default_factory=list)
    attempts: int | None = None
    external_id: str | None = None


class ClassificationRecord(BaseModel):
    """One model's classification of an article, as stored."""

    model: str
    classified_at: datetime
    severity: int
    casualties: Casualties
    signals: list[Signal]
    locations: list[Location]


class DeliveryHistory(BaseModel):
    """One delivery key: its ledger status and every outcome recorded for it, oldest first.

    `status` is the ledger's ('sent', 'retrying', 'failed' or 'undeliverable'); when only
    refused replays were recorded for the key (no ledger row), it is 'duplicate'.
    """

    delivery_key: str
    alert_id: str
    desk_id: str
    subscription_id: str
    channel: str
    status: DeliveryStatus
    attempts: int
    external_id: str | None
    error: str | None
    events: list[DeliveryResult]


class ArticleHistory(BaseModel):
    """Everything the audit history holds about one article.

    `classifications` is newest first (one per model version); `decisions` and
    `deliveries` cover every alert raised for the article. Title and friends come
    from the newest classification and are None when only routing was recorded.
    """

    article_id: str
    title: str | None = None
    url: str | None = None
    source: str | None = None
    published_at: datetime | None = None
    classifications: list[ClassificationRecord] = Field(default_factory=list)
    decisions: list[RoutingDecision] = Field(default_factory=list)
    deliveries: list[DeliveryHistory] = Field(default_factory=list)


class AuditSummary(BaseModel):
    """Counts over the whole audit history.

    - articles_classified / articles_with_signals: distinct article ids.
    - alerts_matched / alerts_suppressed: routing decisions by outcome.
    - deliveries_due: channel targets of matched decisions (one delivery each).
    - deliveries_sent / deliveries_failed / deliveries_retrying: delivery keys by ledger
      status (a key that failed and later succeeded counts as sent only; failed includes
      undeliverable; retrying ones wait in the outbox).
    - duplicates_refused: replayed deliveries the ledger refused.
    - dead_letters: count per reason.
    """

    articles_classified: int
    articles_with_signals: int
    alerts_matched: int
    alerts_suppressed: int
    deliveries_due: int
    deliveries_sent: int
    deliveries_failed: int
    deliveries_retrying: int = 0
    duplicates_refused: int
    dead_letters: dict[str, int]

    @property
    def dead_letters_total(self) -> int:
        return sum(self.dead_letters.values())
