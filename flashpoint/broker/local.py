"""A real single-node Apache Kafka 4.3.1 broker (KRaft, combined mode) on loopback.

The jars come from Maven Central through `broker/pom.xml` (`install_jars`); the
broker runs as a plain `java` process with its own run directory holding
`server.properties`, the KRaft data, `kafka.log` and `kafka.pid`. Readiness is a
real metadata request from kafka-python, never a sleep.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from flashpoint.core.errors import BrokerError

POM = Path(__file__).resolve().parent / "pom.xml"
KAFKA_MAIN_JAR = "kafka_2.13-4.3.1.jar"
MAX_MESSAGE_BYTES = 10 * 1024 * 1024

LOG4J2_CONFIG = """\
<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="WARN">
  <Appenders>
    <Console name="stdout" target="SYSTEM_OUT">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
    </Console>
  </Appenders>
  <Loggers>
    <Root level="INFO"><AppenderRef ref="stdout"/></Root>
    <Logger name="kafka.request.logger" level="WARN"/>
    <Logger name="org.apache.kafka.raft" level="WARN"/>
    <Logger name="kafka.log" level="WARN"/>
  </Loggers>
</Configuration>
"""


def install_jars(lib_dir: Path) -> None:
    """Resolve Kafka and its logging binding from Maven Central into `lib_dir`."""
    if (lib_dir / KAFKA_MAIN_JAR).exists():
        return
    mvn = shutil.which("mvn")
    if mvn is None:
        raise BrokerError("Maven (mvn) is not installed; it is needed once to fetch Kafka's jars")
    lib_dir.mkdir(parents=True, exist_ok=True)
    command = [
        mvn,
        "-B",
        "-q",
        "-f",
        str(POM),
        "dependency:copy-dependencies",
        f"-DoutputDirectory={lib_dir}",
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0 or not (lib_dir / KAFKA_MAIN_JAR).exists():
        raise BrokerError(f"mvn could not fetch Kafka's jars:\n{result.stdout}{result.stderr}")


@dataclass
class LocalBroker:
    """One broker process. `run_dir` holds everything it writes; `lib_dir` the jars."""

    lib_dir: Path
    run_dir: Path
    port: int = 9092
    controller_port: int = 9093
    heap: str = "768m"

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def log_file(self) -> Path:
        return self.run_dir / "kafka.log"

    @property
    def pid_file(self) -> Path:
        return self.run_dir / "kafka.pid"

    def _java(self, *args: str) -> list[str]:
        java = shutil.which("java")
        if java is None:
            raise BrokerError("java is not installed; Kafka needs a Java 17+ runtime")
        return [
            java,
            f"-Xmx{self.heap}",
            f"-Xms{self.heap}",
            f"-Dlog4j2.configurationFile={self.run_dir / 'log4j2.xml'}",
            f"-Dkafka.logs.dir={self.run_dir / 'logs'}",
            "-cp",
            f"{self.lib_dir}/*",
            *args,
        ]

    def _write_config(self) -> Path:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        (self.run_dir / "log4j2.xml").write_text(LOG4J2_CONFIG)
        path = self.run_dir / "server.properties"
        path.write_text("".join(f"{key}={value}\n" for key, value in self.properties().items()))
        return path

    def properties(self) -> dict[str, str]:
        """The broker's server.properties (docker-compose.yml's broker must agree)."""
        return {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@127.0.0.1:{self.controller_port}",
            "listeners": (
                f"PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}"
            ),
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "log.dirs": str(self.run_dir / "data"),
            "num.partitions": "1",
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "1",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            "default.replication.factor": "1",
            "min.insync.replicas": "1",
            "group.initial.rebalance.delay.ms": "0",
            # Oversized articles must reach the worker so it can dead-letter them with a reason.
            "message.max.bytes": str(MAX_MESSAGE_BYTES),
            "replica.fetch.max.bytes": str(MAX_MESSAGE_BYTES),
            # Faust declares its own internal topics; ours are created explicitly.
            "auto.create.topics.enable": "true",
        }

    def _format_storage(self, config: Path) -> None:
        if (self.run_dir / "data" / "meta.properties").exists():
            return
        uuid = (
            subprocess.run(
                self._java("kafka.tools.StorageTool", "random-uuid"),
                capture_output=True,
                text=True,
                check=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        result = subprocess.run(
            self._java("kafka.tools.StorageTool", "format", "-t", uuid, "-c", str(config)),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise BrokerError(f"formatting Kafka storage failed:\n{result.stdout}{result.stderr}")

    def pid(self) -> int | None:
        """The broker's pid if its process is alive."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        return pid

    def is_ready(self, timeout_s: float = 2.0) -> bool:
        """True when the broker answers a real metadata request."""
        try:
            admin = KafkaAdminClient(
                bootstrap_servers=self.bootstrap,
                request_timeout_ms=int(timeout_s * 1000),
                client_id="flashpoint-readiness",
            )
        except KafkaError:
            return False
        try:
            admin.list_topics()
            return True
        except KafkaError:
            return False
        finally:
            admin.close()

    def start(self, timeout_s: float = 60.0) -> None:
        """Start the broker (a no-op if it already runs) and wait until it answers."""
        install_jars(self.lib_dir)
        if self.pid() is not None and self.is_ready():
            return
        config = self._write_config()
        self._format_storage(config)
        log = self.log_file.open("ab")
        process = subprocess.Popen(
            self._java("kafka.Kafka", str(config)),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # outlives the CLI that started it
        )
        log.close()
        self.pid_file.write_text(str(process.pid))
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise BrokerError(
                    f"Kafka exited with code {process.returncode} while starting; "
                    f"see {self.log_file}"
                )
            if self.is_ready():
                return
            time.sleep(0.5)
        self.stop()
        raise BrokerError(f"Kafka did not answer within {timeout_s:.0f} s; see {self.log_file}")

    def stop(self, timeout_s: float = 30.0) -> None:
        """SIGTERM the broker and wait for it to exit (SIGKILL after `timeout_s`)."""
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not _alive(pid):
                break
            time.sleep(0.2)
        else:
            os.kill(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    """Whether `pid` still runs; reaps it when it is our own child."""
    try:
        finished, _ = os.waitpid(pid, os.WNOHANG)
        if finished == pid:
            return False
    except ChildProcessError:
        pass  # not our child: fall back to a signal-0 probe
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def create_topics(bootstrap: str, partitions_by_topic: dict[str, int]) -> list[str]:
    """Create the pipeline's topics with their partition counts; return the ones created."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="flashpoint-topics")
    try:
        existing = set(admin.list_topics())
        missing = [
            NewTopic(
                name=name,
                num_partitions=count,
                replication_factor=1,
                topic_configs={"max.message.bytes": str(MAX_MESSAGE_BYTES)},
            )
            for name, count in partitions_by_topic.items()
            if name not in existing
        ]
        if missing:
            # Another process may create the same topic at the same moment; that is fine.
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics(missing, raise_errors=True)
        return [topic.name for topic in missing]
    finally:
        admin.close()


def broker_from_settings(
    kafka_home: Path, bootstrap: str, controller_port: int, heap: str
) -> LocalBroker:
    """The local broker described by settings (host must be loopback)."""
    host, _, port = bootstrap.rpartition(":")
    if host not in {"127.0.0.1", "localhost"}:
        raise BrokerError(f"the local broker runs on loopback only, not {bootstrap}")
    return LocalBroker(
        lib_dir=kafka_home / "lib",
        run_dir=kafka_home / "run",
        port=int(port),
        controller_port=controller_port,
        heap=heap,
    )
