"""The digest sender: sends held alerts when their time comes, one message per batch.

`DigestSender.flush_due()` reads the batches that are due (`PendingStore.due(clock())`)
and, for each one:

1. **skips** every alert whose delivery key the ledger already has as sent (a replay, or a
   crash after sending and recording but before the batch was marked), recording a
   "duplicate" result for it, as the delivery stage does for a refused replay;
2. **sends** the rest through the notifier of the batch's channel kind: one
   `send_digest` message per batch (split into parts of at most `max_per_message`
   alerts; Slack takes at most 50 blocks a message). A quiet-hours batch of exactly one
   alert is sent with the notifier's plain `send(alert)` instead: the desk gets the
   alert's usual card (threaded under its event, like any alert), not a "digest" of one.
   A digest subscription's batch of one is still a digest, so its messages look alike;
3. **records** one `DeliveryResult` per alert through the ledger: "sent" with the
   message's external id (the same for every alert of the message), or "failed" with the
   error when the notifier refused for good (`DeliveryError` with ``retryable=False``, or
   no notifier for the channel kind);
4. **marks** the batch flushed.

What it drops: nothing. A retryable `DeliveryError` (a rate limit, a timeout, a 5xx, a
4xx SMTP reply) stops that batch where it is: nothing is recorded for its unsent alerts,
it is not marked, and the next `flush_due` tries again (the timer's interval is the
backoff). Parts already sent are in the ledger, so they are not sent again. Once a batch
is still failing `max_age_s` after its send time (24 h, the outbox's limit), its unsent
alerts are recorded "undeliverable" (logged as an error) and the batch is marked. The
number of tries so far is kept in memory and reported as `attempts` once the batch goes
out.

Crash safety is the ledger's: results are recorded right after each message is accepted,
and before the batch is marked. A crash between the notifier's answer and the ledger write
sends that message again on the next flush (at-least-once, like every side effect here;
email digests then carry the same Message-ID). Calling `flush_due` twice sends nothing the
second time. Calls within one process are serialised by a lock; run the flush on one
worker only (a Faust timer with ``on_leader=True``): two processes flushing one database
could both send a batch before either records it.

Anything other than a `DeliveryError` is a bug and propagates; the batch stays pending.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta

from flashpoint.alerts.delivery import DeliveryLedger, record_outcome
from flashpoint.alerts.notifiers import DigestNotifier
from flashpoint.alerts.notifiers.render import DigestWindow
from flashpoint.core.clock import utc_now
from flashpoint.core.errors import DeliveryError
from flashpoint.core.records import Alert, DeliveryResult, DeliveryStatus
from flashpoint.digests.store import Batch, PendingStore

log = logging.getLogger(__name__)

# Slack lists at most 45 alerts in one message (alerts.notifiers.slack.DIGEST_MAX_ALERTS).
DEFAULT_MAX_PER_MESSAGE = 40


class _Retry(Exception):
    """A retryable failure: leave the batch for the next flush."""


class DigestSender:
    """Flushes due batches of held alerts (see the module docstring).

    `notifiers`: the notifier for each channel kind (`alerts.notifiers.build_notifiers`).
    `ledger`: the delivery ledger (the audit store). `clock`: now, aware UTC.
    """

    def __init__(
        self,
        store: PendingStore,
        notifiers: Mapping[str, DigestNotifier],
        ledger: DeliveryLedger,
        clock: Callable[[], datetime] = utc_now,
        *,
        max_per_message: int = DEFAULT_MAX_PER_MESSAGE,
        max_age_s: float = 86_400.0,
    ) -> None:
        if max_per_message < 1:
            raise ValueError("max_per_message must be at least 1")
        self._store = store
        self._notifiers = dict(notifiers)
        self._ledger = ledger
        self._clock = clock
        self._max = max_per_message
        self._max_age = timedelta(seconds=max_age_s)
        self._lock = threading.Lock()
        self._tries: dict[str, int] = {}  # batch key -> tries so far (retryable failures)

    def flush_due(self) -> list[DeliveryResult]:
        """Send every batch due now; the results recorded (sent, failed, duplicate)."""
        with self._lock:
            results: list[DeliveryResult] = []
            for batch in self._store.due(self._clock()):
                results += self._flush(batch)
            return results

    def _flush(self, batch: Batch) -> list[DeliveryResult]:
        results: list[DeliveryResult] = []
        unsent: list[Alert] = []
        for alert in batch.alerts:
            if self._ledger.already_sent(alert.delivery_key):
                log.info("delivery %s already sent; not sending again", alert.delivery_key)
                results.append(self._record(alert, "duplicate", attempts=0))
            else:
                unsent.append(alert)
        notifier = self._notifiers.get(batch.channel_kind)
        if unsent and notifier is None:
            error = f"no notifier configured for channel kind {batch.channel_kind!r}"
            results += [self._record(a, "failed", attempts=0, error=error) for a in unsent]
        elif unsent and notifier is not None:
            try:
                results += self._send(batch, unsent, notifier)
            except _Retry as retry:
                if self._clock() - batch.send_at < self._max_age:
                    return results
                results += self._give_up(batch, str(retry))
        self._tries.pop(batch.key, None)
        self._store.mark_flushed(batch, self._clock())
        return results

    def _give_up(self, batch: Batch, error: str) -> list[DeliveryResult]:
        """The batch's alerts not yet sent, recorded undeliverable after `max_age_s`."""
        tries = self._tries.get(batch.key, 0)
        error = f"{error} (undeliverable: still failing {self._max_age} after its send time)"
        log.error("batch %s is undeliverable: %s", batch.key, error)
        return [
            self._record(alert, "undeliverable", attempts=tries, error=error)
            for alert in batch.alerts
            if not self._ledger.already_sent(alert.delivery_key)
        ]

    def _send(
        self, batch: Batch, alerts: Sequence[Alert], notifier: DigestNotifier
    ) -> list[DeliveryResult]:
        """Send `alerts` of `batch` in as many parts as needed; raise `_Retry` to stop."""
        results: list[DeliveryResult] = []
        parts = math.ceil(len(alerts) / self._max)
        for index in range(parts):
            chunk = alerts[index * self._max : (index + 1) * self._max]
            tries = self._tries.get(batch.key, 0) + 1
            self._tries[batch.key] = tries
            try:
                if batch.why == "quiet_hours" and len(alerts) == 1:
                    external_id = notifier.send(chunk[0])
                else:
                    period = DigestWindow.of(
                        alerts,
                        send_at=batch.send_at,
                        digest=batch.digest,
                        part=index + 1,
                        parts=parts,
                    )
                    external_id = notifier.send_digest(chunk, why=batch.why, period=period)
            except DeliveryError as exc:
                if exc.retryable:
                    log.warning(
                        "batch %s (%d alerts): try %d failed, will try again at the next flush: %s",
                        batch.key,
                        len(chunk),
                        tries,
                        exc,
                    )
                    raise _Retry(str(exc)) from None
                log.warning("batch %s (%d alerts) failed: %s", batch.key, len(chunk), exc)
                results += [
                    self._record(alert, "failed", attempts=tries, error=str(exc)) for alert in chunk
                ]
            else:
                results += [
                    self._record(alert, "sent", attempts=tries, external_id=external_id)
                    for alert in chunk
                ]
            self._tries[batch.key] = 0  # the next part starts its own count
        return results

    def _record(
        self,
        alert: Alert,
        status: DeliveryStatus,
        *,
        attempts: int,
        external_id: str | None = None,
        error: str | None = None,
    ) -> DeliveryResult:
        return record_outcome(
            self._ledger,
            alert,
            status,
            attempts=attempts,
            at=self._clock(),
            external_id=external_id,
            error=error,
        )
