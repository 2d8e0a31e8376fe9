"""Revisions: a corrected text under the same article id is classified and routed again.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "article_revisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("article_id", sa.String(), nullable=False),
        sa.Column("digest", sa.String(length=32), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("first_seen", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_revisions")),
        sa.UniqueConstraint(
            "article_id", "digest", name=op.f("uq_article_revisions_article_id_digest")
        ),
    )
    op.create_index(
        op.f("ix_article_revisions_article_id"), "article_revisions", ["article_id"]
    )
    # SQLite cannot alter a constraint in place: batch mode rebuilds the table.
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("revision", sa.Integer(), server_default="0", nullable=False))
        batch.drop_constraint("uq_articles_article_id_model", type_="unique")
        batch.create_unique_constraint(
            "uq_articles_article_id_model_revision", ["article_id", "model", "revision"]
        )
    with op.batch_alter_table("event_sources") as batch:
        batch.add_column(sa.Column("revision", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("event_sources") as batch:
        batch.drop_column("revision")
    with op.batch_alter_table("articles") as batch:
        batch.drop_constraint("uq_articles_article_id_model_revision", type_="unique")
        batch.create_unique_constraint("uq_articles_article_id_model", ["article_id", "model"])
        batch.drop_column("revision")
    op.drop_index(op.f("ix_article_revisions_article_id"), table_name="article_revisions")
    op.drop_table("article_revisions")
