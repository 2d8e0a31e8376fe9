"""Flashpoint: streaming escalation alerts for conflict-monitoring desks.

`flashpoint.core` is the ground every stage imports (records, settings, errors, clock,
distances, the database base); the stages in the order an article travels are
`flashpoint.ingest`, `classifiers` (top level), `flashpoint.events`, `flashpoint.alerts`
(routing, notifiers, delivery), `flashpoint.digests`, `flashpoint.surge`, with
`flashpoint.desks` and `flashpoint.audit` keeping desks and history in the database and
`streams` (top level) wiring them to Kafka; `flashpoint.cli` is the roof.
"""

__version__ = "0.1.0"
