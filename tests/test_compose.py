"""docker-compose.yml runs the same program with the same settings as the local run.

Docker cannot run on the project's machines, so the compose file is checked here instead:
its worker is the `pip install .` of the Dockerfile started as `flashpoint worker`, every
FLASHPOINT_* variable it sets is a setting the program knows (pydantic-settings would
silently ignore a misspelt one), the topics and consumer group are the local run's, and
its broker is the version and configuration that `flashpoint.broker.local` runs.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from flashpoint.broker.local import LocalBroker
from flashpoint.core.settings import ENV_PREFIX, Settings, unknown_variables
from tests.conftest import REPO_ROOT

COMPOSE = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
WORKER = COMPOSE["services"]["worker"]
KAFKA = COMPOSE["services"]["kafka"]
# Where a container and loopback must differ: host names, ports, paths.
PER_HOST = {
    "node.id",
    "listeners",
    "advertised.listeners",
    "controller.quorum.voters",
    "log.dirs",
}


def resolved(value: str) -> str:
    """A compose value with ``${NAME:-default}`` taken as its default (unset in the test)."""
    return re.sub(r"\$\{[A-Z0-9_]+:-([^}]*)\}", r"\1", str(value))


def test_the_compose_worker_is_the_installed_program() -> None:
    assert WORKER["build"] == "."
    assert WORKER["command"] == ["flashpoint", "worker"]
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    assert re.search(r"^RUN pip install --no-cache-dir \.$", dockerfile, flags=re.M)
    pyproject = (REPO_ROOT / "pyproject.toml").read_text()
    assert 'flashpoint = "flashpoint.cli:main"' in pyproject


def test_every_compose_variable_is_a_known_setting() -> None:
    names = [name for name in WORKER["environment"] if name.startswith(ENV_PREFIX)]
    assert names
    assert unknown_variables(dict.fromkeys(names, "")) == []


def test_compose_and_the_local_run_share_topics_group_and_pipeline_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    local = Settings()
    for name, value in WORKER["environment"].items():
        monkeypatch.setenv(name, resolved(value))
    compose = Settings()
    assert compose.topics == local.topics
    assert compose.worker.app_id == local.worker.app_id
    # Only where things live differs: the broker's address, the database, the state folder.
    differs = {
        name
        for name in type(local).model_fields
        if getattr(compose, name) != getattr(local, name)
    }
    assert differs <= {"kafka", "database_url", "worker", "subscriptions_path"}
    assert compose.kafka.model_copy(update={"bootstrap": local.kafka.bootstrap}) == local.kafka
    assert compose.worker.model_copy(update={"data_dir": local.worker.data_dir}) == local.worker
    assert compose.subscriptions_path.name == local.subscriptions_path.name


def test_the_compose_broker_is_the_local_brokers_version_and_configuration(
    tmp_path: Path,
) -> None:
    pom = (REPO_ROOT / "flashpoint" / "broker" / "pom.xml").read_text()
    version = re.search(r"<kafka.version>([^<]+)</kafka.version>", pom)
    assert version is not None
    assert KAFKA["image"] == f"apache/kafka:{version[1]}"
    compose = {
        name.removeprefix("KAFKA_").lower().replace("_", "."): str(value)
        for name, value in KAFKA["environment"].items()
    }
    local = LocalBroker(lib_dir=tmp_path, run_dir=tmp_path).properties()
    shared = set(compose) & set(local) - PER_HOST
    # What the compose broker sets, the local one sets the same (its image's defaults
    # cover the rest: automatic topic creation, one partition, replication factor 1).
    assert set(compose) - set(local) - PER_HOST == set()
    assert {key: compose[key] for key in shared} == {key: local[key] for key in shared}
