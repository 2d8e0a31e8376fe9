"""events stage: classified articles in, incidents (`Event`) and their `EventUpdate`s out.

Reports of the same incident (nearby places, close in time, overlapping signals or
similar wording) join one event with its sources, first and last report times, highest
severity and casualty figures as they evolve. Plain modules, no Kafka:

- `config`: `EventSettings`, the thresholds and how they combine;
- `places`: when two reports' places are near (distance, admin1 fallback);
- `figures`: the stated casualty figure and the range across reports;
- `clustering`: `EventClusterer`, the stage itself;
- `store`: `EventStore`, in memory or in the audit database (`models`, migration 0003),
  with the message each channel got for an event (threads, no double announcements).
"""

from __future__ import annotations

from flashpoint.core.event_settings import EventSettings
from flashpoint.events.clustering import EventClusterer, event_id_for, report_text
from flashpoint.events.store import EventStore, InMemoryEventStore, SqlEventStore, StoredEvent

__all__ = [
    "EventClusterer",
    "EventSettings",
    "EventStore",
    "InMemoryEventStore",
    "SqlEventStore",
    "StoredEvent",
    "event_id_for",
    "report_text",
]
