"""audit stage: the searchable history of every decision the pipeline makes.

`AuditStore` records classified articles, routing decisions, delivery outcomes (and is
the deliverer's sent-ledger) and dead letters, idempotently; `audit.cli.audit_app` is
the `flashpoint audit` command group; `audit.migrate.upgrade` runs the migrations.
"""

from flashpoint.audit.store import AuditStore
from flashpoint.audit.views import (
    ArticleHistory,
    AuditEntry,
    AuditFilter,
    AuditSummary,
    ClassificationRecord,
    DeliveryHistory,
    EntryKind,
)

__all__ = [
    "ArticleHistory",
    "AuditEntry",
    "AuditFilter",
    "AuditStore",
    "AuditSummary",
    "ClassificationRecord",
    "DeliveryHistory",
    "EntryKind",
]
