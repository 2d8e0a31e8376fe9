"""The audit queries: what desks ask of the history (lists, an article's story, counts)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    func,
    select,
)
from sqlalchemy.orm import Session, selectinload

from flashpoint.audit.database import Database
from flashpoint.audit.models import (
    ArticleLocationRow,
    ArticleRow,
    ArticleSignalRow,
    DeadLetterRow,
    DeliveryEventRow,
    DeliveryRow,
    RoutingDecisionRow,
)
from flashpoint.audit.views import (
    ENTRY_KINDS,
    ArticleHistory,
    AuditEntry,
    AuditFilter,
    AuditSummary,
    ClassificationRecord,
    DeliveryHistory,
)
from flashpoint.core.records import (
    Casualties,
    DeliveryResult,
    Location,
    RoutingDecision,
    Signal,
)


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


class AuditQueries(Database):
    """Answers desks' questions about the audit history."""

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
