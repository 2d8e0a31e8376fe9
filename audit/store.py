"""The audit store: records every pipeline decision once, and answers desks' questions.

Every `record_*` method is idempotent, because the Kafka pipeline is at-least-once and
will replay: each table has a natural unique key (see `audit.models`) and writes are
``INSERT ... ON CONFLICT DO NOTHING``, so a replay of a fact already stored changes
nothing. The first record of a fact wins; the store never rewrites history, except the
delivery ledger, which moves from 'failed' to 'sent' when a retry succeeds and never back.

The store also implements the deliverer's ledger (`already_sent` / `record_delivery`):
a delivery key is refused once a 'sent' outcome exists for it, and a refused replay is
recorded as a 'duplicate' event without touching the original 'sent' row.

The store keeps only what it is given (records from `flashpoint.records`); it never
sees settings or credentials. Notifiers scrub secrets from error strings before they
report; errors are stored verbatim.

Supported databases: SQLite (the default; WAL mode and a busy timeout so the CLI can
read while the worker writes) and PostgreSQL.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any, Self, TypeVar, overload

import sqlalchemy.exc
from sqlalchemy import (
    ColumnElement,
    Engine,
    and_,
    create_engine,
    event,
    exists,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, selectinload, sessionmaker

from audit.migrate import ensure_sqlite_directory, upgrade
from audit.models import (
    PAYLOAD_PREFIX_CHARS,
    ArticleLocationRow,
    ArticleRevisionRow,
    ArticleRow,
    ArticleSignalRow,
    Base,
    DeadLetterRow,
    DeliveryEventRow,
    DeliveryRow,
    RoutingDecisionRow,
)
from audit.views import (
    ENTRY_KINDS,
    ArticleHistory,
    AuditEntry,
    AuditFilter,
    AuditSummary,
    ClassificationRecord,
    DeliveryHistory,
)
from flashpoint.errors import ConfigError
from flashpoint.records import (
    Article,
    Casualties,
    ClassifiedArticle,
    DeadLetter,
    DeliveryResult,
    Location,
    RoutingDecision,
    Signal,
)

SUPPORTED_DIALECTS = ("sqlite", "postgresql")
SQLITE_BUSY_TIMEOUT_MS = 10_000
# A database that is locked past the busy timeout, gone or timing out: not the data's
# fault, and it passes. Stages wait it out (`patiently`); they never dead-letter for it.
STORAGE_ERRORS: tuple[type[Exception], ...] = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.TimeoutError,
)
STORAGE_RETRY_FIRST_S = 0.2
STORAGE_RETRY_MAX_S = 5.0

log = logging.getLogger(__name__)
T = TypeVar("T")


def patiently(
    call: Callable[[], T], *, what: str, sleep: Callable[[float], None] = time.sleep
) -> T:
    """`call()`, tried again after a storage error until it succeeds (backoff from 0.2 s,
    doubling, at most 5 s apart). A locked or unreachable database delays the stage; it
    never crashes an agent, so Kafka never commits past a message that was not recorded."""
    wait = STORAGE_RETRY_FIRST_S
    while True:
        try:
            return call()
        except STORAGE_ERRORS as error:
            reason = str(error.orig if isinstance(error, sqlalchemy.exc.DBAPIError) else error)
            log.warning("%s: database unavailable (%s); again in %.1fs", what, reason, wait)
            sleep(wait)
            wait = min(STORAGE_RETRY_MAX_S, wait * 2)


# PostgreSQL advisory lock held while migrating (any constant unique to this schema).
MIGRATION_LOCK_ID = 0x464C_4155_4449_54  # "FLAUDIT"


@overload
def storable(text: str) -> str: ...


@overload
def storable(text: None) -> None: ...


def storable(text: str | None) -> str | None:
    """`text` as every supported database can keep it: a dead letter is whatever arrived,
    and PostgreSQL refuses NUL in text and UTF-8 has no lone surrogates. Each becomes
    U+FFFD, as undecodable bytes already are."""
    if text is None:
        return None
    return text.replace("\x00", "\ufffd").encode("utf-8", "surrogatepass").decode(
        "utf-8", "replace"
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers run beside the writer; the busy timeout waits out short locks.

    WAL is a property of the file, so only the first connection to a new database
    switches it. That switch needs the file to itself and, unlike other statements, does
    not wait for a lock, so two processes opening a new database at once retry it.
    """
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
        while cursor.execute("PRAGMA journal_mode").fetchone()[0] not in ("wal", "memory"):
            try:
                cursor.execute("PRAGMA journal_mode=WAL")
            except sqlite3.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
    finally:
        cursor.close()


def insert_ignore(
    dialect: str, model: type[Base], conflict: Sequence[str]
) -> postgresql.Insert | sqlite.Insert:
    """``INSERT ... ON CONFLICT (conflict) DO NOTHING`` for `model`'s table.

    SQLite (3.35+, for RETURNING) and PostgreSQL both speak this; a row whose unique key `conflict`
    already exists is skipped, which is what makes every `record_*` replay-safe.
    """
    if dialect == "postgresql":
        return postgresql.insert(model).on_conflict_do_nothing(index_elements=conflict)
    return sqlite.insert(model).on_conflict_do_nothing(index_elements=conflict)


def dead_letter_origin(letter: DeadLetter) -> str:
    """Where a dead letter's input came from, as one string that a replay repeats.

    ``topic/partition@offset`` for a Kafka message, ``file:line`` for an ingest
    rejection, else ``topic#digest`` of what was rejected and why.
    """
    if letter.partition is not None and letter.offset is not None:
        return f"{letter.topic}/{letter.partition}@{letter.offset}"
    if letter.line is not None:
        return f"{letter.topic}:{letter.line}"
    digest = hashlib.sha256(
        "\0".join((letter.reason, letter.detail, letter.payload)).encode("utf-8")
    ).hexdigest()[:16]
    return f"{letter.topic}#{digest}"


@dataclass
class _ArticleFacts:
    """What routing and delivery entries show about their article (newest classification)."""

    severity: int | None = None
    signals: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)


def _signal_types(row: ArticleRow) -> list[str]:
    return list(dict.fromkeys(signal.type for signal in row.signals))


def _countries(row: ArticleRow) -> list[str]:
    return sorted({location.country for location in row.locations})


class AuditStore:
    """Read and write the audit history in the database at `database_url`.

    Use `AuditStore.open(url)` to migrate the schema to the newest version first. The
    store is safe to share between threads (one short session per call).
    """

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        ensure_sqlite_directory(database_url)
        self.engine: Engine = create_engine(database_url)
        self.dialect = self.engine.dialect.name
        if self.dialect not in SUPPORTED_DIALECTS:
            self.engine.dispose()
            raise ConfigError(
                f"unsupported audit database {self.dialect!r}: "
                f"use one of {', '.join(SUPPORTED_DIALECTS)}"
            )
        if self.dialect == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def open(cls, database_url: str) -> AuditStore:
        """Migrate the database to the newest schema, then return a store for it."""
        store = cls(database_url)
        try:
            store.upgrade()
        except BaseException:
            store.close()
            raise
        return store

    def upgrade(self) -> None:
        """Run the Alembic migrations up to head on this store's own connection.

        Using the store's connection (not a new engine) also works for in-memory SQLite.
        """
        with self.engine.begin() as connection:
            # Take the write lock before reading the schema version, so that two
            # processes opening a new database at once migrate it one after the other.
            if self.dialect == "sqlite":
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                connection.execute(select(func.pg_advisory_xact_lock(MIGRATION_LOCK_ID)))
            upgrade(self.database_url, connection=connection)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- writing ---------------------------------------------------------------------

    def _insert_ignore(
        self,
        session: Session,
        model: type[Base],
        rows: Sequence[Mapping[str, Any]],
        conflict: Sequence[str],
    ) -> None:
        """Insert rows, skipping each one whose unique key `conflict` already exists."""
        if rows:
            session.execute(insert_ignore(self.dialect, model, conflict), list(rows))

    def _insert_one_ignore(
        self,
        session: Session,
        model: type[Base],
        values: Mapping[str, Any],
        conflict: Sequence[str],
    ) -> int | None:
        """Insert one row unless its unique key exists; the new row's id, or None if skipped."""
        statement = (
            insert_ignore(self.dialect, model, conflict)
            .values(dict(values))
            .returning(model.__table__.c.id)
        )
        return session.execute(statement).scalar_one_or_none()

    def revision_of(self, article: Article, at: datetime) -> int:
        """Which of the texts published under `article.id` this is, in the order seen (0
        the first): a replay finds its number again, a corrected text takes the next."""
        digest = article.digest()
        query = select(ArticleRevisionRow.number).where(
            ArticleRevisionRow.article_id == article.id, ArticleRevisionRow.digest == digest
        )
        with self._sessions.begin() as session:
            number = session.scalar(query)
            if number is not None:
                return int(number)
            known = session.scalar(
                select(func.count())
                .select_from(ArticleRevisionRow)
                .where(ArticleRevisionRow.article_id == article.id)
            )
            self._insert_ignore(
                session,
                ArticleRevisionRow,
                [
                    {
                        "article_id": article.id,
                        "digest": digest,
                        "number": known or 0,
                        "first_seen": at,
                    }
                ],
                ("article_id", "digest"),
            )
            return int(session.scalar(query) or 0)

    def record_classification(self, item: ClassifiedArticle) -> None:
        """Store one classified article; a replay of the same article and model is a no-op.

        The article row, its signals and its places are written in one transaction, and
        the children only when the article row is new, so a replay adds nothing.
        """
        article, classification = item.article, item.classification
        with self._sessions.begin() as session:
            article_pk = self._insert_one_ignore(
                session,
                ArticleRow,
                {
                    "article_id": article.id,
                    "model": classification.model,
                    "revision": item.revision,
                    "title": article.title,
                    "url": article.url,
                    "source": article.source,
                    "language": article.language,
                    "published_at": article.published_at,
                    "classified_at": item.classified_at,
                    "severity": classification.severity,
                    "killed": classification.casualties.killed,
                    "injured": classification.casualties.injured,
                },
                ("article_id", "model", "revision"),
            )
            if article_pk is None:
                return
            signals = [
                {
                    "article_pk": article_pk,
                    "position": position,
                    "type": signal.type,
                    "score": signal.score,
                    "evidence": signal.evidence,
                }
                for position, signal in enumerate(classification.signals)
            ]
            locations = [
                {
                    "article_pk": article_pk,
                    "position": position,
                    "name": location.name,
                    "country": location.country.upper(),
                    "admin1": location.admin1,
                    "lat": location.lat,
                    "lon": location.lon,
                }
                for position, location in enumerate(classification.locations)
            ]
            if signals:
                session.execute(insert(ArticleSignalRow), signals)
            if locations:
                session.execute(insert(ArticleLocationRow), locations)

    def record_routing(self, decisions: Sequence[RoutingDecision]) -> None:
        """Store routing decisions; one already stored for its alert, desk and
        subscription is skipped (the first decision is kept)."""
        rows = [
            {
                "alert_id": decision.alert_id,
                "article_id": decision.article_id,
                "desk_id": decision.desk_id,
                "subscription_id": decision.subscription_id,
                "outcome": decision.outcome,
                "reason": decision.reason,
                "channels": list(decision.channels),
                "decided_at": decision.decided_at,
            }
            for decision in decisions
        ]
        with self._sessions.begin() as session:
            self._insert_ignore(
                session,
                RoutingDecisionRow,
                rows,
                ("alert_id", "desk_id", "subscription_id"),
            )

    def already_sent(self, delivery_key: str) -> bool:
        """True only if a 'sent' outcome has been recorded for `delivery_key`."""
        query = select(
            exists().where(DeliveryRow.delivery_key == delivery_key, DeliveryRow.status == "sent")
        )
        with self._sessions() as session:
            return bool(session.execute(query).scalar_one())

    def record_delivery(self, result: DeliveryResult) -> None:
        """Store one delivery outcome in the history and update the ledger.

        Waits out a locked database (`patiently`): the message may already be out, and
        retrying the whole delivery instead would send it again.

        - every outcome becomes a `delivery_events` row (a replay of the same outcome,
          same key, status and time, is skipped);
        - 'sent' makes the ledger row 'sent' (creating it, or upgrading a 'failed' one);
          a second 'sent' for a key already sent leaves the original row intact;
        - 'failed', 'retrying' (waiting in the outbox) and 'undeliverable' create the
          ledger row or refresh an unsent one with a newer outcome; they never downgrade a
          'sent' row;
        - 'duplicate' (a replay the deliverer refused) is history only.
        """
        patiently(lambda: self._record_delivery(result), what=f"record {result.delivery_key}")

    def _record_delivery(self, result: DeliveryResult) -> None:
        values = {
            "delivery_key": result.delivery_key,
            "alert_id": result.alert_id,
            "desk_id": result.desk_id,
            "subscription_id": result.subscription_id,
            "channel": result.channel,
            "status": result.status,
            "attempts": result.attempts,
            "external_id": result.external_id,
            "error": result.error,
        }
        with self._sessions.begin() as session:
            self._insert_ignore(
                session,
                DeliveryEventRow,
                [{**values, "at": result.at}],
                ("delivery_key", "status", "at"),
            )
            if result.status == "duplicate":
                return
            created = self._insert_one_ignore(
                session,
                DeliveryRow,
                {**values, "first_at": result.at, "last_at": result.at},
                ("delivery_key",),
            )
            if created is not None:
                return
            refresh = update(DeliveryRow).where(
                DeliveryRow.delivery_key == result.delivery_key,
                DeliveryRow.status != "sent",
            )
            if result.status != "sent":
                refresh = refresh.where(DeliveryRow.last_at <= result.at)
            session.execute(
                refresh.values(
                    status=result.status,
                    attempts=result.attempts,
                    external_id=result.external_id,
                    error=result.error,
                    last_at=result.at,
                )
            )

    def record_dead_letter(self, letter: DeadLetter) -> None:
        """Store one dead-lettered input (payload cut to a short prefix); a replay of the
        same input (same `dead_letter_origin`) is skipped."""
        row = {
            "origin": dead_letter_origin(letter),
            "reason": storable(letter.reason),
            "detail": storable(letter.detail),
            "topic": letter.topic,
            "kafka_partition": letter.partition,
            "kafka_offset": letter.offset,
            "line": letter.line,
            "key": storable(letter.key),
            "payload_prefix": storable(letter.payload[:PAYLOAD_PREFIX_CHARS]),
            "payload_bytes": letter.payload_bytes,
            "at": letter.at,
        }
        with self._sessions.begin() as session:
            self._insert_ignore(session, DeadLetterRow, [row], ("origin",))

    # -- reading ---------------------------------------------------------------------

    def list_entries(
        self, filters: AuditFilter | None = None, limit: int = 100
    ) -> list[AuditEntry]:
        """The newest `limit` entries matching `filters`, newest first, all kinds merged."""
        filters = filters or AuditFilter()
        if limit <= 0:
            return []
        kinds: Iterable[str] = (filters.kind,) if filters.kind else ENTRY_KINDS
        entries: list[AuditEntry] = []
        with self._sessions() as session:
            for kind in kinds:
                entries.extend(self._entries_of(session, kind, filters, limit))
        entries.sort(key=lambda entry: entry.at, reverse=True)
        return entries[:limit]

    def _entries_of(
        self, session: Session, kind: str, filters: AuditFilter, limit: int
    ) -> list[AuditEntry]:
        if kind == "article":
            return self._article_entries(session, filters, limit)
        if kind == "routing":
            return self._routing_entries(session, filters, limit)
        if kind == "delivery":
            return self._delivery_entries(session, filters, limit)
        return self._dead_letter_entries(session, filters, limit)

    @staticmethod
    def _about_article(article_id: Any, filters: AuditFilter) -> list[ColumnElement[bool]]:
        """Conditions: some classification of the article `article_id` has the filtered
        country / signal."""
        conditions: list[ColumnElement[bool]] = []
        if filters.country:
            conditions.append(
                select(ArticleLocationRow.article_pk)
                .join(ArticleRow, ArticleRow.id == ArticleLocationRow.article_pk)
                .where(ArticleRow.article_id == article_id)
                .where(ArticleLocationRow.country == filters.country)
                .exists()
            )
        if filters.signal:
            conditions.append(
                select(ArticleSignalRow.article_pk)
                .join(ArticleRow, ArticleRow.id == ArticleSignalRow.article_pk)
                .where(ArticleRow.article_id == article_id)
                .where(ArticleSignalRow.type == filters.signal)
                .exists()
            )
        return conditions

    def _article_entries(
        self, session: Session, filters: AuditFilter, limit: int
    ) -> list[AuditEntry]:
        query = select(ArticleRow).options(
            selectinload(ArticleRow.signals), selectinload(ArticleRow.locations)
        )
        if filters.since:
            query = query.where(ArticleRow.classified_at >= filters.since)
        if filters.country:
            query = query.where(
                select(ArticleLocationRow.article_pk)
                .where(ArticleLocationRow.article_pk == ArticleRow.id)
                .where(ArticleLocationRow.country == filters.country)
                .exists()
            )
        if filters.signal:
            query = query.where(
                select(ArticleSignalRow.article_pk)
                .where(ArticleSignalRow.article_pk == ArticleRow.id)
                .where(ArticleSignalRow.type == filters.signal)
                .exists()
            )
        if filters.desk:
            query = query.where(
                select(RoutingDecisionRow.id)
                .where(RoutingDecisionRow.article_id == ArticleRow.article_id)
                .where(RoutingDecisionRow.desk_id == filters.desk)
                .where(RoutingDecisionRow.outcome == "matched")
                .exists()
            )
        query = query.order_by(ArticleRow.classified_at.desc(), ArticleRow.id.desc()).limit(limit)
        return [
            AuditEntry(
                at=row.classified_at,
                kind="article",
                status="classified",
                article_id=row.article_id,
                model=row.model,
                severity=row.severity,
                signals=_signal_types(row),
                countries=_countries(row),
            )
            for row in session.scalars(query)
        ]

    def _routing_entries(
        self, session: Session, filters: AuditFilter, limit: int
    ) -> list[AuditEntry]:
        query = select(RoutingDecisionRow)
        if filters.since:
            query = query.where(RoutingDecisionRow.decided_at >= filters.since)
        if filters.desk:
            query = query.where(RoutingDecisionRow.desk_id == filters.desk)
        query = query.where(*self._about_article(RoutingDecisionRow.article_id, filters))
        query = query.order_by(
            RoutingDecisionRow.decided_at.desc(), RoutingDecisionRow.id.desc()
        ).limit(limit)
        rows = list(session.scalars(query))
        facts = self._article_facts(session, {row.article_id for row in rows})
        entries = []
        for row in rows:
            fact = facts.get(row.article_id, _ArticleFacts())
            entries.append(
                AuditEntry(
                    at=row.decided_at,
                    kind="routing",
                    status=row.outcome,
                    article_id=row.article_id,
                    alert_id=row.alert_id,
                    desk_id=row.desk_id,
                    subscription_id=row.subscription_id,
                    channel=",".join(row.channels) or None,
                    reason=row.reason,
                    severity=fact.severity,
                    signals=fact.signals,
                    countries=fact.countries,
                )
            )
        return entries

    def _delivery_entries(
        self, session: Session, filters: AuditFilter, limit: int
    ) -> list[AuditEntry]:
        # Deliveries carry the alert, not the article: the routing decision links them.
        query = select(DeliveryEventRow, RoutingDecisionRow.article_id).outerjoin(
            RoutingDecisionRow,
            and_(
                RoutingDecisionRow.alert_id == DeliveryEventRow.alert_id,
                RoutingDecisionRow.desk_id == DeliveryEventRow.desk_id,
                RoutingDecisionRow.subscription_id == DeliveryEventRow.subscription_id,
            ),
        )
        if filters.since:
            query = query.where(DeliveryEventRow.at >= filters.since)
        if filters.desk:
            query = query.where(DeliveryEventRow.desk_id == filters.desk)
        query = query.where(*self._about_article(RoutingDecisionRow.article_id, filters))
        query = query.order_by(DeliveryEventRow.at.desc(), DeliveryEventRow.id.desc()).limit(limit)
        rows = list(session.execute(query).tuples())
        facts = self._article_facts(
            session, {article_id for _, article_id in rows if article_id is not None}
        )
        entries = []
        for event_row, article_id in rows:
            fact = facts.get(article_id or "", _ArticleFacts())
            entries.append(
                AuditEntry(
                    at=event_row.at,
                    kind="delivery",
                    status=event_row.status,
                    article_id=article_id,
                    alert_id=event_row.alert_id,
                    desk_id=event_row.desk_id,
                    subscription_id=event_row.subscription_id,
                    channel=event_row.channel,
                    reason=event_row.error,
                    severity=fact.severity,
                    signals=fact.signals,
                    countries=fact.countries,
                    attempts=event_row.attempts,
                    external_id=event_row.external_id,
                )
            )
        return entries

    def _dead_letter_entries(
        self, session: Session, filters: AuditFilter, limit: int
    ) -> list[AuditEntry]:
        if filters.desk or filters.country or filters.signal:
            return []  # a dead letter never became an article: no desk, place or signal
        query = select(DeadLetterRow)
        if filters.since:
            query = query.where(DeadLetterRow.at >= filters.since)
        query = query.order_by(DeadLetterRow.at.desc(), DeadLetterRow.id.desc()).limit(limit)
        return [
            AuditEntry(
                at=row.at,
                kind="dead_letter",
                status="dead_letter",
                reason=row.reason,
                detail=row.detail,
                external_id=row.origin,
            )
            for row in session.scalars(query)
        ]

    def _article_facts(self, session: Session, article_ids: set[str]) -> dict[str, _ArticleFacts]:
        """Severity, signals and countries of each article's newest classification."""
        if not article_ids:
            return {}
        query = (
            select(ArticleRow)
            .where(ArticleRow.article_id.in_(sorted(article_ids)))
            .options(selectinload(ArticleRow.signals), selectinload(ArticleRow.locations))
            .order_by(ArticleRow.classified_at, ArticleRow.id)
        )
        facts: dict[str, _ArticleFacts] = {}
        for row in session.scalars(query):  # oldest first, so the newest wins
            facts[row.article_id] = _ArticleFacts(
                severity=row.severity, signals=_signal_types(row), countries=_countries(row)
            )
        return facts

    def article_titles(
        self, article_ids: Sequence[str]
    ) -> dict[str, tuple[str | None, str | None, str | None]]:
        """(title, url, source) of each recorded article among `article_ids` (latest record)."""
        found: dict[str, tuple[str | None, str | None, str | None]] = {}
        if not article_ids:
            return found
        with self._sessions() as session:
            rows = session.execute(
                select(ArticleRow.article_id, ArticleRow.title, ArticleRow.url, ArticleRow.source)
                .where(ArticleRow.article_id.in_(list(article_ids)))
                .order_by(ArticleRow.classified_at, ArticleRow.id)
            )
            for article_id, title, url, source in rows:
                found[article_id] = (title, url, source)
        return found

    def get_article(self, article_id: str) -> ArticleHistory | None:
        """Everything recorded about one article, or None if nothing is."""
        with self._sessions() as session:
            articles = list(
                session.scalars(
                    select(ArticleRow)
                    .where(ArticleRow.article_id == article_id)
                    .options(selectinload(ArticleRow.signals), selectinload(ArticleRow.locations))
                    .order_by(ArticleRow.classified_at.desc(), ArticleRow.id.desc())
                )
            )
            decisions = list(
                session.scalars(
                    select(RoutingDecisionRow)
                    .where(RoutingDecisionRow.article_id == article_id)
                    .order_by(RoutingDecisionRow.decided_at, RoutingDecisionRow.id)
                )
            )
            if not articles and not decisions:
                return None
            alert_ids = sorted({decision.alert_id for decision in decisions})
            ledger = list(
                session.scalars(
                    select(DeliveryRow)
                    .where(DeliveryRow.alert_id.in_(alert_ids))
                    .order_by(DeliveryRow.first_at, DeliveryRow.id)
                )
            )
            events = list(
                session.scalars(
                    select(DeliveryEventRow)
                    .where(DeliveryEventRow.alert_id.in_(alert_ids))
                    .order_by(DeliveryEventRow.at, DeliveryEventRow.id)
                )
            )
        newest = articles[0] if articles else None
        return ArticleHistory(
            article_id=article_id,
            title=newest.title if newest else None,
            url=newest.url if newest else None,
            source=newest.source if newest else None,
            published_at=newest.published_at if newest else None,
            classifications=[_classification_record(row) for row in articles],
            decisions=[_routing_decision(row) for row in decisions],
            deliveries=_delivery_histories(ledger, events),
        )

    def summary(self) -> AuditSummary:
        """Counts over the whole history (see `AuditSummary`)."""
        with self._sessions() as session:
            classified = session.scalar(select(func.count(func.distinct(ArticleRow.article_id))))
            with_signals = session.scalar(
                select(func.count(func.distinct(ArticleRow.article_id))).where(
                    select(ArticleSignalRow.article_pk)
                    .where(ArticleSignalRow.article_pk == ArticleRow.id)
                    .exists()
                )
            )
            outcomes = _counts(
                session.execute(
                    select(RoutingDecisionRow.outcome, func.count()).group_by(
                        RoutingDecisionRow.outcome
                    )
                ).tuples()
            )
            ledger = _counts(
                session.execute(
                    select(DeliveryRow.status, func.count()).group_by(DeliveryRow.status)
                ).tuples()
            )
            duplicates = session.scalar(
                select(func.count())
                .select_from(DeliveryEventRow)
                .where(DeliveryEventRow.status == "duplicate")
            )
            matched_channels = session.scalars(
                select(RoutingDecisionRow.channels).where(RoutingDecisionRow.outcome == "matched")
            )
            deliveries_due = sum(len(channels) for channels in matched_channels)
            dead = _counts(
                session.execute(
                    select(DeadLetterRow.reason, func.count())
                    .group_by(DeadLetterRow.reason)
                    .order_by(DeadLetterRow.reason)
                ).tuples()
            )
        return AuditSummary(
            articles_classified=classified or 0,
            articles_with_signals=with_signals or 0,
            alerts_matched=outcomes.get("matched", 0),
            alerts_suppressed=outcomes.get("suppressed", 0),
            deliveries_due=deliveries_due,
            deliveries_sent=ledger.get("sent", 0),
            deliveries_failed=ledger.get("failed", 0) + ledger.get("undeliverable", 0),
            deliveries_retrying=ledger.get("retrying", 0),
            duplicates_refused=duplicates or 0,
            dead_letters=dead,
        )


def _counts(rows: Iterable[tuple[str, int]]) -> dict[str, int]:
    return {key: count for key, count in rows}


def _classification_record(row: ArticleRow) -> ClassificationRecord:
    return ClassificationRecord(
        model=row.model,
        classified_at=row.classified_at,
        severity=row.severity,
        casualties=Casualties(killed=row.killed, injured=row.injured),
        signals=[
            Signal.model_validate(
                {"type": signal.type, "score": signal.score, "evidence": signal.evidence}
            )
            for signal in row.signals
        ],
        locations=[
            Location(
                name=location.name,
                country=location.country,
                admin1=location.admin1,
                lat=location.lat,
                lon=location.lon,
            )
            for location in row.locations
        ],
    )


def _routing_decision(row: RoutingDecisionRow) -> RoutingDecision:
    return RoutingDecision.model_validate(
        {
            "alert_id": row.alert_id,
            "article_id": row.article_id,
            "desk_id": row.desk_id,
            "subscription_id": row.subscription_id,
            "outcome": row.outcome,
            "reason": row.reason,
            "channels": row.channels,
            "decided_at": row.decided_at,
        }
    )


def _delivery_result(row: DeliveryEventRow) -> DeliveryResult:
    return DeliveryResult.model_validate(
        {
            "delivery_key": row.delivery_key,
            "alert_id": row.alert_id,
            "desk_id": row.desk_id,
            "subscription_id": row.subscription_id,
            "channel": row.channel,
            "status": row.status,
            "attempts": row.attempts,
            "external_id": row.external_id,
            "error": row.error,
            "at": row.at,
        }
    )


def _delivery_histories(
    ledger: Sequence[DeliveryRow], events: Sequence[DeliveryEventRow]
) -> list[DeliveryHistory]:
    """One history per delivery key: the ledger row (if any) with its events."""
    by_key: dict[str, list[DeliveryResult]] = defaultdict(list)
    for event_row in events:
        by_key[event_row.delivery_key].append(_delivery_result(event_row))
    histories: list[DeliveryHistory] = []
    for row in ledger:
        histories.append(
            DeliveryHistory.model_validate(
                {
                    "delivery_key": row.delivery_key,
                    "alert_id": row.alert_id,
                    "desk_id": row.desk_id,
                    "subscription_id": row.subscription_id,
                    "channel": row.channel,
                    "status": row.status,
                    "attempts": row.attempts,
                    "external_id": row.external_id,
                    "error": row.error,
                    "events": by_key.pop(row.delivery_key, []),
                }
            )
        )
    for key, results in by_key.items():  # only refused replays, no ledger row
        last = results[-1]
        histories.append(
            DeliveryHistory(
                delivery_key=key,
                alert_id=last.alert_id,
                desk_id=last.desk_id,
                subscription_id=last.subscription_id,
                channel=last.channel,
                status=last.status,
                attempts=last.attempts,
                external_id=last.external_id,
                error=last.error,
                events=results,
            )
        )
    return histories
