"""A whole stack per test: real broker (session), local Slack API, aiosmtpd, a database
(SQLite and PostgreSQL: each test runs on both), worker."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from kafka import KafkaProducer

from flashpoint.audit.store import AuditStore
from flashpoint.broker.local import LocalBroker, create_topics
from tests.conftest import topic_env
from tests.support.slack_server import DEFAULT_TOKEN, SlackServer
from tests.support.smtp_server import SmtpSink
from tests.support.worker import WorkerProcess

SUBSCRIPTIONS = """
desks:
  - id: sudan
    name: Sudan desk
    subscriptions:
      - id: sudan-all
        regions: [{country: SD}]
        min_severity: 1
        channels:
          slack: ["#sudan-desk"]
          email: [sudan-desk@example.org]
  - id: ukraine
    name: Ukraine desk
    subscriptions:
      - id: ukraine-all
        regions: [{country: UA}]
        channels:
          slack: ["#ukraine-desk"]
          email: [ukraine-desk@example.org]
"""

KADUGLI = (
    "Five soldiers were killed and a dozen wounded when their patrol struck a roadside bomb "
    "near Kadugli on Tuesday, the army said. Hours later the paramilitary forces shelled "
    "residential districts of the town, which they had besieged since March, despite a truce "
    "brokered last month."
)


@dataclass
class Stack:
    env: dict[str, str]
    topics: dict[str, str]
    broker: LocalBroker
    slack: SlackServer
    smtp: SmtpSink
    worker: WorkerProcess
    database_url: str

    def publish(self, key: bytes | None, value: bytes) -> None:
        producer = KafkaProducer(
            bootstrap_servers=self.broker.bootstrap,
            acks="all",
            max_request_size=8 * 1024 * 1024,
        )
        producer.send(self.topics["raw"], key=key, value=value).get(timeout=30)
        producer.close()

    def publish_article(self, article_id: str, text: str, **fields: str) -> None:
        document = {"id": article_id, "text": text, **fields}
        self.publish(article_id.encode(), json.dumps(document).encode())

    def store(self) -> AuditStore:
        return AuditStore.open(self.database_url)


@pytest.fixture
def stack(
    request: pytest.FixtureRequest,
    kafka_broker: LocalBroker,
    unique_prefix: str,
    tmp_path: Path,
    database_url: str,
) -> Iterator[Stack]:
    marker = request.node.get_closest_marker("partitions")
    partitions = marker.args[0] if marker else 2
    subscriptions = tmp_path / "subscriptions.yaml"
    subscriptions.write_text(SUBSCRIPTIONS)
    with SlackServer() as slack, SmtpSink() as smtp:
        env = {
            **topic_env(unique_prefix),
            "FLASHPOINT_KAFKA__BOOTSTRAP": kafka_broker.bootstrap,
            "FLASHPOINT_DATABASE_URL": database_url,
            "FLASHPOINT_SUBSCRIPTIONS_PATH": str(subscriptions),
            "FLASHPOINT_WORKER__DATA_DIR": str(tmp_path / "worker"),
            "FLASHPOINT_WORKER__RETRY_BASE_S": "0.05",
            # A killed worker's partitions move on after 10 s, not 30 (the crash test).
            "FLASHPOINT_WORKER__SESSION_TIMEOUT_S": "10",
            "FLASHPOINT_SLACK__TOKEN": DEFAULT_TOKEN,
            "FLASHPOINT_SLACK__BASE_URL": slack.base_url,
            # The real pace (one message a second per channel) is tested in tests/alerts.
            "FLASHPOINT_SLACK__MIN_INTERVAL_S": "0.1",
            "FLASHPOINT_SMTP__HOST": smtp.host,
            "FLASHPOINT_SMTP__PORT": str(smtp.port),
            "FLASHPOINT_SMTP__STARTTLS": "false",
            "FLASHPOINT_SMTP__SENDER": "alerts@flashpoint.test",
        }
        topics = {
            name: env[f"FLASHPOINT_TOPICS__{name.upper()}"]
            for name in ("raw", "dlq", "classified", "outbound", "audit", "by_region", "surges")
        }
        # Every topic exists before the worker starts (a test may write to one first), with
        # the partition count the worker's surge tables are told to match (2, or the
        # test's `@pytest.mark.partitions(n)`).
        env["FLASHPOINT_TOPICS__PARTITIONS"] = str(partitions)
        create_topics(kafka_broker.bootstrap, {topic: partitions for topic in topics.values()})
        worker = WorkerProcess(env, tmp_path / "worker.log")
        try:
            yield Stack(env, topics, kafka_broker, slack, smtp, worker, database_url)
        finally:
            worker.stop()
