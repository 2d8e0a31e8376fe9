"""The audit store: records every pipeline decision once, and answers desks' questions.

One class over one connection, made of three jobs, each in its own module:

- `audit.writer.AuditWriter`: classifications, routing decisions and dead letters,
  each recorded once (replays change nothing);
- `audit.ledger.LedgerStore`: the deliverer's ledger (`already_sent`, `record_delivery`);
- `audit.queries.AuditQueries`: lists, an article's story, counts, for the CLI and desks;

on `audit.database.Database` (the engine, migrations, SQLite pragmas, `patiently`).

The store keeps only what it is given (records from `flashpoint.core.records`); it never
sees settings or credentials. Notifiers scrub secrets from error strings before they
report; errors are stored verbatim.
"""

from __future__ import annotations

from flashpoint.audit.ledger import LedgerStore
from flashpoint.audit.queries import AuditQueries
from flashpoint.audit.writer import AuditWriter


class AuditStore(AuditWriter, LedgerStore, AuditQueries):
    """Read and write the audit history in the database at `database_url`: the writer,
    the delivery ledger and the queries over one connection (`audit.database`).

    Use `AuditStore.open(url)` to migrate the schema to the newest version first. The
    store is safe to share between threads (one short session per call).
    """
