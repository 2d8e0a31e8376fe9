"""The audit writer: records each classification, routing decision and dead letter once.

Every `record_*` method is idempotent, because the Kafka pipeline is at-least-once and
will replay: each table has a natural unique key (see `audit.models`) and writes are
``INSERT ... ON CONFLICT DO NOTHING``, so a replay of a fact already stored changes
nothing. The first record of a fact wins; history is never rewritten.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import (
    func,
    insert,
    select,
)

from flashpoint.audit.database import Database, storable
from flashpoint.audit.models import (
    PAYLOAD_PREFIX_CHARS,
    ArticleLocationRow,
    ArticleRevisionRow,
    ArticleRow,
    ArticleSignalRow,
    DeadLetterRow,
    RoutingDecisionRow,
)
from flashpoint.core.records import (
    Article,
    ClassifiedArticle,
    DeadLetter,
    RoutingDecision,
)


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


class AuditWriter(Database):
    """Writes what the stages decided (see the module docstring)."""

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
