"""Initial audit schema: articles, signals, places, routing, deliveries, dead letters.

Revision ID: 0001
Revises:
Create Date: 2024-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("article_id", sa.String(), nullable=False),
        sa.Column("model", sa.String(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("source", sa.String(), nullable=True),
        sa.Column("language", sa.String(), nullable=True),
        sa.Column("published_at", UTC_DATETIME, nullable=True),
        sa.Column("classified_at", UTC_DATETIME, nullable=False),
        sa.Column("severity", sa.Integer(), nullable=False),
        sa.Column("killed", sa.Integer(), nullable=True),
        sa.Column("injured", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_articles")),
        sa.UniqueConstraint("article_id", "model", name=op.f("uq_articles_article_id_model")),
    )
    op.create_index(op.f("ix_articles_article_id"), "articles", ["article_id"])
    op.create_index(op.f("ix_articles_classified_at"), "articles", ["classified_at"])

    op.create_table(
        "article_signals",
        sa.Column("article_pk", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_pk"],
            ["articles.id"],
            name=op.f("fk_article_signals_article_pk_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_pk", "position", name=op.f("pk_article_signals")),
    )
    op.create_index(
        op.f("ix_article_signals_type_article_pk"), "article_signals", ["type", "article_pk"]
    )

    op.create_table(
        "article_locations",
        sa.Column("article_pk", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("admin1", sa.String(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["article_pk"],
            ["articles.id"],
            name=op.f("fk_article_locations_article_pk_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_pk", "position", name=op.f("pk_article_locations")),
    )
    op.create_index(
        op.f("ix_article_locations_country_article_pk"),
        "article_locations",
        ["country", "article_pk"],
    )

    op.create_table(
        "routing_decisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("alert_id", sa.String(), nullable=False),
        sa.Column("article_id", sa.String(), nullable=False),
        sa.Column("desk_id", sa.String(), nullable=False),
        sa.Column("subscription_id", sa.String(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("decided_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_decisions")),
        sa.UniqueConstraint(
            "alert_id",
            "desk_id",
            "subscription_id",
            name=op.f("uq_routing_decisions_alert_id_desk_id_subscription_id"),
        ),
    )
    op.create_index(op.f("ix_routing_decisions_article_id"), "routing_decisions", ["article_id"])
    op.create_index(op.f("ix_routing_decisions_desk_id"), "routing_decisions", ["desk_id"])
    op.create_index(op.f("ix_routing_decisions_decided_at"), "routing_decisions", ["decided_at"])

    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("delivery_key", sa.String(), nullable=False),
        sa.Column("alert_id", sa.String(), nullable=False),
        sa.Column("desk_id", sa.String(), nullable=False),
        sa.Column("subscription_id", sa.String(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("first_at", UTC_DATETIME, nullable=False),
        sa.Column("last_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint("delivery_key", name=op.f("uq_deliveries_delivery_key")),
    )
    op.create_index(op.f("ix_deliveries_alert_id"), "deliveries", ["alert_id"])
    op.create_index(op.f("ix_deliveries_desk_id"), "deliveries", ["desk_id"])

    op.create_table(
        "delivery_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("delivery_key", sa.String(), nullable=False),
        sa.Column("alert_id", sa.String(), nullable=False),
        sa.Column("desk_id", sa.String(), nullable=False),
        sa.Column("subscription_id", sa.String(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_events")),
        sa.UniqueConstraint(
            "delivery_key", "status", "at", name=op.f("uq_delivery_events_delivery_key_status_at")
        ),
    )
    op.create_index(op.f("ix_delivery_events_alert_id"), "delivery_events", ["alert_id"])
    op.create_index(op.f("ix_delivery_events_desk_id"), "delivery_events", ["desk_id"])
    op.create_index(op.f("ix_delivery_events_at"), "delivery_events", ["at"])

    op.create_table(
        "dead_letters",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("origin", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("topic", sa.String(), nullable=False),
        sa.Column("kafka_partition", sa.Integer(), nullable=True),
        sa.Column("kafka_offset", sa.BigInteger(), nullable=True),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.Column("key", sa.Text(), nullable=True),
        sa.Column("payload_prefix", sa.Text(), nullable=False),
        sa.Column("payload_bytes", sa.Integer(), nullable=False),
        sa.Column("at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dead_letters")),
        sa.UniqueConstraint("origin", name=op.f("uq_dead_letters_origin")),
    )
    op.create_index(op.f("ix_dead_letters_reason"), "dead_letters", ["reason"])
    op.create_index(op.f("ix_dead_letters_at"), "dead_letters", ["at"])


def downgrade() -> None:
    op.drop_table("dead_letters")
    op.drop_table("delivery_events")
    op.drop_table("deliveries")
    op.drop_table("routing_decisions")
    op.drop_table("article_locations")
    op.drop_table("article_signals")
    op.drop_table("articles")
