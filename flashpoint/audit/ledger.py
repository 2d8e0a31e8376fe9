"""The delivery ledger: which delivery keys went out, and every outcome recorded.

A delivery key is refused once a 'sent' outcome exists for it (`already_sent`), and a
refused replay is recorded as a 'duplicate' event without touching the original 'sent'
row. The ledger row moves from 'failed' to 'sent' when a retry succeeds, never back.
"""

from __future__ import annotations

from sqlalchemy import (
    exists,
    select,
    update,
)

from flashpoint.audit.database import Database, patiently
from flashpoint.audit.models import (
    DeliveryEventRow,
    DeliveryRow,
)
from flashpoint.core.records import (
    DeliveryResult,
)


class LedgerStore(Database):
    """The deliverer's ledger in the audit database (`alerts.delivery.DeliveryLedger`)."""

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
