"""The faust-streaming worker: topics, and agents that only wire pipeline stages to them.

    articles.raw ──decode/classify──► articles.classified ──route──► alerts.outbound ──deliver
         │ bad input                                 │                                  │
         ▼                                           │ escalation, keyed by region      ▼
    articles.dlq ──record──► audit DB                ▼                    alerts.audit (change feed)
                                  articles.by_region ──count (windowed tables)──► alerts.surges
                                                                                ──route+deliver

Faust acks a message whose agent raised and never sees it again, so each agent
catches domain errors per event (bad input → DLQ; delivery failures are
recorded by the deliverer) and lets only real bugs crash the worker, which
then restarts from the last committed offset. Agents keep `concurrency=1` so
offsets are committed in order (faust-streaming issue #606). Blocking work
(the model, SMTP, Slack, SQLite) runs in the default executor so heartbeats
and commits keep flowing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar, cast

import faust
from pydantic import BaseModel, ValidationError

from flashpoint.audit.database import patiently
from flashpoint.core.records import Alert, Article, ClassifiedArticle, DeadLetter, DeliveryResult
from flashpoint.core.settings import Settings
from flashpoint.surge.detector import SurgeDetector
from flashpoint.surge.faust_table import create_surge_tables
from flashpoint.surge.models import SurgeAlert
from streams import faust_fixes
from streams.metrics import WorkerMetrics, consumer_lag, serve
from streams.pipeline import Pipeline, StageError

log = logging.getLogger("flashpoint.worker")

AuditKind = Literal["classification", "routing", "delivery", "dead_letter"]
T = TypeVar("T")
RecordT = TypeVar("RecordT", bound=BaseModel)


class AuditEvent(BaseModel):
    """What `alerts.audit` carries: every record the audit store keeps, as a change feed."""

    kind: AuditKind
    at: datetime
    record: dict[str, Any]


def create_app(settings: Settings, pipeline: Pipeline) -> faust.App:
    """A Faust app with the pipeline's agents wired to the configured topics."""
    worker = settings.worker
    names = settings.topics
    inputs = [names.raw, names.classified, names.outbound, names.by_region, names.surges]
    faust_fixes.install([*inputs, names.dlq])
    metrics = WorkerMetrics(
        pipeline.deliverer.outbox,
        lag=lambda: consumer_lag(settings.kafka.bootstrap, worker.app_id, inputs),
    )
    app = faust.App(
        worker.app_id,
        broker=f"kafka://{settings.kafka.bootstrap}",
        processing_guarantee="at_least_once",
        broker_commit_interval=worker.commit_interval_s,
        broker_commit_every=10_000,
        broker_session_timeout=worker.session_timeout_s,
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        producer_max_request_size=8 * 1024 * 1024,
        consumer_max_fetch_size=8 * 1024 * 1024,
        topic_partitions=settings.topics.partitions,
        topic_replication_factor=1,
        datadir=str(worker.data_dir),
        store="memory://",
        web_enabled=False,
    )

    def topic(name: str, partitions: int) -> faust.TopicT:
        return app.topic(
            name,
            key_type=bytes,
            value_type=bytes,
            key_serializer="raw",
            value_serializer="raw",
            partitions=partitions,
        )

    raw_topic = topic(names.raw, names.partitions)
    dlq_topic = topic(names.dlq, names.dlq_partitions)
    classified_topic = topic(names.classified, names.partitions)
    outbound_topic = topic(names.outbound, names.partitions)
    audit_topic = topic(names.audit, names.partitions)
    by_region_topic = topic(names.by_region, names.partitions)
    surges_topic = topic(names.surges, names.partitions)
    # The surge counts live in Faust tables (changelog backed), partitioned like
    # `by_region_topic`, which is keyed by region: each region's counts on one worker.
    surge_detector = SurgeDetector(
        settings.surge, store=create_surge_tables(app, settings.surge, names.partitions)
    )

    async def off_loop(function: Callable[..., T], *args: Any) -> T:
        """A pipeline step in the executor, waiting out a locked or unreachable database
        (`audit.database.patiently`): the agent never crashes on it, so its offset is never
        committed past a message the step did not record."""

        def step() -> T:
            return patiently(lambda: function(*args), what=function.__name__)

        return await asyncio.get_running_loop().run_in_executor(None, step)

    async def publish_audit(kind: AuditKind, key: str, record: BaseModel) -> None:
        if isinstance(record, DeliveryResult):
            metrics.delivery(record)
        event = AuditEvent(kind=kind, at=datetime.now(UTC), record=record.model_dump(mode="json"))
        await audit_topic.send(key=key.encode(), value=event.model_dump_json().encode())

    async def dead_letter(letter: DeadLetter) -> None:
        metrics.articles.labels("dead_lettered").inc()
        metrics.dead_letters.labels(letter.reason).inc()
        log.warning(
            "dead-lettered %s[%s]@%s: %s %s",
            letter.topic,
            letter.partition,
            letter.offset,
            letter.reason,
            letter.detail,
        )
        await dlq_topic.send(key=None, value=letter.model_dump_json().encode())

    async def dead_letter_event(event: faust.types.EventT[bytes], error: StageError) -> None:
        message = event.message
        await dead_letter(
            pipeline.dead_letter(
                event.value,
                error.reason,
                error.detail,
                topic=message.topic,
                partition=message.partition,
                offset=message.offset,
                key=event.key,
            )
        )

    async def read(event: faust.types.EventT[bytes], record: type[RecordT]) -> RecordT | None:
        """The record an internal topic's event carries, or None after dead-lettering it.

        Only this worker writes these topics, so an unreadable record is another program's
        (or another version's): kept on the DLQ with why, never dropped, never a crash.
        """
        try:
            return record.model_validate_json(event.value)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            detail = f"not a {record.__name__}: {where + ': ' if where else ''}{first['msg']}"
            message = event.message
            await dead_letter(
                pipeline.dead_letter(
                    event.value,
                    "unreadable record",
                    detail,
                    topic=message.topic,
                    partition=message.partition,
                    offset=message.offset,
                    key=event.key,
                )
            )
            return None

    @app.agent(raw_topic, concurrency=1)
    async def classify_articles(stream: faust.StreamT[bytes]) -> None:
        # take_events is on the concrete Stream (the StreamT protocol lacks it).
        batches = cast(faust.Stream[bytes], stream).take_events(
            worker.batch_size, within=worker.batch_within_s
        )
        async for events in batches:
            articles: list[Article] = []
            sources: list[faust.types.EventT[bytes]] = []
            for event in events:
                decoded = pipeline.decode(
                    event.value,
                    topic=event.message.topic,
                    partition=event.message.partition,
                    offset=event.message.offset,
                    key=event.key,
                )
                if isinstance(decoded, DeadLetter):
                    await dead_letter(decoded)
                else:
                    articles.append(decoded)
                    sources.append(event)
            if not articles:
                continue
            with metrics.classify_seconds.time():
                classified = await off_loop(pipeline.classify, articles)
            for event, item in zip(sources, classified, strict=True):
                if isinstance(item, StageError):
                    await dead_letter_event(event, item)
                    continue
                metrics.articles.labels("classified").inc()
                if item.classification.signals:
                    metrics.articles.labels("with_signals").inc()
                key = item.article.id.encode()
                await classified_topic.send(key=key, value=item.model_dump_json().encode())
                await publish_audit("classification", item.article.id, item.classification)

    @app.agent(classified_topic, concurrency=1)
    async def route_alerts(stream: faust.StreamT[bytes]) -> None:
        # Batched like classification: the event stage embeds a batch in one model call.
        batches = cast(faust.Stream[bytes], stream).take_events(
            worker.batch_size, within=worker.route_batch_within_s
        )
        async for events in batches:
            readable = [(e, item) for e in events if (item := await read(e, ClassifiedArticle))]
            items = [item for _, item in readable]
            routed = await off_loop(pipeline.route_many, items)
            for (event, item), result in zip(readable, routed, strict=True):
                if isinstance(result, StageError):
                    await dead_letter_event(event, result)
                    continue
                alerts, decisions = result
                for decision in decisions:
                    await publish_audit("routing", decision.alert_id, decision)
                for alert in alerts:
                    # Keyed by event: one partition per event keeps its reports in order,
                    # so the first report posts the Slack parent and later ones reply.
                    key = alert.event.event.event_id if alert.event else alert.alert_id
                    await outbound_topic.send(
                        key=key.encode(), value=alert.model_dump_json().encode()
                    )
                # Escalation reports also count towards their regions' surges.
                for region in pipeline.surge_regions(item):
                    await by_region_topic.send(
                        key=region.key.encode(), value=item.model_dump_json().encode()
                    )

    @app.agent(by_region_topic, concurrency=1)
    async def count_surges(stream: faust.StreamT[bytes]) -> None:
        # Inline, not in the executor: Faust writes a table change to the changelog
        # partition of the current event, which an executor thread does not see.
        async for event in stream.events():
            item = await read(event, ClassifiedArticle)
            if item is None:
                continue
            region_key = bytes(event.key).decode()
            for surge in surge_detector.observe(item, region_key=region_key):
                log.warning("surge %s: %s", surge.surge_id, surge.headline)
                await surges_topic.send(
                    key=surge.region_key.encode(), value=surge.model_dump_json().encode()
                )

    @app.agent(surges_topic, concurrency=1)
    async def deliver_surges(stream: faust.StreamT[bytes]) -> None:
        # Surges are rare (one per region and window): routed and sent here, in order.
        async for event in stream.events():
            surge = await read(event, SurgeAlert)
            if surge is None:
                continue
            notices, decisions = await off_loop(pipeline.route_surge, surge)
            for decision in decisions:
                await publish_audit("routing", decision.alert_id, decision)
            for notice in notices:
                result = await off_loop(pipeline.deliver, notice)
                await publish_audit("delivery", notice.alert_id, result)

    @app.agent(outbound_topic, concurrency=1)
    async def deliver_alerts(stream: faust.StreamT[bytes]) -> None:
        async for event in stream.events():
            alert = await read(event, Alert)
            if alert is None:
                continue
            result = await off_loop(pipeline.deliver, alert)
            message = event.message
            log.info(
                "delivery %s: %s (%s[%d]@%d)",
                result.delivery_key,
                result.status,
                message.topic,
                message.partition,
                message.offset,
            )
            await publish_audit("delivery", alert.alert_id, result)

    @app.timer(interval=worker.flush_interval_s, on_leader=True)  # type: ignore[untyped-decorator]
    async def flush_held_and_digest_alerts() -> None:
        # One worker (the leader) sends what quiet hours held and what digests collected.
        for result in await off_loop(pipeline.flush_due):
            await publish_audit("delivery", result.alert_id, result)

    @app.timer(interval=worker.outbox_interval_s, on_leader=True)  # type: ignore[untyped-decorator]
    async def retry_outbox() -> None:
        # One worker (the leader) retries the deliveries an outage left in the outbox.
        for result in await off_loop(pipeline.retry_outbox):
            await publish_audit("delivery", result.alert_id, result)

    @app.timer(interval=5.0)  # type: ignore[untyped-decorator]
    async def watch_for_stalled_partitions() -> None:
        # faust-streaming can leave a partition unread after a rebalance (faust_fixes).
        await faust_fixes.unstall(app.consumer, now=time.monotonic())

    @app.agent(dlq_topic, concurrency=1)
    async def record_dead_letters(stream: faust.StreamT[bytes]) -> None:
        async for value in stream:
            try:
                letter = DeadLetter.model_validate_json(value)
            except ValidationError as error:
                # Someone else wrote to our DLQ; keep the worker up and say so.
                log.error("unreadable record on %s: %s", names.dlq, error)
                continue
            await off_loop(pipeline.record_dead_letter, letter)
            await publish_audit("dead_letter", letter.reason, letter)

    if worker.metrics_port:

        @app.task  # type: ignore[untyped-decorator]
        async def serve_metrics() -> None:
            try:
                serve(
                    worker.metrics_port, metrics, pipeline.store.engine, settings.kafka.bootstrap
                )
            except OSError as error:  # a second worker on this host: the port is taken
                log.warning("metrics not served on port %d: %s", worker.metrics_port, error)

    return app
