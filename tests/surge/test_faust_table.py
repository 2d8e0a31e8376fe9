"""`FaustBucketStore` on a real broker: counts and last alerts survive worker restarts.

A worker (`tests.surge.faust_worker`) keeps the detector's state in a Faust tumbling
table and a plain table, both in memory and backed by their changelog topics. Each
restart starts from empty memory, so whatever the detector remembers afterwards came
back from the changelog.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from kafka import KafkaConsumer, KafkaProducer

from flashpoint.broker.local import LocalBroker, create_topics
from flashpoint.core.records import ClassifiedArticle
from flashpoint.surge.models import SurgeAlert
from tests.support.worker import wait_for
from tests.surge.builders import report

REPO_ROOT = Path(__file__).resolve().parents[2]


class Worker:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.surge.faust_worker"],
                cwd=REPO_ROOT,
                env={**os.environ, **self.env},
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=30)

    def assert_alive(self) -> None:
        assert self.process is not None
        if self.process.poll() is not None:
            tail = self.log.read_text(errors="replace")[-6000:]
            raise AssertionError(f"worker exited with {self.process.returncode}:\n{tail}")


class Output:
    """Everything the worker wrote to its output topic, read as it arrives."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.consumer = KafkaConsumer(
            topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest"
        )
        self.alerts: list[SurgeAlert] = []
        self.observed: list[tuple[str, str]] = []

    def poll(self) -> None:
        for records in self.consumer.poll(timeout_ms=200).values():
            for record in records:
                if record.key == b"alert":
                    self.alerts.append(SurgeAlert.model_validate_json(record.value))
                else:
                    seen = json.loads(record.value)
                    self.observed.append((seen["article"], seen["region"]))

    def wait_observed(self, article_id: str, worker: Worker, times: int = 1) -> None:
        """Until the worker has observed `article_id` `times` times (alerts come before)."""

        def probe() -> bool:
            worker.assert_alive()
            self.poll()
            return [article for article, _ in self.observed].count(article_id) >= times

        wait_for(probe, timeout=90, what=f"the worker to observe {article_id} x{times}")


@pytest.fixture
def surge_env(kafka_broker: LocalBroker, unique_prefix: str, tmp_path: Path) -> dict[str, str]:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    env = {
        "SURGE_TEST_APP_ID": f"surge-{unique_prefix}",
        "SURGE_TEST_BOOTSTRAP": kafka_broker.bootstrap,
        "SURGE_TEST_REGIONS": f"{unique_prefix}.surge.regions",
        "SURGE_TEST_OUT": f"{unique_prefix}.surge.out",
        "SURGE_TEST_DATADIR": str(tmp_path / "worker"),
        "SURGE_TEST_NOW": now.isoformat(),
    }
    create_topics(kafka_broker.bootstrap, {env["SURGE_TEST_REGIONS"]: 2, env["SURGE_TEST_OUT"]: 1})
    return env


@pytest.fixture
def worker(surge_env: dict[str, str], tmp_path: Path) -> Iterator[Worker]:
    process = Worker(surge_env, tmp_path / "worker.log")
    try:
        yield process
    finally:
        process.stop()


def publish(bootstrap: str, topic: str, items: list[ClassifiedArticle]) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    for item in items:
        producer.send(topic, key=b"SD-KS", value=item.model_dump_json().encode())
    producer.flush(timeout=30)
    producer.close()


def test_counts_and_the_last_alert_survive_restarts(
    surge_env: dict[str, str], worker: Worker
) -> None:
    now = datetime.fromisoformat(surge_env["SURGE_TEST_NOW"])
    window_start = now.replace(minute=0) + timedelta(hours=1) - timedelta(days=1)
    quiet = [  # one report a day in the 7 days before the window: daily mean 1
        report(f"base-{day}", window_start - timedelta(days=day) + timedelta(minutes=30))
        for day in range(1, 8)
    ]
    burst = [report(f"b-{n}", now - timedelta(minutes=30 - n)) for n in range(8)]
    bootstrap, topic = surge_env["SURGE_TEST_BOOTSTRAP"], surge_env["SURGE_TEST_REGIONS"]
    output = Output(bootstrap, surge_env["SURGE_TEST_OUT"])

    worker.start()
    publish(bootstrap, topic, [*quiet, *burst[:4]])  # in order: one key, one partition
    output.wait_observed("b-3", worker)
    worker.stop()
    assert output.alerts == []

    # A fresh worker: only the changelog knows the baseline and the first four reports.
    worker.start()
    publish(bootstrap, topic, [burst[4]])
    output.wait_observed("b-4", worker)
    assert output.alerts, "no surge after the fifth report"
    alert = output.alerts[0]
    assert (alert.region_key, alert.count, alert.baseline_daily_mean) == ("SD-KS", 5, 1.0)
    # At least once: a rebalance can hand b-4 to the worker again before its offset is
    # committed; the replay returns the same surge (same surge_id, which the delivery ledger
    # refuses; tests/surge/test_notices.py). What must never come is a different surge.
    assert all(raised == alert for raised in output.alerts)
    worker.stop()

    # Another fresh worker: replays and more reports in the same window raise nothing.
    worker.start()
    publish(bootstrap, topic, [burst[0], *burst[5:]])
    output.wait_observed("b-7", worker)
    # The producer may reorder its sends under load (a retried batch): wait for the replay
    # of b-0 itself, not only for the last report.
    output.wait_observed("b-0", worker, times=2)
    # The same at least once: this worker may replay b-4 (if the last one stopped before
    # committing it) and send the same surge again; no new surge for the later reports.
    assert all(raised == alert for raised in output.alerts)
    assert [article for article, _ in output.observed].count("b-0") >= 2  # the replay
