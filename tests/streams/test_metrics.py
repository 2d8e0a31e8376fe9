"""/metrics and /health, served beside the worker (streams.metrics), without Kafka."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from alerts.outbox import Outbox
from audit.store import AuditStore
from flashpoint.records import DeliveryResult
from streams.metrics import WorkerMetrics, serve
from tests.conftest import free_port
from tests.support.records import NOW, make_alert


@pytest.fixture
def store(tmp_path: Path) -> Iterator[AuditStore]:
    with AuditStore.open(f"sqlite:///{tmp_path / 'audit.db'}") as opened:
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
