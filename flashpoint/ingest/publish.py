"""Ingest stage: JSON Lines articles → `articles.raw`, keyed by article id (kafka-python).

Each line is validated with the same `decode_article` the worker uses, so a
person learns at once which line is wrong and why. A line that is not a valid
article is reported with its line number, counted, and published to the
dead-letter topic with its reason (nothing is lost); `strict=True` instead
refuses the whole input before publishing anything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, BinaryIO, Protocol

from flashpoint.core.errors import InvalidArticle
from flashpoint.core.records import DeadLetter
from flashpoint.ingest.decode import decode_article

PAYLOAD_PREVIEW_CHARS = 2_000


class Producer(Protocol):
    """The part of kafka-python's KafkaProducer that ingest uses."""

    def send(self, topic: str, value: bytes | None = None, key: bytes | None = None) -> Any: ...

    def flush(self, timeout: float | None = None) -> None: ...


@dataclass(frozen=True)
class InvalidLine:
    line: int
    reason: str
    detail: str


@dataclass
class IngestReport:
    published: int = 0
    invalid: list[InvalidLine] = field(default_factory=list)


class StrictIngestError(Exception):
    """Raised by strict ingest: the input holds invalid lines; nothing was published."""

    def __init__(self, invalid: list[InvalidLine]) -> None:
        first = invalid[0]
        super().__init__(
            f"{len(invalid)} invalid line(s); first: line {first.line}: {first.reason}"
            + (f" ({first.detail})" if first.detail else "")
        )
        self.invalid = invalid


def read_lines(stream: BinaryIO) -> Iterator[tuple[int, bytes]]:
    """Yield (line number, bytes) for every non-blank line."""
    for number, line in enumerate(stream, start=1):
        stripped = line.strip()
        if stripped:
            yield number, stripped


def dead_letter_for_line(
    source: str, number: int, line: bytes, error: InvalidArticle
) -> DeadLetter:
    return DeadLetter(
        reason=error.reason,
        detail=error.detail,
        topic=source,
        line=number,
        payload=line[:PAYLOAD_PREVIEW_CHARS].decode("utf-8", errors="replace"),
        payload_bytes=len(line),
        at=datetime.now(UTC),
    )


def ingest_lines(
    lines: Iterable[tuple[int, bytes]],
    producer: Producer,
    *,
    source: str,
    raw_topic: str,
    dlq_topic: str,
    max_text_chars: int,
    strict: bool = False,
    on_line: Callable[[int], None] | None = None,
) -> IngestReport:
    """Publish valid lines to `raw_topic`; dead-letter or (strict) refuse the invalid ones."""
    report = IngestReport()
    sends: list[Any] = []
    pending: list[tuple[int, bytes, str | None, InvalidArticle | None]] = []
    for number, line in lines:
        try:
            article_id: str | None = decode_article(line, max_text_chars=max_text_chars).id
            error = None
        except InvalidArticle as exc:
            article_id, error = None, exc
            report.invalid.append(InvalidLine(number, exc.reason, exc.detail))
        if strict:
            pending.append((number, line, article_id, error))
        else:
            sends.append(
                _publish_one(
                    producer, number, line, article_id, error, source, raw_topic, dlq_topic
                )
            )
            report.published += error is None
        if on_line is not None:
            on_line(len(line) + 1)
    if strict:
        if report.invalid:
            raise StrictIngestError(report.invalid)
        for number, line, article_id, error in pending:
            sends.append(
                _publish_one(
                    producer, number, line, article_id, error, source, raw_topic, dlq_topic
                )
            )
            report.published += 1
    producer.flush()
    for send in sends:
        # kafka-python reports a refused record on its future; never claim it was published.
        send.get(timeout=30)
    return report


def _publish_one(
    producer: Producer,
    number: int,
    line: bytes,
    article_id: str | None,
    error: InvalidArticle | None,
    source: str,
    raw_topic: str,
    dlq_topic: str,
) -> Any:
    if error is None:
        assert article_id is not None
        return producer.send(raw_topic, value=line, key=article_id.encode("utf-8"))
    letter = dead_letter_for_line(source, number, line, error)
    return producer.send(dlq_topic, value=letter.model_dump_json().encode("utf-8"), key=None)


def make_producer(bootstrap: str) -> Producer:
    """A kafka-python producer that waits for the broker's acknowledgement of every record."""
    from kafka import KafkaProducer

    producer: Producer = KafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        linger_ms=5,
        max_request_size=8 * 1024 * 1024,
        client_id="flashpoint-ingest",
    )
    return producer
