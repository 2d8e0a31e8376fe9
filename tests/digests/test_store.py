"""PendingStore keeps each deferred alert once, until it is due, in a real SQLite file."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from flashpoint.alerts.routing import DeferredAlert
from flashpoint.digests.models import PendingAlertRow
from flashpoint.digests.store import PendingStore
from tests.support.records import make_alert

from .conftest import Clock, routed, router, utc


def deferred(article_id: str, send_at_hour: int = 13) -> DeferredAlert:
    alert = make_alert(article_id=article_id)
    return DeferredAlert(alert, utc(1, send_at_hour), "digest", "hourly")


def test_hold_is_idempotent_on_the_delivery_key(pending: PendingStore) -> None:
    item = deferred("art-1")
    assert pending.hold(item) is True
    assert pending.hold(item) is False
    # A replay routed later computes a later send time: the first hold stands.
    assert pending.hold(DeferredAlert(item.alert, utc(1, 14), "digest", "hourly")) is False
    assert pending.pending() == 1
    [batch] = pending.due(utc(1, 23))
    assert batch.send_at == utc(1, 13)
    assert batch.alerts == (item.alert,)


def test_due_waits_for_the_send_time(pending: PendingStore) -> None:
    pending.hold(deferred("art-1"))
    assert pending.due(utc(1, 12, 59, 59)) == []
    [batch] = pending.due(utc(1, 13))
    assert batch.key == "sudan-all:slack:#sudan-desk@2026-03-01T13:00Z"
    assert (batch.why, batch.digest, batch.channel_kind) == ("digest", "hourly", "slack")
    assert batch.send_at.tzinfo is not None and batch.send_at.utcoffset() == timedelta(0)


def test_due_groups_by_batch_key_in_send_time_order(pending: PendingStore, clock: Clock) -> None:
    route = router(mode="digest", digest="hourly")
    for article_id, at in [("a", utc(1, 13, 10)), ("b", utc(1, 12, 5)), ("c", utc(1, 12, 40))]:
        clock.now = at
        assert pending.hold_all(routed(route, article_id, at).deferred) == 2
    batches = pending.due(utc(1, 15))
    assert [(b.send_at, b.channel_kind) for b in batches] == [
        (utc(1, 13), "email"),
        (utc(1, 13), "slack"),
        (utc(1, 14), "email"),
        (utc(1, 14), "slack"),
    ]
    # Alerts in the order they were routed (held), with the alert as it was routed.
    assert [a.article.id for a in batches[1].alerts] == ["b", "c"]
    assert batches[1].alerts[0].headline == "Report b"
    assert all(len(set(b.row_ids)) == len(b.alerts) for b in batches)


def test_mark_flushed_marks_only_the_rows_read(pending: PendingStore, clock: Clock) -> None:
    pending.hold(deferred("art-1"))
    [batch] = pending.due(utc(1, 13))
    pending.hold(deferred("art-2"))  # held into the same batch after it was read
    pending.mark_flushed(batch, utc(1, 13, 0, 1))
    [late] = pending.due(utc(1, 13, 1))
    assert late.key == batch.key
    assert [a.article.id for a in late.alerts] == ["art-2"]
    pending.mark_flushed(late, utc(1, 13, 1))
    assert pending.due(utc(2, 0)) == []
    assert pending.pending() == 0


def test_purge_deletes_only_flushed_rows(pending: PendingStore) -> None:
    pending.hold(deferred("art-1"))
    pending.hold(deferred("art-2", send_at_hour=20))
    [batch] = pending.due(utc(1, 13))
    pending.mark_flushed(batch, utc(1, 13))
    assert pending.purge(utc(1, 12)) == 0  # flushed after the cut-off
    assert pending.purge(utc(2, 0)) == 1
    assert pending.pending() == 1
    # A purged alert could be held again; the ledger still refuses to send it twice.
    assert pending.hold(deferred("art-1")) is True


def test_a_row_that_no_longer_reads_as_an_alert_is_left_pending(pending: PendingStore) -> None:
    broken = deferred("art-1")
    pending.hold(broken)
    pending.hold(deferred("art-2"))
    with pending.engine.begin() as connection:
        connection.execute(
            update(PendingAlertRow)
            .where(PendingAlertRow.delivery_key == broken.alert.delivery_key)
            .values(alert='{"not": "an alert"}')
        )
    [batch] = pending.due(utc(1, 13))
    assert [a.article.id for a in batch.alerts] == ["art-2"]
    pending.mark_flushed(batch, utc(1, 13))
    assert pending.pending() == 1  # the unreadable row stays, for a person to look at
