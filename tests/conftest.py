"""Shared fixtures: a real Kafka broker for the session, and helpers to run the worker.

The broker is Apache Kafka 4.3.1 from Maven Central, started with `java` on free
loopback ports in a temporary directory. If it cannot start, the tests that
need it fail with the broker's log: they never skip.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from broker.local import LocalBroker, install_jars

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"
FAKES = SHARED / "data" / "fakes" / "articles.jsonl"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBroker]:
    lib_dir = REPO_ROOT / ".kafka" / "lib"
    install_jars(lib_dir)
    broker = LocalBroker(
        lib_dir=lib_dir,
        run_dir=tmp_path_factory.mktemp("kafka"),
        port=free_port(),
        controller_port=free_port(),
        heap="512m",
    )
    broker.start(timeout_s=90)
    yield broker
    broker.stop()


@pytest.fixture
def unique_prefix() -> str:
    """Topic and consumer-group names no other test shares."""
    return "t" + uuid.uuid4().hex[:10]


def topic_env(prefix: str) -> dict[str, str]:
    """Environment that gives a worker its own topics and consumer group."""
    return {
        "FLASHPOINT_TOPICS__RAW": f"{prefix}.articles.raw",
        "FLASHPOINT_TOPICS__DLQ": f"{prefix}.articles.dlq",
        "FLASHPOINT_TOPICS__CLASSIFIED": f"{prefix}.articles.classified",
        "FLASHPOINT_TOPICS__OUTBOUND": f"{prefix}.alerts.outbound",
        "FLASHPOINT_TOPICS__AUDIT": f"{prefix}.alerts.audit",
        "FLASHPOINT_TOPICS__BY_REGION": f"{prefix}.articles.by_region",
        "FLASHPOINT_TOPICS__SURGES": f"{prefix}.alerts.surges",
        "FLASHPOINT_WORKER__APP_ID": f"flashpoint-{prefix}",
    }
