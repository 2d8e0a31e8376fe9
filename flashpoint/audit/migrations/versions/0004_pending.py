"""Pending alerts: deferred deliveries (digests, quiet hours) until they are sent.

Revision ID: 0004
Revises: 0003
Create Date: 2026-03-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import flashpoint.digests.models  # noqa: F401  (puts the pending_alerts table on flashpoint.core.db.Base.metadata)

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "pending_alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("delivery_key", sa.String(), nullable=False),
        sa.Column("batch_key", sa.String(), nullable=False),
        sa.Column("why", sa.String(length=16), nullable=False),
        sa.Column("digest", sa.String(length=16), nullable=True),
        sa.Column("send_at", UTC_DATETIME, nullable=False),
        sa.Column("alert", sa.Text(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("flushed_at", UTC_DATETIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_alerts")),
        sa.UniqueConstraint("delivery_key", name=op.f("uq_pending_alerts_delivery_key")),
    )
    op.create_index(op.f("ix_pending_alerts_batch_key"), "pending_alerts", ["batch_key"])
    op.create_index(
        op.f("ix_pending_alerts_flushed_at_send_at"), "pending_alerts", ["flushed_at", "send_at"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_pending_alerts_flushed_at_send_at"), table_name="pending_alerts")
    op.drop_index(op.f("ix_pending_alerts_batch_key"), table_name="pending_alerts")
    op.drop_table("pending_alerts")
