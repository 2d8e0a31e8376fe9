"""The worker's metrics and health, over HTTP: `/metrics` (Prometheus) and `/health`.

Served by a small threaded HTTP server beside the worker (`serve`), on
`FLASHPOINT_WORKER__METRICS_PORT` (0: off). Each worker process serves its own figures;
Prometheus sums them.

    flashpoint_articles_total{outcome}          classified, with_signals, dead_lettered
    flashpoint_dead_letters_total{reason}       the DLQ, by reason
    flashpoint_deliveries_total{channel,status} sent, retrying, failed, undeliverable,
                                                duplicate; channel is the kind (slack, ...)
    flashpoint_outbox_depth                     deliveries waiting in the outbox (at scrape)
    flashpoint_outbox_oldest_seconds            age of the oldest of them (at scrape)
    flashpoint_classify_seconds                 time to classify one batch (histogram)
    flashpoint_consumer_lag{topic}              records of the worker's input topics not
                                                yet committed by its consumer group (at
                                                scrape; the group's figure, so every worker
                                                reports the same: take the max, not the sum)

Lag counts from the group's committed offsets, which the worker commits every
`FLASHPOINT_WORKER__COMMIT_INTERVAL_S`: a few records processed but not yet committed
show as lag. When the broker does not answer a scrape, the lag is left out of it.

`/health` answers 200 when the database answers a query and a broker of the bootstrap
list accepts a TCP connection, else 503; the body says which failed.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Callable, Iterable
from contextlib import closing
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.errors import RetriableError
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine, text

from flashpoint.alerts.outbox import Outbox
from flashpoint.core.records import DeliveryResult

log = logging.getLogger(__name__)


class WorkerMetrics:
    """The counters the agents update, and the outbox figures read when scraped."""

    def __init__(
        self,
        outbox: Outbox | None,
        clock: Callable[[], datetime] | None = None,
        lag: Callable[[], dict[str, int]] | None = None,
    ) -> None:
        self.registry = CollectorRegistry()
        self.articles = Counter(
            "flashpoint_articles", "Articles by outcome", ["outcome"], registry=self.registry
        )
        self.dead_letters = Counter(
            "flashpoint_dead_letters", "Dead letters by reason", ["reason"], registry=self.registry
        )
        self.deliveries = Counter(
            "flashpoint_deliveries",
            "Delivery outcomes by channel kind and status",
            ["channel", "status"],
            registry=self.registry,
        )
        self.classify_seconds = Histogram(
            "flashpoint_classify_seconds",
            "Seconds to classify one batch",
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30),
            registry=self.registry,
        )
        if outbox is not None:
            self.registry.register(_OutboxCollector(outbox, clock or (lambda: datetime.now(UTC))))
        if lag is not None:
            self.registry.register(_LagCollector(lag))

    def delivery(self, result: DeliveryResult) -> None:
        self.deliveries.labels(result.channel.split(":", 1)[0], result.status).inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class _OutboxCollector(Collector):
    def __init__(self, outbox: Outbox, clock: Callable[[], datetime]) -> None:
        self._outbox = outbox
        self._clock = clock

    def collect(self) -> Iterable[Metric]:
        depth, oldest = self._outbox.depth(), self._outbox.oldest()
        age = (self._clock() - oldest).total_seconds() if oldest is not None else 0.0
        yield GaugeMetricFamily(
            "flashpoint_outbox_depth", "Deliveries waiting in the outbox", value=depth
        )
        yield GaugeMetricFamily(
            "flashpoint_outbox_oldest_seconds",
            "Age of the oldest delivery waiting in the outbox",
            value=max(age, 0.0),
        )


class _LagCollector(Collector):
    def __init__(self, lag: Callable[[], dict[str, int]]) -> None:
        self._lag = lag

    def collect(self) -> Iterable[Metric]:
        try:
            lags = self._lag()
        except (RetriableError, OSError) as error:  # /health tells more
            log.warning("consumer lag not measured: %s", error)
            return
        family = GaugeMetricFamily(
            "flashpoint_consumer_lag",
            "Records of the worker's input topics its group has not committed",
            labels=["topic"],
        )
        for topic, lag in sorted(lags.items()):
            family.add_metric([topic], lag)
        yield family


def consumer_lag(
    bootstrap: str, group: str, topics: Iterable[str], timeout_ms: int = 5_000
) -> dict[str, int]:
    """Per topic: the end offsets minus the group's committed offsets, over its partitions
    (a partition the group never committed counts from its beginning)."""
    with (
        closing(
            KafkaConsumer(bootstrap_servers=bootstrap, bootstrap_timeout_ms=timeout_ms)
        ) as consumer,
        closing(
            KafkaAdminClient(
                bootstrap_servers=bootstrap,
                bootstrap_timeout_ms=timeout_ms,
                request_timeout_ms=timeout_ms,
            )
        ) as admin,
    ):
        committed = admin.list_group_offsets(group).get(group, {})
        lags: dict[str, int] = {}
        for topic in topics:
            partitions = [
                TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())
            ]
            ends = consumer.end_offsets(partitions, timeout_ms) if partitions else {}
            begins = consumer.beginning_offsets(partitions, timeout_ms) if partitions else {}
            lags[topic] = sum(
                max(end - (committed[tp].offset if tp in committed else begins[tp]), 0)
                for tp, end in ends.items()
            )
        return lags


def health(engine: Engine, bootstrap: str, timeout_s: float = 2.0) -> dict[str, str]:
    """ "ok" or what failed, for the database and the broker."""
    report: dict[str, str] = {}
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        report["database"] = "ok"
    except Exception as error:  # any failure to answer is unhealthy; say which
        report["database"] = f"unreachable: {type(error).__name__}"
    report["broker"] = "unreachable: no broker of the bootstrap list accepted a connection"
    for server in bootstrap.split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            with socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout_s):
                report["broker"] = "ok"
                break
        except (OSError, ValueError):
            continue
    return report


def serve(
    port: int, metrics: WorkerMetrics, engine: Engine, bootstrap: str, host: str = "0.0.0.0"
) -> ThreadingHTTPServer:
    """Start serving /metrics and /health in a daemon thread; the server (to shut down)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
            if self.path == "/metrics":
                self._answer(200, "text/plain; version=0.0.4", metrics.exposition())
            elif self.path == "/health":
                report = health(engine, bootstrap)
                status = 200 if all(v == "ok" for v in report.values()) else 503
                self._answer(status, "application/json", json.dumps(report).encode())
            else:
                self._answer(404, "text/plain", b"not found\n")

        def _answer(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            log.debug("metrics: " + format, *args)

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    log.info("metrics and health on http://%s:%d/metrics, /health", host, server.server_port)
    return server
