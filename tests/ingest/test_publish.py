"""Ingest: valid lines to articles.raw keyed by id, invalid ones reported and dead-lettered."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaConsumer

from flashpoint.broker.local import LocalBroker, create_topics
from flashpoint.core.records import DeadLetter
from flashpoint.ingest.publish import StrictIngestError, ingest_lines, read_lines
from tests.conftest import topic_env

TEXT = "Rebel fighters shelled the army base overnight, and two soldiers were killed."
LINES = b"\n".join(
    [
        json.dumps({"id": "a1", "text": TEXT}).encode(),
        b"",
        b"{broken",
        json.dumps({"id": "a2", "title": "no text"}).encode(),
        json.dumps({"id": "a3", "text": TEXT}).encode(),
    ]
)


class RecordingProducer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes | None, bytes | None]] = []

    def send(self, topic: str, value: bytes | None = None, key: bytes | None = None) -> Any:
        self.sent.append((topic, key, value))
        return self

    def get(self, timeout: float | None = None) -> None:
        return None

    def flush(self, timeout: float | None = None) -> None:
        return None


def test_invalid_lines_are_reported_with_line_numbers_and_dead_lettered() -> None:
    producer = RecordingProducer()
    report = ingest_lines(
        read_lines(io.BytesIO(LINES)),
        producer,
        source="f.jsonl",
        raw_topic="raw",
        dlq_topic="dlq",
        max_text_chars=1000,
    )
    assert report.published == 2
    assert [(line.line, line.reason) for line in report.invalid] == [
        (3, "malformed JSON"),
        (4, "missing field: text"),
    ]
    raw = [(key, value) for topic, key, value in producer.sent if topic == "raw"]
    assert [key for key, _ in raw] == [b"a1", b"a3"]
    letters = [
        DeadLetter.model_validate_json(value or b"")
        for topic, _, value in producer.sent
        if topic == "dlq"
    ]
    assert [(letter.line, letter.reason, letter.topic) for letter in letters] == [
        (3, "malformed JSON", "f.jsonl"),
        (4, "missing field: text", "f.jsonl"),
    ]


def test_strict_refuses_everything_when_a_line_is_invalid() -> None:
    producer = RecordingProducer()
    with pytest.raises(StrictIngestError, match="2 invalid line"):
        ingest_lines(
            read_lines(io.BytesIO(LINES)),
            producer,
            source="f.jsonl",
            raw_topic="raw",
            dlq_topic="dlq",
            max_text_chars=1000,
            strict=True,
        )
    assert producer.sent == []


def test_ingest_command_publishes_to_the_real_broker(
    kafka_broker: LocalBroker, unique_prefix: str, tmp_path: Path
) -> None:
    env = {**topic_env(unique_prefix), "FLASHPOINT_KAFKA__BOOTSTRAP": kafka_broker.bootstrap}
    create_topics(
        kafka_broker.bootstrap, {env["FLASHPOINT_TOPICS__RAW"]: 2, env["FLASHPOINT_TOPICS__DLQ"]: 1}
    )
    source = tmp_path / "articles.jsonl"
    source.write_bytes(LINES)
    result = subprocess.run(
        [sys.executable, "-m", "flashpoint.cli", "ingest", str(source)],
        env={**env, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "line 3: malformed JSON" in result.stderr
    assert "published 2 article(s)" in result.stderr

    strict = subprocess.run(
        [sys.executable, "-m", "flashpoint.cli", "ingest", "--strict", str(source)],
        env={**env, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert strict.returncode == 1
    assert "nothing published" in strict.stderr

    consumer = KafkaConsumer(
        env["FLASHPOINT_TOPICS__RAW"],
        env["FLASHPOINT_TOPICS__DLQ"],
        bootstrap_servers=kafka_broker.bootstrap,
        auto_offset_reset="earliest",
        consumer_timeout_ms=5000,
        group_id=None,
    )
    records = list(consumer)
    consumer.close()
    by_topic: dict[str, list[Any]] = {}
    for record in records:
        by_topic.setdefault(record.topic, []).append(record)
    assert sorted(r.key for r in by_topic[env["FLASHPOINT_TOPICS__RAW"]]) == [b"a1", b"a3"]
    assert len(by_topic[env["FLASHPOINT_TOPICS__DLQ"]]) == 2
