"""`DeskStore`: desks, subscriptions and silences in the audit database.

What the router is built from is `DeskStore.load_config()`: the same `SubscriptionConfig`
that ``config/subscriptions.yaml`` gives, read from the ``desks`` and ``subscriptions``
tables and validated again on the way out (a subscription that a newer gazetteer or
pycountry no longer accepts fails loudly at start-up, naming desk and subscription).

Every write validates first, with the YAML file's rules and messages
(`alerts.subscriptions`), and happens in one transaction: an import that fails half-way
changes nothing.

YAML import (`import_yaml`): the whole file is validated first. With ``replace`` the
database then holds exactly the file's desks and subscriptions. Without it the file is
merged: its desks are added or renamed, its subscriptions added or replaced by id, and
nothing that the file does not mention is removed; a subscription id that belongs to
another desk in the database is refused (`ConflictError`).

Export (`export_yaml`) writes the file format back; importing it with ``replace`` gives the
same configuration. A desk that has no subscription yet cannot be written in the file
format (a desk must list at least one subscription), so it is named in a comment instead.

Seeding (`ensure_seeded`): on a database that has never been seeded and holds no
subscription, import the YAML file once and remember that it was done (`desk_seeds`), so
that emptying the table later does not bring the file back on the next start.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import yaml
from sqlalchemy import Engine, delete, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from flashpoint.alerts.subscriptions import (
    ANY_COUNTRY,
    Desk,
    Subscription,
    SubscriptionConfig,
    check_id,
    config_to_data,
    load_subscriptions,
    parse_subscription,
)
from flashpoint.core.clock import as_utc, utc_now
from flashpoint.core.errors import ConfigError
from flashpoint.desks.errors import ConflictError, NotFoundError
from flashpoint.desks.models import DeskRow, DeskSeedRow, SilenceRow, SubscriptionRow
from flashpoint.desks.silences import Silence, check_silence, silence_for_places

SEED_NAME = "subscriptions"
# PostgreSQL advisory lock taken while seeding (any constant unique to this purpose).
SEED_LOCK_ID = 0x464C_4445_534B_53  # "FLDESKS"

EXPORT_HEADER = """\
# Flashpoint desks and subscriptions, exported from the desks database.
# Same format as config/subscriptions.yaml (see the comments there).
# Load it back with: flashpoint subscriptions import FILE [--replace]
"""


@dataclass(frozen=True)
class DeskSummary:
    id: str
    name: str
    subscriptions: int


@dataclass(frozen=True)
class DeskDetail:
    id: str
    name: str
    subscriptions: list[Subscription]


@dataclass(frozen=True)
class SubscriptionEntry:
    desk_id: str
    subscription: Subscription


@dataclass(frozen=True)
class ImportReport:
    """What an import changed."""

    desks_added: int = 0
    desks_updated: int = 0
    subscriptions_added: int = 0
    subscriptions_updated: int = 0
    desks_removed: int = 0
    subscriptions_removed: int = 0

    def describe(self) -> str:
        parts = [
            f"{self.desks_added} desk(s) added",
            f"{self.desks_updated} updated",
            f"{self.subscriptions_added} subscription(s) added",
            f"{self.subscriptions_updated} replaced",
        ]
        if self.desks_removed or self.subscriptions_removed:
            parts.append(
                f"{self.desks_removed} desk(s) and {self.subscriptions_removed} "
                "subscription(s) removed"
            )
        return ", ".join(parts)


def _between_commas(items: Sequence[str]) -> str:
    return "," + ",".join(items) + "," if items else ""


def _countries(subscription: Subscription) -> str:
    countries = [region.country for region in subscription.regions if region.country]
    return _between_commas(list(dict.fromkeys(countries)))


class DeskStore:
    """Desks, subscriptions and silences in the database behind `engine`.

    The schema must already be migrated (`audit.migrate.upgrade`, or `DeskStore.open`).
    `clock` stamps created/updated times and is "now" for silences; tests inject it.
    """

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.engine = engine
        self.clock = clock
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._owned: Any = None

    @classmethod
    def open(cls, database_url: str, *, clock: Callable[[], datetime] = utc_now) -> DeskStore:
        """Migrate the audit database to the newest schema, then return a store on it.

        Opens it the way `audit.store.AuditStore.open` does (SQLite pragmas, migration
        under a lock); `close()` releases it.
        """
        from flashpoint.audit.store import AuditStore

        audit = AuditStore.open(database_url)
        store = cls(audit.engine, clock=clock)
        store._owned = audit
        return store

    def close(self) -> None:
        if self._owned is not None:
            self._owned.close()
            self._owned = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @contextmanager
    def _write(self, *, locked: bool = False) -> Iterator[Session]:
        """A session in one transaction; `locked` serialises it against other writers."""
        with self._sessions.begin() as session:
            if locked:
                if self.engine.dialect.name == "sqlite":
                    session.connection().exec_driver_sql("BEGIN IMMEDIATE")
                elif self.engine.dialect.name == "postgresql":
                    session.execute(select(func.pg_advisory_xact_lock(SEED_LOCK_ID)))
            yield session

    # -- desks -----------------------------------------------------------------------

    def list_desks(self) -> list[DeskSummary]:
        counts = (
            select(SubscriptionRow.desk_id, func.count().label("n"))
            .group_by(SubscriptionRow.desk_id)
            .subquery()
        )
        query = (
            select(DeskRow.id, DeskRow.name, func.coalesce(counts.c.n, 0))
            .outerjoin(counts, counts.c.desk_id == DeskRow.id)
            .order_by(DeskRow.position, DeskRow.id)
        )
        with self._sessions() as session:
            return [DeskSummary(id, name, int(n)) for id, name, n in session.execute(query)]

    def get_desk(self, desk_id: str) -> DeskDetail:
        with self._sessions() as session:
            row = self._desk(session, desk_id)
            return DeskDetail(
                row.id, row.name, [self._subscription(sub) for sub in row.subscriptions]
            )

    def add_desk(self, desk_id: str, name: str) -> DeskSummary:
        """Add a desk with no subscription yet; `ConfigError` for a bad id or empty name."""
        checked = _check_desk(desk_id, name)
        now = self.clock()
        with self._write() as session:
            if session.get(DeskRow, checked.id) is not None:
                raise ConflictError(f"desk {checked.id!r} already exists")
            session.add(
                DeskRow(
                    id=checked.id,
                    name=checked.name,
                    position=_next_position(session, DeskRow),
                    created_at=now,
                    updated_at=now,
                )
            )
        return DeskSummary(checked.id, checked.name, 0)

    def remove_desk(self, desk_id: str) -> int:
        """Remove a desk and its subscriptions; returns how many subscriptions went with it."""
        with self._write() as session:
            row = self._desk(session, desk_id)
            removed = len(row.subscriptions)
            session.execute(delete(SubscriptionRow).where(SubscriptionRow.desk_id == desk_id))
            session.execute(delete(DeskRow).where(DeskRow.id == desk_id))
        return removed

    # -- subscriptions ---------------------------------------------------------------

    def list_subscriptions(
        self,
        desk_id: str | None = None,
        *,
        country: str | None = None,
        signal: str | None = None,
    ) -> list[SubscriptionEntry]:
        """Subscriptions in desk order; filtered by desk, by a country they name (or
        anywhere), and by a signal they receive (or all signals)."""
        query = (
            select(SubscriptionRow)
            .join(DeskRow, DeskRow.id == SubscriptionRow.desk_id)
            .order_by(DeskRow.position, SubscriptionRow.position)
        )
        if desk_id is not None:
            query = query.where(SubscriptionRow.desk_id == desk_id)
        if country is not None:
            query = query.where(
                or_(
                    SubscriptionRow.countries.contains(f",{country.upper()},"),
                    SubscriptionRow.countries.contains(f",{ANY_COUNTRY},"),
                )
            )
        if signal is not None:
            query = query.where(
                or_(
                    SubscriptionRow.signals.is_(None),
                    SubscriptionRow.signals.contains(f",{signal},"),
                )
            )
        with self._sessions() as session:
            return [
                SubscriptionEntry(row.desk_id, self._subscription(row))
                for row in session.scalars(query)
            ]

    def get_subscription(self, subscription_id: str) -> SubscriptionEntry:
        with self._sessions() as session:
            row = session.get(SubscriptionRow, subscription_id)
            if row is None:
                raise NotFoundError(f"no subscription {subscription_id!r}")
            return SubscriptionEntry(row.desk_id, self._subscription(row))

    def add_subscription(self, desk_id: str, subscription: Subscription) -> None:
        """Add a subscription to a desk; the id must be new across all desks."""
        subscription = _revalidate(subscription)
        with self._write() as session:
            desk = self._desk(session, desk_id)
            existing = session.get(SubscriptionRow, subscription.id)
            if existing is not None:
                raise ConflictError(
                    f"subscription {subscription.id!r} already exists (desk "
                    f"{existing.desk_id!r}); subscription ids are unique across all desks"
                )
            self._insert_subscription(session, desk, subscription)
            desk.updated_at = self.clock()

    def remove_subscription(self, subscription_id: str) -> SubscriptionEntry:
        with self._write() as session:
            row = session.get(SubscriptionRow, subscription_id)
            if row is None:
                raise NotFoundError(f"no subscription {subscription_id!r}")
            entry = SubscriptionEntry(row.desk_id, self._subscription(row))
            session.delete(row)
        return entry

    def load_config(self) -> SubscriptionConfig:
        """Every desk that has subscriptions, validated: what the `Router` is built from."""
        with self._sessions() as session:
            rows = session.scalars(select(DeskRow).order_by(DeskRow.position, DeskRow.id))
            desks = [
                Desk(
                    id=row.id,
                    name=row.name,
                    subscriptions=[self._subscription(sub) for sub in row.subscriptions],
                )
                for row in rows
                if row.subscriptions
            ]
        return SubscriptionConfig(desks=desks)

    def config_revision(self) -> str:
        """A value that changes whenever a desk or subscription is added, changed or
        removed: poll it to know when to rebuild the router."""
        with self._sessions() as session:
            desks = session.execute(select(func.count(), func.max(DeskRow.updated_at))).one()
            subs = session.execute(select(func.count(), func.max(SubscriptionRow.updated_at))).one()
        return f"{desks[0]}:{desks[1]}:{subs[0]}:{subs[1]}"

    # -- YAML --------------------------------------------------------------------------

    def import_yaml(self, path: str | Path, replace: bool = False) -> ImportReport:
        """Validate a subscriptions file, then merge it in (or, with `replace`, make the
        database hold exactly it). `ConfigError` names every mistake in the file."""
        config = load_subscriptions(path)
        with self._write() as session:
            return self._import(session, config, replace=replace, source=str(path))

    def import_config(
        self, config: SubscriptionConfig, *, replace: bool = False, source: str = "config"
    ) -> ImportReport:
        """`import_yaml` for a configuration already validated."""
        with self._write() as session:
            return self._import(session, config, replace=replace, source=source)

    def export_yaml(self) -> str:
        """Every desk and subscription in the subscriptions file format."""
        with self._sessions() as session:
            empty = [
                row.id
                for row in session.scalars(select(DeskRow).order_by(DeskRow.position))
                if not row.subscriptions
            ]
        text = EXPORT_HEADER
        if empty:
            text += (
                "# Desks with no subscription yet (the file format needs at least one): "
                + ", ".join(empty)
                + "\n"
            )
        data = config_to_data(self.load_config())
        return text + yaml.safe_dump(
            data, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100
        )

    def ensure_seeded(self, path: str | Path) -> bool:
        """Import `path` if this database was never seeded and has no subscription.

        Returns True when it imported. Safe when several workers start at once (the first
        seeds, under a lock; the others see its marker).
        """
        with self._sessions() as session:
            if session.get(DeskSeedRow, SEED_NAME) is not None:
                return False
        config = load_subscriptions(path)
        with self._write(locked=True) as session:
            if session.get(DeskSeedRow, SEED_NAME) is not None:
                return False
            has_any = session.scalar(select(func.count()).select_from(SubscriptionRow))
            if has_any:
                self._mark_seeded(session, "(subscriptions already present)", 0, 0)
                return False
            report = self._import(session, config, replace=False, source=str(path))
            self._mark_seeded(session, str(path), report.desks_added, report.subscriptions_added)
        return True

    # -- silences ----------------------------------------------------------------------

    def add_silence(
        self,
        *,
        country: str,
        ends_at: datetime,
        created_by: str,
        comment: str,
        admin1: str | None = None,
        signals: Sequence[str] | None = None,
        starts_at: datetime | None = None,
    ) -> Silence:
        """Create a silence (starting now unless `starts_at`); `InvalidSilenceError` if bad."""
        now = self.clock()
        spec = check_silence(
            country=country,
            admin1=admin1,
            signals=signals,
            starts_at=starts_at or now,
            ends_at=ends_at,
            created_by=created_by,
            comment=comment,
        )
        with self._write() as session:
            row = SilenceRow(
                created_by=spec.created_by,
                comment=spec.comment,
                country=spec.country,
                admin1=spec.admin1,
                signals=list(spec.signals) if spec.signals is not None else None,
                starts_at=spec.starts_at,
                ends_at=spec.ends_at,
                created_at=now,
            )
            session.add(row)
            session.flush()
            return _silence(row)

    def list_silences(self, active_at: datetime | None = None) -> list[Silence]:
        """Every silence (newest first), or only those active at `active_at`."""
        query = select(SilenceRow).order_by(SilenceRow.id.desc())
        if active_at is not None:
            at = as_utc(active_at)
            query = query.where(SilenceRow.starts_at <= at, SilenceRow.ends_at > at)
        with self._sessions() as session:
            return [_silence(row) for row in session.scalars(query)]

    def get_silence(self, silence_id: int) -> Silence:
        with self._sessions() as session:
            row = session.get(SilenceRow, silence_id)
            if row is None:
                raise NotFoundError(f"no silence {silence_id}")
            return _silence(row)

    def expire_silence(self, silence_id: int, at: datetime | None = None) -> Silence:
        """End a silence now (or at `at`); one already over is returned unchanged."""
        when = as_utc(at or self.clock())
        with self._write() as session:
            row = session.get(SilenceRow, silence_id)
            if row is None:
                raise NotFoundError(f"no silence {silence_id}")
            if row.ends_at > when:
                row.ends_at = when
                row.starts_at = min(row.starts_at, when)
            return _silence(row)

    def silence_for(
        self, alert_country: str, admin1: str | None, signals: Sequence[str], at: datetime
    ) -> Silence | None:
        """The active silence that mutes an alert in this place with these signals, if any
        (rules: `desks.silences`)."""
        return self.silence_for_places([(alert_country, admin1)], signals, at)

    def silence_for_places(
        self, places: Sequence[tuple[str, str | None]], signals: Sequence[str], at: datetime
    ) -> Silence | None:
        """`silence_for` for an alert with several places: all must be covered."""
        return silence_for_places(self.list_silences(active_at=at), places, signals, at)

    # -- helpers -----------------------------------------------------------------------

    @staticmethod
    def _desk(session: Session, desk_id: str) -> DeskRow:
        row = session.get(DeskRow, desk_id)
        if row is None:
            raise NotFoundError(f"no desk {desk_id!r}")
        return row

    @staticmethod
    def _subscription(row: SubscriptionRow) -> Subscription:
        return parse_subscription(
            row.spec, "desks database", f"desk {row.desk_id!r} subscription {row.id!r}"
        )

    def _insert_subscription(
        self, session: Session, desk: DeskRow, subscription: Subscription
    ) -> None:
        now = self.clock()
        position = _next_position(session, SubscriptionRow, SubscriptionRow.desk_id == desk.id)
        row = SubscriptionRow(
            id=subscription.id, desk_id=desk.id, position=position, created_at=now
        )
        _fill(row, subscription, now)
        session.add(row)
        session.flush()

    def _import(
        self, session: Session, config: SubscriptionConfig, *, replace: bool, source: str
    ) -> ImportReport:
        now = self.clock()
        removed_desks = removed_subs = 0
        if replace:
            wanted_subs = [sub.id for _, sub in config.subscriptions()]
            removed_subs = _delete_others(session, SubscriptionRow, wanted_subs)
        desks_added = desks_updated = subs_added = subs_updated = 0
        for d, desk in enumerate(config.desks):
            row = session.get(DeskRow, desk.id)
            if row is None:
                position = d if replace else _next_position(session, DeskRow)
                row = DeskRow(
                    id=desk.id, name=desk.name, position=position, created_at=now, updated_at=now
                )
                session.add(row)
                session.flush()
                desks_added += 1
            elif row.name != desk.name:
                row.name = desk.name
                row.updated_at = now
                desks_updated += 1
            if replace:
                row.position = d
            for s, subscription in enumerate(desk.subscriptions):
                existing = session.get(SubscriptionRow, subscription.id)
                if existing is None:
                    self._insert_subscription(session, row, subscription)
                    subs_added += 1
                elif existing.desk_id != desk.id and not replace:
                    raise ConflictError(
                        f"{source}: subscription {subscription.id!r} of desk {desk.id!r} "
                        f"belongs to desk {existing.desk_id!r} in the database; remove it "
                        "there first, or import with --replace"
                    )
                elif existing.desk_id != desk.id or existing.spec != subscription.to_data():
                    existing.desk_id = desk.id
                    _fill(existing, subscription, now)
                    subs_updated += 1
                if replace:
                    session.get_one(SubscriptionRow, subscription.id).position = s
        if replace:
            # Last, once subscriptions that move desks have moved out of the ones to go.
            session.flush()
            removed_desks = _delete_others(session, DeskRow, [desk.id for desk in config.desks])
        return ImportReport(
            desks_added,
            desks_updated,
            subs_added,
            subs_updated,
            desks_removed=removed_desks,
            subscriptions_removed=removed_subs,
        )

    def _mark_seeded(self, session: Session, source: str, desks: int, subs: int) -> None:
        session.add(
            DeskSeedRow(
                name=SEED_NAME,
                source=source,
                desks=desks,
                subscriptions=subs,
                seeded_at=self.clock(),
            )
        )


@dataclass(frozen=True)
class _CheckedDesk:
    id: str
    name: str


def _check_desk(desk_id: str, name: str) -> _CheckedDesk:
    """A desk's id and name, checked by the file's rules (same messages)."""
    checked = check_id(desk_id, "desk id")
    if not name.strip():
        raise ConfigError("desk name: must not be empty")
    return _CheckedDesk(checked, name.strip())


def _revalidate(subscription: Subscription) -> Subscription:
    """Run the file's cross-field checks on a subscription that may have been built by hand."""
    return parse_subscription(subscription.to_data(), f"subscription {subscription.id!r}")


def _fill(row: SubscriptionRow, subscription: Subscription, now: datetime) -> None:
    row.spec = subscription.to_data()
    row.countries = _countries(subscription)
    row.signals = None if subscription.signals is None else _between_commas(subscription.signals)
    row.channels = _between_commas(
        [f"{kind}:{target}" for kind, target in subscription.channels.targets()]
    )
    row.min_severity = subscription.min_severity
    row.mode = subscription.mode
    row.digest = subscription.digest
    row.updated_at = now


def _delete_others(session: Session, model: type[Any], keep: Sequence[str]) -> int:
    """Delete the rows of `model` whose id is not in `keep`; return how many."""
    others = session.scalars(select(model.id).where(model.id.not_in(keep))).all()
    if others:
        session.execute(delete(model).where(model.id.in_(others)))
    return len(others)


def _next_position(session: Session, model: type[Any], *where: Any) -> int:
    current = session.scalar(select(func.max(model.position)).where(*where))
    return 0 if current is None else int(current) + 1


def _silence(row: SilenceRow) -> Silence:
    return Silence(
        id=row.id,
        created_by=row.created_by,
        comment=row.comment,
        country=row.country,
        admin1=row.admin1,
        signals=tuple(row.signals) if row.signals is not None else None,
        starts_at=as_utc(row.starts_at),
        ends_at=as_utc(row.ends_at),
        created_at=as_utc(row.created_at),
    )
