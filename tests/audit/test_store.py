"""Recording is idempotent under replay; the delivery ledger refuses what was sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import func, select, text

from flashpoint.audit.models import (
    PAYLOAD_PREFIX_CHARS,
    ArticleLocationRow,
    ArticleRow,
    ArticleSignalRow,
    DeadLetterRow,
    DeliveryEventRow,
    DeliveryRow,
    RoutingDecisionRow,
)
from flashpoint.audit.store import AuditStore
from flashpoint.audit.views import AuditFilter
from flashpoint.audit.writer import dead_letter_origin
from flashpoint.core.db import Base, insert_ignore
from tests.audit.builders import (
    T0,
    classified,
    dead_letter,
    decision,
    delivery,
    rejected_line,
)


def count(store: AuditStore, model: type[Base]) -> int:
    with store.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(model)).scalar_one()


# -- idempotent replays -----------------------------------------------------------------


def test_replaying_a_classification_stores_it_once(store: AuditStore) -> None:
    item = classified(
        "a1", signals=[("shelling", 0.9), ("casualties", 0.7)], countries=["UA", "RU"]
    )

    store.record_classification(item)
    store.record_classification(item)
    # A replay that was classified again a little later is the same article and model.
    store.record_classification(item.model_copy(update={"classified_at": T0 + timedelta(5)}))

    assert count(store, ArticleRow) == 1
    assert count(store, ArticleSignalRow) == 2
    assert count(store, ArticleLocationRow) == 2


def test_a_new_model_version_is_kept_beside_the_old_one(store: AuditStore) -> None:
    store.record_classification(classified("a1", model="m1", severity=2))
    store.record_classification(
        classified("a1", model="m2", severity=4, at=T0 + timedelta(hours=1))
    )

    history = store.get_article("a1")

    assert history is not None
    assert [record.model for record in history.classifications] == ["m2", "m1"]
    assert count(store, ArticleRow) == 2


def test_replaying_routing_decisions_stores_them_once(store: AuditStore) -> None:
    decisions = [
        decision("a1", "ukraine"),
        decision("a1", "africa", outcome="suppressed", reason="no matching country"),
    ]

    store.record_routing(decisions)
    store.record_routing(decisions)
    store.record_routing([decisions[0].model_copy(update={"decided_at": T0 + timedelta(1)})])
    store.record_routing([])

    assert count(store, RoutingDecisionRow) == 2


def test_replaying_a_delivery_outcome_stores_it_once(store: AuditStore) -> None:
    sent = delivery("a1", "ukraine", "sent", external_id="1714560000.000100")

    store.record_delivery(sent)
    store.record_delivery(sent)

    assert count(store, DeliveryRow) == 1
    assert count(store, DeliveryEventRow) == 1


def test_replaying_a_dead_letter_stores_it_once(store: AuditStore) -> None:
    store.record_dead_letter(dead_letter(7))
    store.record_dead_letter(dead_letter(7, at=T0 + timedelta(minutes=1)))  # replayed later
    store.record_dead_letter(dead_letter(8))

    assert count(store, DeadLetterRow) == 2


def test_a_dead_letter_of_binary_junk_is_kept_on_every_database(store: AuditStore) -> None:
    # PostgreSQL refuses NUL in text, and no database encodes a lone surrogate.
    junk = {"payload": "\x00\x01 {\ud800 oops", "key": "k\x00ey"}
    store.record_dead_letter(dead_letter(9).model_copy(update=junk))

    [entry] = store.list_entries(AuditFilter(kind="dead_letter"))
    with store.engine.connect() as connection:
        payload, key = connection.execute(
            select(DeadLetterRow.payload_prefix, DeadLetterRow.key)
        ).one()
    assert payload.startswith("\ufffd\x01 {\ufffd") and payload.endswith(" oops")
    assert key == "k\ufffdey"
    assert entry.kind == "dead_letter"


def test_replaying_an_ingest_rejection_stores_it_once(store: AuditStore) -> None:
    store.record_dead_letter(rejected_line(3))
    store.record_dead_letter(rejected_line(3, at=T0 + timedelta(minutes=1)))
    store.record_dead_letter(rejected_line(4))

    entries = store.list_entries(AuditFilter(kind="dead_letter"))

    assert sorted(entry.external_id or "" for entry in entries) == [
        "samples/feed.jsonl:3",
        "samples/feed.jsonl:4",
    ]


def test_a_dead_letter_from_nowhere_is_told_apart_by_content(store: AuditStore) -> None:
    from_nowhere = rejected_line(1).model_copy(update={"line": None})
    store.record_dead_letter(from_nowhere)
    store.record_dead_letter(from_nowhere.model_copy(update={"at": T0 + timedelta(1)}))
    store.record_dead_letter(from_nowhere.model_copy(update={"payload": "other"}))

    assert count(store, DeadLetterRow) == 2
    assert dead_letter_origin(from_nowhere).startswith("samples/feed.jsonl#")


def test_dead_letters_keep_only_a_prefix_of_the_payload(store: AuditStore) -> None:
    payload = "x" * 10_000
    store.record_dead_letter(dead_letter(1, payload=payload))

    with store.engine.connect() as connection:
        prefix, size = connection.execute(
            select(DeadLetterRow.payload_prefix, DeadLetterRow.payload_bytes)
        ).one()

    assert prefix == payload[:PAYLOAD_PREFIX_CHARS]
    assert size == 10_000


# -- the delivery ledger ------------------------------------------------------------------


def test_sent_is_already_sent(store: AuditStore) -> None:
    sent = delivery("a1", "ukraine", "sent")
    assert not store.already_sent(sent.delivery_key)

    store.record_delivery(sent)

    assert store.already_sent(sent.delivery_key)
    assert not store.already_sent(delivery("a2", "ukraine", "sent").delivery_key)


def test_failed_is_not_already_sent(store: AuditStore) -> None:
    failed = delivery("a1", "ukraine", "failed", error="HTTP 503", attempts=5)

    store.record_delivery(failed)

    assert not store.already_sent(failed.delivery_key)


def test_a_retry_that_succeeds_turns_failed_into_sent(store: AuditStore) -> None:
    store.record_delivery(delivery("a1", "ukraine", "failed", error="timeout"))
    sent = delivery("a1", "ukraine", "sent", at=T0 + timedelta(minutes=1), external_id="ts-1")

    store.record_delivery(sent)

    assert store.already_sent(sent.delivery_key)
    summary = store.summary()
    assert (summary.deliveries_sent, summary.deliveries_failed) == (1, 0)
    history = store.get_article("a1")
    assert history is None  # no classification or routing: deliveries alone name no article


def test_a_refused_duplicate_is_history_and_keeps_the_sent_row(store: AuditStore) -> None:
    store.record_routing([decision("a1", "ukraine")])
    sent = delivery("a1", "ukraine", "sent", external_id="ts-original")
    store.record_delivery(sent)
    refused = delivery("a1", "ukraine", "duplicate", at=T0 + timedelta(minutes=3))
    refused_again = delivery("a1", "ukraine", "duplicate", at=T0 + timedelta(minutes=4))

    store.record_delivery(refused)
    store.record_delivery(refused)  # replay of the same refusal
    store.record_delivery(refused_again)

    assert store.already_sent(sent.delivery_key)
    with store.engine.connect() as connection:
        ledger = connection.execute(select(DeliveryRow.status, DeliveryRow.external_id)).all()
    assert ledger == [("sent", "ts-original")]
    assert count(store, DeliveryEventRow) == 3
    assert store.summary().duplicates_refused == 2
    history = store.get_article("a1")
    assert history is not None
    [one] = history.deliveries
    assert (one.status, one.external_id) == ("sent", "ts-original")
    assert [event.status for event in one.events] == ["sent", "duplicate", "duplicate"]


def test_failed_after_sent_never_downgrades_the_ledger(store: AuditStore) -> None:
    sent = delivery("a1", "ukraine", "sent", external_id="ts-1")
    store.record_delivery(sent)

    store.record_delivery(delivery("a1", "ukraine", "failed", at=T0 + timedelta(1), error="x"))
    store.record_delivery(delivery("a1", "ukraine", "sent", at=T0 + timedelta(2), external_id="2"))

    assert store.already_sent(sent.delivery_key)
    with store.engine.connect() as connection:
        assert connection.execute(select(DeliveryRow.external_id)).scalar_one() == "ts-1"


def test_the_error_string_is_stored_verbatim(store: AuditStore) -> None:
    error = 'SMTP 451 "try later"; server=mx.example, line\nbreak [bracketed] 100%'
    store.record_routing([decision("a1", "ukraine")])
    store.record_delivery(delivery("a1", "ukraine", "failed", error=error))

    history = store.get_article("a1")

    assert history is not None
    assert history.deliveries[0].error == error
    assert history.deliveries[0].events[0].error == error


# -- reading ------------------------------------------------------------------------------


def test_get_article_returns_the_whole_history(store: AuditStore) -> None:
    store.record_classification(
        classified("a1", signals=[("air_strike", 0.95), ("casualties", 0.8)], killed=4)
    )
    store.record_routing(
        [
            decision("a1", "ukraine"),
            decision("a1", "africa", outcome="suppressed", reason="country not subscribed"),
        ]
    )
    store.record_delivery(delivery("a1", "ukraine", "sent", external_id="ts-9", attempts=2))

    history = store.get_article("a1")

    assert history is not None
    assert history.title == "Title of a1"
    [record] = history.classifications
    assert [(s.type, s.score) for s in record.signals] == [
        ("air_strike", 0.95),
        ("casualties", 0.8),
    ]
    assert record.signals[0].evidence == "[air_strike] evidence, in a1"
    assert [place.country for place in record.locations] == ["UA"]
    assert record.casualties.killed == 4
    assert [(d.desk_id, d.outcome) for d in history.decisions] == [
        ("ukraine", "matched"),
        ("africa", "suppressed"),
    ]
    assert history.decisions[0].channels == ["slack:#ukraine"]
    [sent] = history.deliveries
    assert (sent.status, sent.attempts, sent.external_id) == ("sent", 2, "ts-9")


def test_get_article_of_an_unknown_article_is_none(store: AuditStore) -> None:
    store.record_classification(classified("a1"))

    assert store.get_article("nope") is None


def test_datetimes_come_back_aware_utc(store: AuditStore) -> None:
    kyiv = timezone(timedelta(hours=3))
    at = datetime(2024, 5, 1, 15, 30, 0, 123456, tzinfo=kyiv)
    store.record_classification(classified("a1", at=at))
    naive = datetime(2024, 5, 2, 8, 0)  # naive: taken as UTC
    store.record_routing([decision("a1", "ukraine", at=naive)])

    history = store.get_article("a1")

    assert history is not None
    classified_at = history.classifications[0].classified_at
    assert classified_at == at
    assert classified_at.tzinfo is UTC
    assert history.decisions[0].decided_at == naive.replace(tzinfo=UTC)


def test_summary_counts_everything(store: AuditStore) -> None:
    store.record_classification(classified("a1"))
    store.record_classification(classified("a1", model="m2"))
    store.record_classification(classified("a2", signals=[]))
    store.record_routing(
        [
            decision("a1", "ukraine"),
            decision("a1", "africa", outcome="suppressed"),
            decision("a1", "europe", outcome="suppressed"),
        ]
    )
    store.record_delivery(delivery("a1", "ukraine", "sent"))
    store.record_delivery(delivery("a1", "ukraine", "duplicate", at=T0 + timedelta(1)))
    store.record_delivery(delivery("a1", "europe", "failed", error="HTTP 500"))
    store.record_dead_letter(dead_letter(1))
    store.record_dead_letter(dead_letter(2))
    store.record_dead_letter(dead_letter(3, reason="missing field: text"))

    summary = store.summary()

    assert summary.articles_classified == 2
    assert summary.articles_with_signals == 1
    assert (summary.alerts_matched, summary.alerts_suppressed) == (1, 2)
    assert (summary.deliveries_sent, summary.deliveries_failed) == (1, 1)
    assert summary.duplicates_refused == 1
    assert summary.dead_letters == {"malformed JSON": 2, "missing field: text": 1}
    assert summary.dead_letters_total == 3


def test_an_empty_store_summarises_to_zero(store: AuditStore) -> None:
    summary = store.summary()

    assert summary.articles_classified == summary.deliveries_sent == 0
    assert summary.dead_letters == {}
    assert store.list_entries() == []


# -- the database ---------------------------------------------------------------------------


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(sqlite_url: str) -> None:
    with AuditStore.open(sqlite_url) as store, store.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 10_000
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_a_reader_is_not_blocked_by_an_open_write(sqlite_url: str) -> None:
    with AuditStore.open(sqlite_url) as writer, AuditStore.open(sqlite_url) as reader:
        writer.record_classification(classified("a1"))
        with writer.engine.connect() as connection:
            connection.execute(text("BEGIN EXCLUSIVE"))  # hold the write lock
            connection.execute(text("UPDATE articles SET severity = 5 WHERE article_id = 'a1'"))

            entries = reader.list_entries()  # would wait, then fail, without WAL

            connection.rollback()
    assert [entry.severity for entry in entries] == [3]


def test_an_in_memory_database_can_be_opened() -> None:
    with AuditStore.open("sqlite://") as memory:
        memory.record_classification(classified("a1"))
        assert [entry.article_id for entry in memory.list_entries()] == ["a1"]


def test_reopening_a_store_keeps_its_history(database_url: str) -> None:
    with AuditStore.open(database_url) as first:
        first.record_classification(classified("a1"))
    with AuditStore.open(database_url) as second:
        assert second.get_article("a1") is not None


def test_the_upserts_compile_for_postgresql() -> None:
    # No PostgreSQL server here: check the statements the store would send it.
    from sqlalchemy.dialects import postgresql

    statement = insert_ignore("postgresql", ArticleRow, ("article_id", "model")).returning(
        ArticleRow.id
    )
    sql = str(statement.compile(dialect=postgresql.dialect()))  # type: ignore[no-untyped-call]

    assert sql.endswith("ON CONFLICT (article_id, model) DO NOTHING RETURNING articles.id")
