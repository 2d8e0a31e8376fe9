"""The delivery stage: send one alert through its notifier, retrying, exactly once per key.

`Deliverer.deliver(alert)` always returns a `DeliveryResult` and records it in the ledger
(the audit store in production) before returning:

- **duplicate**: the ledger already holds a successful delivery for `alert.delivery_key`
  (a replay after a crash, or a second worker): nothing is sent, and the refusal is
  recorded so the audit shows it;
- **sent**: the notifier returned an external id (Slack ts, email Message-ID), after
  `attempts` tries (rate-limited tries included);
- **retrying**: a retryable `DeliveryError` on every one of `attempts` tries, or a
  Retry-After longer than `retry_max_s`, or rate limits past `rate_limit_max_s` (below):
  the delivery is kept in the outbox (`alerts.outbox`) and `retry_due` tries it again
  later; so is a delivery whose event thread on that channel has an earlier one waiting
  there (a follow-up never overtakes its parent);
- **undeliverable**: `retry_due` still failed for a passing reason once the delivery was
  older than `max_age_s` (default 24 h); logged as an error;
- **failed**: the notifier raised a non-retryable `DeliveryError`, or no notifier is
  configured for the channel kind. The error text comes from the notifier, free of secrets.

Without an outbox (unit tests of the retry policy), "retrying" becomes "failed".

Backoff between tries is exponential, ``retry_base_s * 2**(n-1)`` capped at
``retry_max_s``, and never shorter than a Retry-After the service gave.

Rate limits are not failures either. A `RateLimited` error (HTTP 429, Slack ``ratelimited``) does
not spend one of the `attempts`: the alert waits the service's Retry-After (or the backoff,
without one; never less than ``retry_base_s``) and is sent again, so a storm of 429s delays
alerts but loses none. Only when the waits for one alert would add up to more than
``rate_limit_max_s`` is it recorded as failed (the worker must not block forever).

Anything other than a `DeliveryError` is a bug and propagates (the worker crashes instead
of losing alerts). Time is injected (`sleep`, `clock`) so tests run instantly and can see
every wait.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Protocol

from flashpoint.alerts.notifiers import Notifier
from flashpoint.alerts.outbox import Deliverable, Outbox, OutboxEntry
from flashpoint.alerts.ratelimit import RateLimited
from flashpoint.core.clock import utc_now
from flashpoint.core.errors import DeliveryError
from flashpoint.core.records import DeliveryResult, DeliveryStatus
from flashpoint.core.settings import WorkerSettings
from flashpoint.surge.models import SurgeNotice

log = logging.getLogger(__name__)

DEFAULT_RATE_LIMIT_MAX_S = 300.0
_MIN_RATE_LIMIT_WAIT_S = 0.05  # a Retry-After of 0 must not become a busy loop


class DeliveryLedger(Protocol):
    """What the delivery stage needs from the audit store.

    `already_sent` is true once a "sent" result for the key was recorded. `record_delivery`
    must accept several results for one key (failed, then sent on a later replay; duplicate).
    """

    def already_sent(self, delivery_key: str) -> bool: ...

    def record_delivery(self, result: DeliveryResult) -> None: ...


class Deliverer:
    def __init__(
        self,
        notifiers: Mapping[str, Notifier],
        ledger: DeliveryLedger,
        *,
        attempts: int = 5,
        retry_base_s: float = 0.5,
        retry_max_s: float = 30.0,
        rate_limit_max_s: float = DEFAULT_RATE_LIMIT_MAX_S,
        outbox: Outbox | None = None,
        outbox_retry_max_s: float = 300.0,
        max_age_s: float = 86_400.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        if not rate_limit_max_s >= 0:
            raise ValueError("rate_limit_max_s must be 0 or more")
        self._notifiers = dict(notifiers)
        self._ledger = ledger
        self._attempts = attempts
        self._base = retry_base_s
        self._max = retry_max_s
        self._rate_limit_max = rate_limit_max_s
        self._outbox = outbox
        self._outbox_max = outbox_retry_max_s
        self._max_age = timedelta(seconds=max_age_s)
        self._sleep = sleep
        self._clock = clock

    @classmethod
    def from_settings(
        cls,
        notifiers: Mapping[str, Notifier],
        ledger: DeliveryLedger,
        worker: WorkerSettings,
        *,
        outbox: Outbox | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = utc_now,
    ) -> Deliverer:
        return cls(
            notifiers,
            ledger,
            attempts=worker.delivery_attempts,
            retry_base_s=worker.retry_base_s,
            retry_max_s=worker.retry_max_s,
            rate_limit_max_s=worker.rate_limit_max_s,
            outbox=outbox,
            outbox_retry_max_s=worker.outbox_retry_max_s,
            max_age_s=worker.outbox_max_age_s,
            sleep=sleep,
            clock=clock,
        )

    @property
    def outbox(self) -> Outbox | None:
        """Where retryable deliveries wait (None: they are recorded failed at once)."""
        return self._outbox

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after failed try number `attempt` (1-based), before Retry-After."""
        return exponential_backoff(self._base, attempt, self._max)

    def deliver(self, alert: Deliverable) -> DeliveryResult:
        key = alert.delivery_key
        if self._ledger.already_sent(key):
            log.info("delivery %s already sent; not sending again", key)
            return self._record(alert, "duplicate", attempts=0)
        notifier = self._notifiers.get(alert.channel.kind)
        if notifier is None:
            error = f"no notifier configured for channel kind {alert.channel.kind!r}"
            return self._record(alert, "failed", attempts=0, error=error)
        if self._outbox is not None:
            if self._outbox.holds(key):  # a replay of a deferred delivery: the outbox has it
                return self._record(alert, "retrying", attempts=0, error="already in the outbox")
            if self._outbox.waiting(alert):
                error = "waiting for an earlier delivery of its event thread"
                return self._retry_later(alert, 0, error, 0.0)
        tries = failures = limited = 0
        waited_for_limits = 0.0
        while True:
            tries += 1
            try:
                external_id = _send(notifier, alert)
            except RateLimited as exc:
                limited += 1
                wait = exc.retry_after if exc.retry_after is not None else self.backoff(limited)
                wait = max(wait, self._base, _MIN_RATE_LIMIT_WAIT_S)
                if waited_for_limits + wait > self._rate_limit_max:
                    error = (
                        f"{exc} (still rate limited after waiting {waited_for_limits:g}s; "
                        f"rate_limit_max_s is {self._rate_limit_max:g}s)"
                    )
                    return self._retry_later(alert, tries, error, wait)
                waited_for_limits += wait
                log.info("delivery %s rate limited (%s); retry in %.2fs", key, exc, wait)
                self._sleep(wait)
            except DeliveryError as exc:
                failures += 1
                if not exc.retryable:
                    log.warning("delivery %s failed: %s", key, exc)
                    return self._record(alert, "failed", attempts=tries, error=str(exc))
                wait = max(self.backoff(failures), exc.retry_after or 0.0)
                later = self._later(exc, failures, tries)
                if later is not None:
                    return self._retry_later(alert, tries, later, wait)
                log.info("delivery %s try %d failed (%s); retry in %.2fs", key, tries, exc, wait)
                self._sleep(wait)
            else:
                return self._record(alert, "sent", attempts=tries, external_id=external_id)

    def _later(self, exc: DeliveryError, failures: int, tries: int) -> str | None:
        """Why a retryable failure stops the tries in line, else None (try again now).

        `failures` counts the failed tries that were not rate limits; `tries`, all of them.
        """
        if failures >= self._attempts:
            return f"{exc} (gave up after {tries} tries)"
        if exc.retry_after is not None and exc.retry_after > self._max:
            return (
                f"{exc} (asked to retry after {exc.retry_after:g}s, "
                f"more than retry_max_s {self._max:g}s)"
            )
        return None

    def _retry_later(
        self, alert: Deliverable, tries: int, error: str, wait: float
    ) -> DeliveryResult:
        """Keep the delivery in the outbox for a later try ("failed" without an outbox)."""
        if self._outbox is None:
            log.warning("delivery %s failed: %s", alert.delivery_key, error)
            return self._record(alert, "failed", attempts=tries, error=error)
        now = self._clock()
        wait = min(self._outbox_max, max(wait, self._base))
        next_at = now + timedelta(seconds=wait)
        self._outbox.defer(alert, error=error, attempts=tries, now=now, next_at=next_at)
        log.warning(
            "delivery %s waits in the outbox (%s); next try in %.1fs",
            alert.delivery_key,
            error,
            wait,
        )
        return self._record(alert, "retrying", attempts=tries, error=error)

    def retry_due(self) -> list[DeliveryResult]:
        """One try for each delivery due in the outbox, oldest first: the outcomes recorded
        (sent, duplicate, failed, undeliverable; one still failing is rescheduled quietly)."""
        if self._outbox is None:
            return []
        results = []
        for entry in self._outbox.due(self._clock()):
            result = self._retry(entry, self._outbox)
            if result is not None:
                results.append(result)
        return results

    def _retry(self, entry: OutboxEntry, outbox: Outbox) -> DeliveryResult | None:
        item, key = entry.item, entry.delivery_key
        tries = entry.attempts + 1
        if self._ledger.already_sent(key):
            result = self._record(item, "duplicate", attempts=0)
        elif (notifier := self._notifiers.get(item.channel.kind)) is None:
            error = f"no notifier configured for channel kind {item.channel.kind!r}"
            result = self._record(item, "failed", attempts=entry.attempts, error=error)
        else:
            try:
                external_id = _send(notifier, item)
            except DeliveryError as exc:
                final = self._still_failing(entry, outbox, exc, tries)
                if final is None:
                    return None
                result = final
            else:
                result = self._record(item, "sent", attempts=tries, external_id=external_id)
        outbox.remove(key)  # only after the outcome is in the ledger
        return result

    def _still_failing(
        self, entry: OutboxEntry, outbox: Outbox, exc: DeliveryError, tries: int
    ) -> DeliveryResult | None:
        """The final outcome of a retry that failed, or None after rescheduling it."""
        if not exc.retryable:
            return self._record(entry.item, "failed", attempts=tries, error=str(exc))
        now = self._clock()
        age = now - entry.created_at
        if age >= self._max_age:
            error = f"{exc} (undeliverable: still failing after {tries} tries over {age})"
            log.error(
                "delivery %s to %s is undeliverable: %s",
                entry.delivery_key,
                entry.item.channel,
                error,
            )
            return self._record(entry.item, "undeliverable", attempts=tries, error=error)
        wait = max(
            exponential_backoff(self._base, tries, self._outbox_max),
            min(exc.retry_after or 0.0, self._outbox_max),
            self._base,
        )
        outbox.reschedule(
            entry.delivery_key,
            attempts=tries,
            error=str(exc),
            next_at=now + timedelta(seconds=wait),
        )
        log.info("delivery %s still failing (%s); next try in %.1fs", entry.delivery_key, exc, wait)
        return None

    def _record(
        self,
        alert: Deliverable,
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


def exponential_backoff(base_s: float, attempt: int, cap_s: float) -> float:
    """Seconds to wait after failed try number `attempt` (1-based): `base_s` doubled
    each try, at most `cap_s` (the one backoff rule of the deliverer and its outbox)."""
    return float(min(cap_s, base_s * 2 ** min(attempt - 1, 30)))


def _send(notifier: Notifier, item: Deliverable) -> str:
    if isinstance(item, SurgeNotice):
        return notifier.send_surge(item)
    return notifier.send(item)


def record_outcome(
    ledger: DeliveryLedger,
    alert: Deliverable,
    status: DeliveryStatus,
    *,
    attempts: int,
    at: datetime,
    external_id: str | None = None,
    error: str | None = None,
) -> DeliveryResult:
    """Record one alert's delivery outcome in the ledger (the audit store) and return it."""
    result = DeliveryResult(
        delivery_key=alert.delivery_key,
        alert_id=alert.alert_id,
        desk_id=alert.desk_id,
        subscription_id=alert.subscription_id,
        channel=str(alert.channel),
        status=status,
        attempts=attempts,
        external_id=external_id,
        error=error,
        at=at,
    )
    ledger.record_delivery(result)
    return result
