"""Announcing to the people who run Flashpoint that an alert could not be delivered.

An alert becomes "undeliverable" once, when its channel has kept failing for the outbox's
maximum age (24 h by default): the outbox (`alerts.delivery`) or the digest sender
(`digests.sender`) records that outcome in the delivery ledger and never tries again.
Both already log it as an error on the worker's console. `AnnouncingLedger` wraps the
ledger both of them write to, so that single record is also sent, when `ops_channel` is
set (`FLASHPOINT_OPS_CHANNEL`, e.g. "email:ops@example.org"), there as a plain notice.

The announcement is best effort and sent once: the ledger row is the durable record (the
audit history shows it), and the ops channel may well be down for the same reason as the
alert's (choose one that does not share its fate: email when desks read Slack). A failed
announcement is logged and not retried.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from flashpoint.alerts.delivery import DeliveryLedger
from flashpoint.alerts.notifiers import Notifier
from flashpoint.core.errors import DeliveryError
from flashpoint.core.records import Channel, DeliveryResult

log = logging.getLogger(__name__)


class AnnouncingLedger:
    """A delivery ledger that also announces each undeliverable outcome it records."""

    def __init__(
        self,
        ledger: DeliveryLedger,
        notifiers: Mapping[str, Notifier],
        ops_channel: Channel | None,
    ) -> None:
        self._ledger = ledger
        self._notifiers = notifiers
        self._ops = ops_channel

    def already_sent(self, delivery_key: str) -> bool:
        return self._ledger.already_sent(delivery_key)

    def record_delivery(self, result: DeliveryResult) -> None:
        self._ledger.record_delivery(result)
        if result.status == "undeliverable" and self._ops is not None:
            self.announce(result, self._ops)

    def announce(self, result: DeliveryResult, ops: Channel) -> None:
        subject = f"Alert undeliverable to {result.channel}"
        text = (
            f"Alert {result.alert_id} for desk {result.desk_id} (subscription "
            f"{result.subscription_id}) could not be delivered to {result.channel} after "
            f"{result.attempts} tries: {result.error or 'no reason given'}. It will not be "
            "tried again; the audit history keeps the record."
        )
        notifier = self._notifiers.get(ops.kind)
        if notifier is None:
            log.error("ops channel %s: no notifier configured for %r", ops, ops.kind)
            return
        try:
            notifier.send_notice(ops, subject, text)
        except DeliveryError as error:
            log.error("ops channel %s: the announcement failed: %s", ops, error)
