"""The outbox: an outage delays a delivery, never loses it, and a thread keeps its order.

A real SQLite audit database (ledger and outbox); a scripted notifier stands for Slack, and
the clock is moved by hand, so hours of outage take no time.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from flashpoint.alerts.delivery import Deliverer
from flashpoint.alerts.outbox import Outbox, OutboxRow
from flashpoint.audit.store import AuditStore
from flashpoint.core.errors import DeliveryError
from flashpoint.core.records import Alert, Channel, DeliveryResult
from flashpoint.surge.models import SurgeNotice
from tests.alerts.story import Story
from tests.alerts.test_delivery import ScriptedNotifier, retryable
from tests.support.records import NOW, make_alert
from tests.surge.test_notices import notice

DOWN = retryable()


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def store(database_url: str) -> Iterator[AuditStore]:
    with AuditStore.open(database_url) as opened:
        yield opened


def deliverer(
    store: AuditStore, notifier: ScriptedNotifier, clock: Clock, *, max_age_s: float = 86_400
) -> tuple[Deliverer, Outbox]:
    outbox = Outbox(store.engine)
    built = Deliverer(
        {notifier.kind: notifier},
        store,
        attempts=2,
        retry_base_s=1.0,
        retry_max_s=4.0,
        outbox=outbox,
        outbox_retry_max_s=60.0,
        max_age_s=max_age_s,
        sleep=clock.advance,
        clock=clock,
    )
    return built, outbox


def test_an_outage_delays_the_alert_and_it_goes_out_once_slack_is_back(
    store: AuditStore,
) -> None:
    clock = Clock()
    # Two tries in line fail, then four retries from the outbox, then Slack is back.
    notifier = ScriptedNotifier(DOWN, DOWN, DOWN, DOWN, DOWN, DOWN, "1700000000.1")
    engine, outbox = deliverer(store, notifier, clock)
    alert = make_alert()

    first = engine.deliver(alert)

    assert (first.status, first.attempts) == ("retrying", 2)
    assert outbox.depth() == 1
    assert engine.retry_due() == []  # not due yet: nothing tried
    assert len(notifier.sent) == 2
    waits = []
    results: list[DeliveryResult] = []
    while not results:
        due = next_attempt(store)
        waits.append((due - clock.now).total_seconds())
        clock.now = due
        results = engine.retry_due()
    [sent] = results
    assert (sent.status, sent.attempts, sent.external_id) == ("sent", 7, "1700000000.1")
    assert waits == [2.0, 4.0, 8.0, 16.0, 32.0]  # in line it waited 1 s: it goes on doubling
    assert outbox.depth() == 0
    assert store.already_sent(alert.delivery_key)
    assert engine.deliver(alert).status == "duplicate"  # a replay later is refused
    assert len(notifier.sent) == 7
    assert store.summary().deliveries_sent == 1


def next_attempt(store: AuditStore) -> datetime:
    with Session(store.engine) as session:
        found: datetime | None = session.scalar(select(func.min(OutboxRow.next_attempt_at)))
    assert found is not None
    return found if found.tzinfo else found.replace(tzinfo=UTC)


def test_a_follow_up_waits_behind_its_parent_and_goes_out_after_it(store: AuditStore) -> None:
    clock = Clock()
    story = Story()
    parent = story.report("new", article_id="art-1")
    follow_up = story.report("escalated", ["severity 3 → 4"], article_id="art-2")
    other_event = Story("ev-other").report("new", article_id="art-3")
    notifier = ScriptedNotifier(DOWN, DOWN, "ts-other", "ts-parent", "ts-follow-up")
    engine, outbox = deliverer(store, notifier, clock)

    assert engine.deliver(parent).status == "retrying"
    waiting = engine.deliver(follow_up)
    assert (waiting.status, waiting.attempts) == ("retrying", 0)
    assert waiting.error == "waiting for an earlier delivery of its event thread"
    assert engine.deliver(other_event).status == "sent"  # another thread is not held up

    clock.advance(3600)
    assert [r.alert_id for r in engine.retry_due()] == [parent.alert_id]
    assert [r.alert_id for r in engine.retry_due()] == [follow_up.alert_id]
    sent_order = [item.article.id for item in notifier.sent if isinstance(item, Alert)]
    assert sent_order == ["art-1", "art-1", "art-3", "art-1", "art-2"]
    assert outbox.depth() == 0


def test_retry_after_is_honoured_from_the_outbox(store: AuditStore) -> None:
    clock = Clock()
    notifier = ScriptedNotifier(DOWN, DOWN, retryable(retry_after=45.0), "ok")
    engine, _ = deliverer(store, notifier, clock)
    engine.deliver(make_alert())
    clock.advance(60)
    assert engine.retry_due() == []
    assert next_attempt(store) == clock.now + timedelta(seconds=45)
    clock.advance(44)
    assert engine.retry_due() == []
    clock.advance(1)
    assert [r.status for r in engine.retry_due()] == ["sent"]


def test_after_the_maximum_age_it_is_undeliverable_once(
    store: AuditStore, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    notifier = ScriptedNotifier(*[DOWN] * 40)
    engine, outbox = deliverer(store, notifier, clock, max_age_s=600)
    alert = make_alert()
    engine.deliver(alert)
    outcomes = []
    with caplog.at_level(logging.ERROR):
        for _ in range(30):
            clock.advance(60)
            outcomes += engine.retry_due()
    assert [r.status for r in outcomes] == ["undeliverable"]
    assert "undeliverable" in (outcomes[0].error or "")
    assert outbox.depth() == 0
    assert sum("undeliverable" in record.getMessage() for record in caplog.records) == 1
    assert store.summary().deliveries_failed == 1


def test_a_permanent_error_on_retry_is_final(store: AuditStore) -> None:
    clock = Clock()
    refused = DeliveryError("channel_not_found", retryable=False)
    notifier = ScriptedNotifier(DOWN, DOWN, refused)
    engine, outbox = deliverer(store, notifier, clock)
    engine.deliver(make_alert())
    clock.advance(60)
    [result] = engine.retry_due()
    assert (result.status, result.error) == ("failed", "channel_not_found")
    assert outbox.depth() == 0


def test_a_replay_of_a_waiting_alert_is_not_sent_beside_the_outbox(store: AuditStore) -> None:
    clock = Clock()
    notifier = ScriptedNotifier(DOWN, DOWN, "ok")
    engine, outbox = deliverer(store, notifier, clock)
    alert = make_alert()
    engine.deliver(alert)
    replay = engine.deliver(alert)  # Kafka delivers it again after a crash
    assert (replay.status, replay.error) == ("retrying", "already in the outbox")
    assert len(notifier.sent) == 2
    assert outbox.depth() == 1


def test_a_surge_notice_waits_in_the_outbox_too(store: AuditStore) -> None:
    clock = Clock()
    notifier = ScriptedNotifier(DOWN, DOWN, "ok")
    engine, _ = deliverer(store, notifier, clock)
    surge = notice(Channel(kind="slack", target="#kordofan"))
    assert engine.deliver(surge).status == "retrying"
    clock.advance(60)
    [result] = engine.retry_due()
    assert result.status == "sent"
    assert isinstance(notifier.sent[-1], SurgeNotice)
