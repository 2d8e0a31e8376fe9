"""The desks tables, declared on the audit database's `Base` (migration 0002 creates them).

    desks               one row per desk (its id is the slug used everywhere else)
    └── subscriptions   one row per subscription: the validated subscription as JSON
                        (`spec`, what the router is built from) plus columns to search by
    silences            time-bounded mutes by region and signal
    desk_seeds          whether config/subscriptions.yaml was imported, so it happens once

A subscription's `spec` is `alerts.subscriptions.Subscription.to_data()`: the single source
of truth. The other columns are derived from it on every write, only so that
``subscriptions list --country SD --signal shelling`` is a query, not a scan of JSON.
List columns are stored between commas (``,SD,SY,``) so ``LIKE '%,SD,%'`` finds one entry.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flashpoint.core.db import Base


class DeskRow(Base):
    """A desk: who receives alerts. `position` keeps the order desks were added in."""

    __tablename__ = "desks"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    subscriptions: Mapped[list[SubscriptionRow]] = relationship(
        order_by="SubscriptionRow.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class SubscriptionRow(Base):
    """One subscription of one desk. Ids are unique across all desks (delivery keys use them).

    `spec` is the validated subscription; `countries` (``,SD,`` or ``,*,``; a radius around
    a point has none), `signals` (None means every signal), `channels` (``,slack:#x,``),
    `min_severity`, `mode` and `digest` are copies of it for searching.
    """

    __tablename__ = "subscriptions"
    __table_args__ = (Index(None, "desk_id", "position"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    desk_id: Mapped[str] = mapped_column(ForeignKey("desks.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    countries: Mapped[str] = mapped_column(Text)
    signals: Mapped[str | None] = mapped_column(Text)
    channels: Mapped[str] = mapped_column(Text)
    min_severity: Mapped[int] = mapped_column(Integer)
    mode: Mapped[str] = mapped_column(String(16))
    digest: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class SilenceRow(Base):
    """A mute of alerts in `country` (optionally one `admin1`) with some or all signals.

    Active from `starts_at` (included) to `ends_at` (excluded); expiring a silence moves
    `ends_at` to the time of expiry, so the history of what was muted stays.
    `signals` is a JSON list, or None for every signal.
    """

    __tablename__ = "silences"
    __table_args__ = (Index(None, "ends_at", "starts_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_by: Mapped[str] = mapped_column(String())
    comment: Mapped[str] = mapped_column(Text)
    country: Mapped[str] = mapped_column(String(2))
    admin1: Mapped[str | None] = mapped_column(String())
    signals: Mapped[list[str] | None] = mapped_column(JSON)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    created_at: Mapped[datetime]


class DeskSeedRow(Base):
    """That the subscriptions table was seeded from a YAML file (or found already filled).

    One row per seeded thing (`name` is ``"subscriptions"``): the worker imports
    config/subscriptions.yaml only while this row is missing, so removing every
    subscription later does not bring the file's back on the next start.
    """

    __tablename__ = "desk_seeds"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    source: Mapped[str] = mapped_column(Text)
    desks: Mapped[int] = mapped_column(Integer)
    subscriptions: Mapped[int] = mapped_column(Integer)
    seeded_at: Mapped[datetime]
