"""Desks, their subscriptions and silences, kept in the audit database.

- `desks.models`: the tables (on `flashpoint.core.db.Base`, created by migration 0002);
- `desks.store`: `DeskStore`, CRUD for desks and subscriptions, YAML import/export, the
  `SubscriptionConfig` the router is built from, and silences;
- `desks.silences`: the `Silence` record and the pure matching rules;
- `desks.cli`: ``flashpoint desks|subscriptions|routes|silences ...`` (Typer sub-apps).

Subscriptions are validated by the same models as ``config/subscriptions.yaml``
(`alerts.subscriptions`), so a subscription in the database is always one the file could
hold, and an export imports back unchanged.
"""
