"""Shared fixtures: a real Kafka broker for the session, and helpers to run the worker.

The broker is Apache Kafka 4.3.1 from Maven Central, started with `java` on free
loopback ports in a temporary directory. If it cannot start, the tests that
need it fail with the broker's log: they never skip.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from flashpoint.broker.local import LocalBroker, install_jars
from tests.support.postgres import PostgresServer, start_postgres
from tests.support.wheel import install_wheel

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


@pytest.fixture(scope="session")
def installed_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding this checkout's wheel, installed (`tests.support.wheel`)."""
    return install_wheel(REPO_ROOT, tmp_path_factory.mktemp("wheel"))


@pytest.fixture(scope="session")
def postgres_server() -> PostgresServer:
    """The machine's PostgreSQL, started if it is down (tests/support/postgres.py)."""
    return start_postgres()


@pytest.fixture(params=["sqlite", "postgresql"])
def new_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """Makes empty databases for one test, on each store the product supports: SQLite files
    in folders that do not exist yet, or new databases on the PostgreSQL server."""
    made: list[str] = []
    server: PostgresServer | None = None
    if request.param == "postgresql":
        server = request.getfixturevalue("postgres_server")

    def make() -> str:
        if server is None:
            url = f"sqlite:///{tmp_path / f'db{len(made)}' / 'audit.db'}"
        else:
            url = server.create_database()
        made.append(url)
        return url

    yield make
    if server is not None:
        for url in made:
            server.drop_database(url)


@pytest.fixture
def database_url(new_database: Callable[[], str]) -> str:
    """An empty database for one test, on SQLite and on PostgreSQL (`new_database`)."""
    return new_database()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite file, for what only SQLite has (WAL, its locks, PRAGMAs)."""
    return f"sqlite:///{tmp_path / 'db' / 'audit.db'}"


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
