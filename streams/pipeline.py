"""The stages of the article path, composed once per worker and free of Kafka.

`streams.app` wires these methods to topics; everything here is plain,
synchronous and testable without a broker. Every method records its decision
in the audit store *before* the worker forwards anything, so a decision is
never acknowledged on Kafka without being in the history. All recording is
idempotent because Kafka delivery is at-least-once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from alerts.delivery import Deliverer
from alerts.notifiers import build_notifiers
from alerts.routing import Router
from alerts.subscriptions import load_subscriptions
from audit.store import AuditStore
from classifiers import Classifier, build_classifier
from flashpoint.errors import InvalidArticle
from flashpoint.records import (
    Alert,
    Article,
    ClassifiedArticle,
    DeadLetter,
    DeliveryResult,
    RoutingDecision,
)
from flashpoint.settings import Settings
from ingest.decode import decode_article

PAYLOAD_PREVIEW_BYTES = 2_000


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Pipeline:
    """decode → classify → route → deliver, each step recording to the audit store."""

    classifier: Classifier
    router: Router
    deliverer: Deliverer
    store: AuditStore
    max_text_chars: int
    clock: Callable[[], datetime] = utc_now

    def decode(
        self, raw: bytes | None, *, topic: str, partition: int, offset: int, key: bytes | None
    ) -> Article | DeadLetter:
        """An Article, or the DeadLetter that says why the message is not one."""
        try:
            return decode_article(raw, max_text_chars=self.max_text_chars)
        except InvalidArticle as error:
            payload = raw or b""
            return DeadLetter(
                reason=error.reason,
                detail=error.detail,
                topic=topic,
                partition=partition,
                offset=offset,
                key=key.decode("utf-8", errors="replace") if key is not None else None,
                payload=payload[:PAYLOAD_PREVIEW_BYTES].decode("utf-8", errors="replace"),
                payload_bytes=len(payload),
                at=self.clock(),
            )

    def classify(self, articles: Sequence[Article]) -> list[ClassifiedArticle]:
        """Classify a batch and record every result (signals or none) in the audit store."""
        classifications = self.classifier.classify_batch(articles)
        now = self.clock()
        items = [
            ClassifiedArticle(article=article, classification=classification, classified_at=now)
            for article, classification in zip(articles, classifications, strict=True)
        ]
        for item in items:
            self.store.record_classification(item)
        return items

    def route(self, item: ClassifiedArticle) -> tuple[list[Alert], list[RoutingDecision]]:
        """The alerts this article raises, with every desk's decision recorded."""
        result = self.router.route(item, self.clock())
        if result.decisions:
            self.store.record_routing(result.decisions)
        return result.alerts, result.decisions

    def deliver(self, alert: Alert) -> DeliveryResult:
        """Send once per delivery key; the deliverer records sent, failed or duplicate."""
        return self.deliverer.deliver(alert)

    def record_dead_letter(self, letter: DeadLetter) -> None:
        self.store.record_dead_letter(letter)


def build_pipeline(settings: Settings, classifier: Classifier | None = None) -> Pipeline:
    """Load subscriptions, open the audit store and build the notifiers from settings."""
    router = Router(load_subscriptions(settings.subscriptions_path))
    store = AuditStore.open(settings.database_url)
    deliverer = Deliverer.from_settings(
        build_notifiers(settings), store, settings.worker, sleep=time.sleep, clock=utc_now
    )
    return Pipeline(
        classifier=classifier or build_classifier(settings.classifier),
        router=router,
        deliverer=deliverer,
        store=store,
        max_text_chars=settings.worker.max_text_chars,
    )
