"""Fixtures for the digest tests: a real audit database, Slack and SMTP servers, a clock.

`routed(...)` routes a classified article through the real `Router` at a given time, so
the deferred alerts (and their send times and batch keys) are the ones production makes.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import SecretStr

from flashpoint.alerts.notifiers import DigestNotifier
from flashpoint.alerts.notifiers.console import ConsoleNotifier
from flashpoint.alerts.notifiers.email import EmailNotifier
from flashpoint.alerts.notifiers.slack import SlackNotifier
from flashpoint.alerts.routing import Router, RoutingResult
from flashpoint.alerts.subscriptions import parse_subscriptions
from flashpoint.audit.store import AuditStore
from flashpoint.core.records import DeliveryResult
from flashpoint.core.settings import SlackSettings, SmtpSettings
from flashpoint.digests.sender import DigestSender
from flashpoint.digests.store import PendingStore
from tests.support.records import make_classified
from tests.support.slack_server import SlackServer
from tests.support.smtp_server import SmtpSink

TOKEN = "xoxb-digest-test-token"
SENDER = "flashpoint@alerts.example.org"
SLACK_CHANNEL = "#sudan-desk"
ADDRESS = "sudan-desk@example.org"
START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def utc(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, second, tzinfo=UTC)


class Clock:
    """The injected clock: it says what `now` says, and moves only when told."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Ledger:
    """The audit store as the delivery ledger, remembering what was recorded through it."""

    def __init__(self, audit: AuditStore) -> None:
        self.audit = audit
        self.results: list[DeliveryResult] = []

    def already_sent(self, delivery_key: str) -> bool:
        return self.audit.already_sent(delivery_key)

    def record_delivery(self, result: DeliveryResult) -> None:
        self.results.append(result)
        self.audit.record_delivery(result)


def router(**subscription: Any) -> Router:
    """A router for one desk with one subscription to SD, on Slack and email by default."""
    data: dict[str, Any] = {
        "id": "sudan-sub",
        "regions": [{"country": "SD"}],
        "channels": {"slack": [SLACK_CHANNEL], "email": [ADDRESS]},
    }
    data.update(subscription)
    config = parse_subscriptions(
        {"desks": [{"id": "sudan", "name": "Sudan desk", "subscriptions": [data]}]}, "test"
    )
    return Router(config)


def routed(route: Router, article_id: str, at: datetime, **article: Any) -> RoutingResult:
    article.setdefault("title", f"Report {article_id}")
    return route.route(make_classified(article_id=article_id, **article), at)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def audit(database_url: str) -> Iterator[AuditStore]:
    with AuditStore.open(database_url) as store:
        yield store


@pytest.fixture
def pending(audit: AuditStore, clock: Clock) -> PendingStore:
    return PendingStore(audit.engine, clock=clock)


@pytest.fixture
def ledger(audit: AuditStore) -> Ledger:
    return Ledger(audit)


@pytest.fixture
def slack() -> Iterator[SlackServer]:
    with SlackServer(token=TOKEN) as server:
        yield server


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def console() -> io.StringIO:
    return io.StringIO()


@pytest.fixture
def notifiers(
    slack: SlackServer, smtp: SmtpSink, console: io.StringIO
) -> dict[str, DigestNotifier]:
    return {
        "slack": SlackNotifier(
            SlackSettings(token=SecretStr(TOKEN), base_url=slack.base_url), min_interval_s=0
        ),
        "email": EmailNotifier(
            SmtpSettings(host=smtp.host, port=smtp.port, starttls=False, sender=SENDER)
        ),
        "console": ConsoleNotifier(console),
    }


@pytest.fixture
def sender(
    pending: PendingStore, notifiers: dict[str, DigestNotifier], ledger: Ledger, clock: Clock
) -> DigestSender:
    return DigestSender(pending, notifiers, ledger, clock)
