"""/metrics and /health, served beside the worker (streams.metrics); the lag on a real broker."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import timedelta

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.structs import OffsetAndMetadata

from flashpoint.alerts.outbox import Outbox
from flashpoint.audit.store import AuditStore
from flashpoint.broker.local import LocalBroker, create_topics
from flashpoint.core.records import DeliveryResult
from streams.metrics import WorkerMetrics, consumer_lag, serve
from tests.conftest import free_port
from tests.support.records import NOW, make_alert


@pytest.fixture
def store(database_url: str) -> Iterator[AuditStore]:
    with AuditStore.open(database_url) as opened:
        yield opened


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_metrics_count_outcomes_and_read_the_outbox_when_scraped(store: AuditStore) -> None:
    outbox = Outbox(store.engine)
    metrics = WorkerMetrics(outbox, clock=lambda: NOW + timedelta(seconds=90))
    metrics.articles.labels("classified").inc(3)
    metrics.dead_letters.labels("malformed JSON").inc()
    metrics.delivery(
        DeliveryResult(
            delivery_key="k",
            alert_id="a",
            desk_id="d",
            subscription_id="s",
            channel="slack:#sudan-desk",
            status="retrying",
            at=NOW,
        )
    )
    outbox.defer(make_alert(), error="HTTP 503", attempts=5, now=NOW, next_at=NOW)
    server = serve(0, metrics, store.engine, f"127.0.0.1:{free_port()}", host="127.0.0.1")
    try:
        status, body = get(f"http://127.0.0.1:{server.server_port}/metrics")
    finally:
        server.shutdown()
    assert status == 200
    assert 'flashpoint_articles_total{outcome="classified"} 3.0' in body
    assert 'flashpoint_dead_letters_total{reason="malformed JSON"} 1.0' in body
    assert 'flashpoint_deliveries_total{channel="slack",status="retrying"} 1.0' in body
    assert "flashpoint_outbox_depth 1.0" in body
    assert "flashpoint_outbox_oldest_seconds 90.0" in body


def test_health_fails_when_the_broker_is_unreachable(store: AuditStore) -> None:
    metrics = WorkerMetrics(Outbox(store.engine))
    closed_port = free_port()  # nothing listens there
    server = serve(0, metrics, store.engine, f"127.0.0.1:{closed_port}", host="127.0.0.1")
    try:
        status, body = get(f"http://127.0.0.1:{server.server_port}/health")
    finally:
        server.shutdown()
    assert status == 503
    report = json.loads(body)
    assert report["database"] == "ok"
    assert report["broker"].startswith("unreachable")


def test_consumer_lag_is_what_the_group_has_not_committed(
    kafka_broker: LocalBroker, unique_prefix: str
) -> None:
    read, unread, group = f"{unique_prefix}.read", f"{unique_prefix}.unread", unique_prefix
    create_topics(kafka_broker.bootstrap, {read: 2, unread: 1})
    producer = KafkaProducer(bootstrap_servers=kafka_broker.bootstrap, acks="all")
    for n in range(5):
        producer.send(read, value=b"x", partition=n % 2)  # 3 on partition 0, 2 on 1
        producer.send(unread, value=b"y")
    producer.flush()
    producer.close()
    consumer = KafkaConsumer(
        bootstrap_servers=kafka_broker.bootstrap, group_id=group, enable_auto_commit=False
    )
    consumer.commit({TopicPartition(read, 0): OffsetAndMetadata(2, "", -1)})
    consumer.close()

    lags = consumer_lag(kafka_broker.bootstrap, group, [read, unread])

    assert lags == {read: 1 + 2, unread: 5}  # partition 1 of `read` was never committed
    metrics = WorkerMetrics(None, lag=lambda: lags)
    exposition = metrics.exposition().decode()
    assert f'flashpoint_consumer_lag{{topic="{read}"}} 3.0' in exposition


def test_a_broker_that_does_not_answer_leaves_the_lag_out() -> None:
    closed = f"127.0.0.1:{free_port()}"
    metrics = WorkerMetrics(None, lag=lambda: consumer_lag(closed, "g", ["t"], timeout_ms=500))
    assert "flashpoint_consumer_lag" not in metrics.exposition().decode()
