"""The stages of the article path, composed once per worker and free of Kafka.

`streams.app` wires these methods to topics; everything here is plain,
synchronous and testable without a broker. Every method records its decision
in the audit store *before* the worker forwards anything, so a decision is
never acknowledged on Kafka without being in the history. All recording is
idempotent because Kafka delivery is at-least-once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TypeVar

import sqlalchemy.exc

from classifiers import Classifier, build_classifier, build_embedder
from classifiers.model_classifier import ModelClassifier
from flashpoint.alerts.delivery import Deliverer
from flashpoint.alerts.notifiers import build_notifiers
from flashpoint.alerts.ops import AnnouncingLedger
from flashpoint.alerts.outbox import Outbox
from flashpoint.alerts.routing import Router
from flashpoint.alerts.subscriptions import SubscriptionConfig
from flashpoint.audit.database import STORAGE_ERRORS
from flashpoint.audit.store import AuditStore
from flashpoint.core.clock import utc_now
from flashpoint.core.errors import InvalidArticle
from flashpoint.core.records import (
    Alert,
    Article,
    ClassifiedArticle,
    DeadLetter,
    DeliveryResult,
    EventUpdate,
    RoutingDecision,
)
from flashpoint.core.settings import Settings
from flashpoint.core.surge_settings import SurgeSettings
from flashpoint.desks.silences import Silence
from flashpoint.desks.store import DeskStore
from flashpoint.digests.sender import DigestSender
from flashpoint.digests.store import PendingStore
from flashpoint.events.clustering import EventClusterer
from flashpoint.events.store import SqlEventStore
from flashpoint.ingest.decode import decode_article
from flashpoint.surge.detector import regions_of
from flashpoint.surge.models import Region, SurgeAlert, SurgeNotice, SurgeSample
from flashpoint.surge.routing import surge_decisions

PAYLOAD_PREVIEW_BYTES = 2_000

log = logging.getLogger(__name__)


def silenced(decisions: Sequence[RoutingDecision], silence: Silence) -> list[RoutingDecision]:
    """The decisions with every match turned into a suppression that names the silence."""
    reason = f"silenced by silence {silence.id} until {silence.ends_at:%Y-%m-%d %H:%M} UTC" + (
        f" ({silence.comment})" if silence.comment else ""
    )
    return [
        d.model_copy(update={"outcome": "suppressed", "reason": reason, "channels": []})
        if d.outcome == "matched"
        else d
        for d in decisions
    ]


Routed = tuple[list[Alert], list[RoutingDecision]]
T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class StageError:
    """An item a stage could not process: the worker dead-letters it with this reason."""

    reason: str
    detail: str


def each_apart(
    function: Callable[[Sequence[T]], list[R]], items: Sequence[T], reason: str
) -> list[R | StageError]:
    """`function(items)`; if it raises, each item alone, so that one poisoned item becomes a
    `StageError` and the rest go on: a partition never stops on an item a stage cannot
    read. Storage errors are not the item's fault and propagate."""
    try:
        return list(function(items))
    except STORAGE_ERRORS:
        raise
    except Exception as error:
        if len(items) == 1:
            log.exception("%s", reason)
            return [StageError(reason, _describe(error))]
        log.exception("%s for a batch of %d; trying each alone", reason, len(items))
    results: list[R | StageError] = []
    for item in items:
        try:
            results.extend(function([item]))
        except STORAGE_ERRORS:
            raise
        except Exception as error:
            log.exception("%s", reason)
            results.append(StageError(reason, _describe(error)))
    return results


def _describe(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}"
    return text if len(text) <= 300 else text[:299] + "…"


@dataclass
class Pipeline:
    """decode → classify → route → deliver, each step recording to the audit store."""

    classifier: Classifier
    subscriptions: SubscriptionConfig
    router: Router
    deliverer: Deliverer
    store: AuditStore
    desks: DeskStore
    clusterer: EventClusterer
    pending: PendingStore
    digests: DigestSender
    max_text_chars: int
    surge: SurgeSettings
    clock: Callable[[], datetime] = utc_now
    # The desks database's revision the router was built from (`refresh_subscriptions`).
    subscriptions_revision: str = ""

    def refresh_subscriptions(self) -> bool:
        """Rebuild the router if desks or subscriptions changed in the database since it
        was built (`flashpoint desks|subscriptions …` while the worker runs); True if so.

        Called before each batch is routed and before each surge, so a change takes
        effect within one batch, without a restart.
        """
        revision = self.desks.config_revision()
        if revision == self.subscriptions_revision:
            return False
        config = self.desks.load_config()
        self.subscriptions, self.router = config, Router(config)
        self.subscriptions_revision = revision
        return True

    def decode(
        self, raw: bytes | None, *, topic: str, partition: int, offset: int, key: bytes | None
    ) -> Article | DeadLetter:
        """An Article, or the DeadLetter that says why the message is not one."""
        try:
            return decode_article(raw, max_text_chars=self.max_text_chars)
        except InvalidArticle as error:
            return self.dead_letter(
                raw,
                error.reason,
                error.detail,
                topic=topic,
                partition=partition,
                offset=offset,
                key=key,
            )

    def dead_letter(
        self,
        raw: bytes | None,
        reason: str,
        detail: str,
        *,
        topic: str,
        partition: int,
        offset: int,
        key: bytes | None,
    ) -> DeadLetter:
        """The DeadLetter for a message that cannot be used, with a preview of its bytes."""
        payload = raw or b""
        return DeadLetter(
            reason=reason,
            detail=detail,
            topic=topic,
            partition=partition,
            offset=offset,
            key=key.decode("utf-8", errors="replace") if key is not None else None,
            payload=payload[:PAYLOAD_PREVIEW_BYTES].decode("utf-8", errors="replace"),
            payload_bytes=len(payload),
            at=self.clock(),
        )

    def classify(self, articles: Sequence[Article]) -> list[ClassifiedArticle | StageError]:
        """Classify a batch and record every result (signals or none) in the audit store.

        An article the classifier cannot read gives a `StageError` in its place, for the
        worker to dead-letter; the others go on (`each_apart`)."""
        now = self.clock()

        def read(batch: Sequence[Article]) -> list[ClassifiedArticle]:
            classifications = self.classifier.classify_batch(batch)
            return [
                ClassifiedArticle(article=article, classification=c, classified_at=now)
                for article, c in zip(batch, classifications, strict=True)
            ]

        results = each_apart(read, articles, "classification failed")
        for number, item in enumerate(results):
            if isinstance(item, ClassifiedArticle):
                revision = self.store.revision_of(item.article, now)
                if revision:
                    item = results[number] = item.model_copy(update={"revision": revision})
                self.store.record_classification(item)
        return results

    def route(self, item: ClassifiedArticle) -> Routed:
        """The alerts one article raises, with every desk's decision recorded."""
        [routed] = self.route_many([item])
        if isinstance(routed, StageError):
            raise RuntimeError(f"{routed.reason}: {routed.detail}")
        return routed

    def route_many(self, items: Sequence[ClassifiedArticle]) -> list[Routed | StageError]:
        """For each article, in order: the alerts it raises, with every decision recorded;
        or a `StageError` for an article that cannot be routed (`each_apart`).

        The articles first join their events (`events`), in one model call for the batch
        (the event stage embeds each report's title and lead), so each alert carries the
        incident and what this report changed. An active silence covering all an
        article's places and signals turns every match into a suppression that names
        the silence.
        """
        self.refresh_subscriptions()

        def join_and_route(batch: Sequence[ClassifiedArticle]) -> list[Routed]:
            updates = self.clusterer.add_many(batch)
            return [self._route_one(i, update) for i, update in zip(batch, updates, strict=True)]

        return each_apart(join_and_route, items, "routing failed")

    def _route_one(
        self, item: ClassifiedArticle, update: EventUpdate | None
    ) -> tuple[list[Alert], list[RoutingDecision]]:
        now = self.clock()
        result = self.router.route(item, now)
        alerts = [alert.model_copy(update={"event": update}) for alert in result.alerts]
        deferred = [
            replace(held, alert=held.alert.model_copy(update={"event": update}))
            for held in result.deferred
        ]
        decisions = result.decisions
        silence = self._silence_for(item, now) if alerts or deferred else None
        if silence is not None:
            decisions = silenced(decisions, silence)
            alerts, deferred = [], []
        if decisions:
            self.store.record_routing(decisions)
        # Held (quiet hours) and digest alerts wait in the database for `flush_due`.
        self.pending.hold_all(deferred)
        return alerts, decisions

    def surge_regions(self, item: ClassifiedArticle) -> list[Region]:
        """The regions whose surge counts this article joins (none without escalation)."""
        return regions_of(item, self.surge)

    def route_surge(self, surge: SurgeAlert) -> tuple[list[SurgeNotice], list[RoutingDecision]]:
        """The notices one surge raises, one per subscription and channel, and every
        subscription's decision (recorded here); a silence covering the region and all its
        signals suppresses them, as it does an article's alerts."""
        self.refresh_subscriptions()
        now = self.clock()
        routes, decisions = surge_decisions(surge, self.subscriptions, now)
        signals = [item.signal for item in surge.top_signals]
        silence = (
            self.desks.silence_for_places([(surge.country, surge.admin1)], signals, now)
            if routes
            else None
        )
        if silence is not None:
            decisions = silenced(decisions, silence)
            routes = []
        self.store.record_routing(decisions)
        known = self.store.article_titles(surge.article_ids)
        samples = [
            SurgeSample(article_id=article_id, title=title, url=url, source=source)
            for article_id in surge.article_ids
            for title, url, source in [known.get(article_id, (None, None, None))]
        ]
        notices = [
            SurgeNotice(
                alert_id=surge.surge_id,
                desk_id=route.desk_id,
                subscription_id=route.subscription_id,
                channel=channel,
                surge=surge,
                samples=samples,
                created_at=now,
            )
            for route in routes
            for channel in route.channels
        ]
        return notices, decisions

    def flush_due(self) -> list[DeliveryResult]:
        """Send the digests and held alerts whose time has come (called by a timer)."""
        return self.digests.flush_due()

    def _silence_for(self, item: ClassifiedArticle, now: datetime) -> Silence | None:
        classification = item.classification
        places = [(location.country, location.admin1) for location in classification.locations]
        return self.desks.silence_for_places(places, sorted(classification.signal_types()), now)

    def deliver(self, alert: Alert | SurgeNotice) -> DeliveryResult:
        """Send once per delivery key; the deliverer records sent, retrying (kept in the
        outbox), failed or duplicate."""
        return self.deliverer.deliver(alert)

    def retry_outbox(self) -> list[DeliveryResult]:
        """One more try for each delivery due in the outbox (called by a timer)."""
        return self.deliverer.retry_due()

    def record_dead_letter(self, letter: DeadLetter) -> bool:
        """Keep one dead letter in the audit history; False (logged) when the database
        refuses its data. Nothing else can dead-letter a dead letter, and a refusal comes
        back on every replay, so raising would stop the DLQ partition for good; the letter
        itself stays on the dead-letter topic. A passing storage error (`STORAGE_ERRORS`)
        still raises, for the caller to wait out."""
        try:
            self.store.record_dead_letter(letter)
        except sqlalchemy.exc.SQLAlchemyError as error:
            if isinstance(error, STORAGE_ERRORS):
                raise
            log.error(
                "dead letter %s from %s partition %s offset %s not kept in the audit history"
                " (it stays on the dead-letter topic): %s",
                letter.reason,
                letter.topic,
                letter.partition,
                letter.offset,
                _describe(error),
            )
            return False
        return True


def build_pipeline(settings: Settings, classifier: Classifier | None = None) -> Pipeline:
    """Open the audit database, load the desks (seeded once from the YAML file), build the
    classifier, the event clusterer and the notifiers from settings."""
    store = AuditStore.open(settings.database_url)
    desks = DeskStore(store.engine)
    desks.ensure_seeded(settings.subscriptions_path)
    revision = desks.config_revision()
    config = desks.load_config()
    classifier = classifier or build_classifier(settings.classifier)
    events = SqlEventStore(store.engine)
    # The event stage compares reports by their title+lead embeddings when the classifier
    # is the model (the rules alone run without any model, so events then use signals only).
    is_model = isinstance(classifier, ModelClassifier)
    embedder = build_embedder(settings.classifier) if is_model else None
    clusterer = EventClusterer(
        events, settings.events, embed=embedder.embed if embedder is not None else None
    )
    notifiers = build_notifiers(settings, threads=events)
    # Both senders record through this ledger, so an undeliverable alert is announced once.
    ledger = AnnouncingLedger(store, notifiers, settings.ops_channel)
    deliverer = Deliverer.from_settings(
        notifiers,
        ledger,
        settings.worker,
        outbox=Outbox(store.engine),
        sleep=time.sleep,
        clock=utc_now,
    )
    pending = PendingStore(store.engine)
    return Pipeline(
        classifier=classifier,
        subscriptions=config,
        router=Router(config),
        deliverer=deliverer,
        store=store,
        desks=desks,
        clusterer=clusterer,
        pending=pending,
        digests=DigestSender(
            pending, notifiers, ledger, utc_now, max_age_s=settings.worker.outbox_max_age_s
        ),
        max_text_chars=settings.worker.max_text_chars,
        surge=settings.surge,
        subscriptions_revision=revision,
    )
