"""The faust-streaming worker: topics, and agents that only wire pipeline stages to them.

    articles.raw ──decode/classify──► articles.classified ──route──► alerts.outbound ──deliver
         │ bad input                                                                    │
         ▼                                                                              ▼
    articles.dlq ──record──► audit DB                                   alerts.audit (change feed)

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
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar, cast

import faust
from pydantic import BaseModel, ValidationError

from flashpoint.records import Alert, Article, ClassifiedArticle, DeadLetter
from flashpoint.settings import Settings
from streams.pipeline import Pipeline

log = logging.getLogger("flashpoint.worker")

AuditKind = Literal["classification", "routing", "delivery", "dead_letter"]
T = TypeVar("T")


class AuditEvent(BaseModel):
    """What `alerts.audit` carries: every record the audit store keeps, as a change feed."""

    kind: AuditKind
    at: datetime
    record: dict[str, Any]


def create_app(settings: Settings, pipeline: Pipeline) -> faust.App:
    """A Faust app with the pipeline's agents wired to the configured topics."""
    worker = settings.worker
    app = faust.App(
        worker.app_id,
        broker=f"kafka://{settings.kafka.bootstrap}",
        processing_guarantee="at_least_once",
        broker_commit_interval=worker.commit_interval_s,
        broker_commit_every=10_000,
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
    names = settings.topics

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

    async def off_loop(function: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(None, function, *args)

    async def publish_audit(kind: AuditKind, key: str, record: BaseModel) -> None:
        event = AuditEvent(kind=kind, at=datetime.now(UTC), record=record.model_dump(mode="json"))
        await audit_topic.send(key=key.encode(), value=event.model_dump_json().encode())

    async def dead_letter(letter: DeadLetter) -> None:
        log.warning(
            "dead-lettered %s[%s]@%s: %s %s",
            letter.topic,
            letter.partition,
            letter.offset,
            letter.reason,
            letter.detail,
        )
        await dlq_topic.send(key=None, value=letter.model_dump_json().encode())

    @app.agent(raw_topic, concurrency=1)
    async def classify_articles(stream: faust.StreamT[bytes]) -> None:
        # take_events is on the concrete Stream (the StreamT protocol lacks it).
        batches = cast(faust.Stream[bytes], stream).take_events(
            worker.batch_size, within=worker.batch_within_s
        )
        async for events in batches:
            articles: list[Article] = []
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
            if not articles:
                continue
            for item in await off_loop(pipeline.classify, articles):
                key = item.article.id.encode()
                await classified_topic.send(key=key, value=item.model_dump_json().encode())
                await publish_audit("classification", item.article.id, item.classification)

    @app.agent(classified_topic, concurrency=1)
    async def route_alerts(stream: faust.StreamT[bytes]) -> None:
        async for value in stream:
            item = ClassifiedArticle.model_validate_json(value)
            alerts, decisions = await off_loop(pipeline.route, item)
            for decision in decisions:
                await publish_audit("routing", decision.alert_id, decision)
            for alert in alerts:
                await outbound_topic.send(
                    key=alert.alert_id.encode(), value=alert.model_dump_json().encode()
                )

    @app.agent(outbound_topic, concurrency=1)
    async def deliver_alerts(stream: faust.StreamT[bytes]) -> None:
        async for value in stream:
            alert = Alert.model_validate_json(value)
            result = await off_loop(pipeline.deliver, alert)
            await publish_audit("delivery", alert.alert_id, result)

    @app.timer(interval=worker.flush_interval_s, on_leader=True)  # type: ignore[untyped-decorator]
    async def flush_held_and_digest_alerts() -> None:
        # One worker (the leader) sends what quiet hours held and what digests collected.
        for result in await off_loop(pipeline.flush_due):
            await publish_audit("delivery", result.alert_id, result)

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

    return app
