"""Audit entries to and from CSV and JSON Lines, for `flashpoint audit export`.

JSONL is one `AuditEntry.model_dump_json()` per line and round-trips exactly. CSV has
one column per `AuditEntry` field, in declaration order; the list fields (signals,
countries) are joined with ``;``, None is the empty cell, and datetimes are ISO 8601
UTC. Reading CSV back (`read_csv`) gives equal entries, except that an empty string
comes back as None.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from typing import IO, Any

from flashpoint.audit.views import AuditEntry

CSV_FIELDS: tuple[str, ...] = tuple(AuditEntry.model_fields)
LIST_FIELDS = frozenset({"signals", "countries"})
LIST_SEPARATOR = ";"


def write_jsonl(entries: Iterable[AuditEntry], stream: IO[str]) -> int:
    """Write one JSON object per line; return how many entries were written."""
    count = 0
    for entry in entries:
        stream.write(entry.model_dump_json() + "\n")
        count += 1
    return count


def read_jsonl(stream: IO[str]) -> Iterator[AuditEntry]:
    for line in stream:
        if line.strip():
            yield AuditEntry.model_validate_json(line)


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return LIST_SEPARATOR.join(str(item) for item in value)
    return str(value)


def write_csv(entries: Iterable[AuditEntry], stream: IO[str]) -> int:
    """Write a header and one row per entry; return how many entries were written."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    count = 0
    for entry in entries:
        data = json.loads(entry.model_dump_json())  # ISO datetimes, plain lists
        writer.writerow([_csv_cell(data[name]) for name in CSV_FIELDS])
        count += 1
    return count


def read_csv(stream: IO[str]) -> Iterator[AuditEntry]:
    for row in csv.DictReader(stream):
        data: dict[str, Any] = {}
        for name, cell in row.items():
            if name in LIST_FIELDS:
                data[name] = cell.split(LIST_SEPARATOR) if cell else []
            else:
                data[name] = cell if cell != "" else None
        yield AuditEntry.model_validate(data)
