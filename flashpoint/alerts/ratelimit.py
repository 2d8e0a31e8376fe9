"""Per-channel pacing for chat services, and the error that says "slow down".

Slack accepts about one message a second per channel and answers a burst with HTTP 429
and a Retry-After. `ChannelRateLimiter` keeps a worker under that pace: `wait(key)` blocks
until the channel may send again and reserves the next slot, so callers queue behind one
another (nothing is dropped) while other channels go on undisturbed.

`RateLimited` is the `DeliveryError` a notifier raises for a rate limit. The delivery stage
does not count it against the alert's tries: it waits (Retry-After, or its backoff) and
tries again, up to a total waiting budget, because a rate limit says "later", not "never".

Time is injected (`clock`, `sleep`) so tests can watch every wait without sleeping.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from flashpoint.core.errors import DeliveryError

_PRUNE_ABOVE = 10_000  # channels remembered before stale reservations are dropped


class RateLimited(DeliveryError):
    """The service refused for now (HTTP 429, Slack ``ratelimited``); always retryable.

    `retry_after` is the service's Retry-After in seconds, when it gave one.
    """

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message, retryable=True, retry_after=retry_after)


class ChannelRateLimiter:
    """At most one send per `min_interval_s` per channel key; thread-safe.

    Each `wait` reserves the channel's next free slot under a lock and then sleeps outside
    it, so concurrent senders to one channel are spaced `min_interval_s` apart in the order
    they reserved, and a sender to another channel never waits for them.
    """

    def __init__(
        self,
        min_interval_s: float = 1.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not math.isfinite(min_interval_s) or min_interval_s < 0:
            raise ValueError("min_interval_s must be a finite number of seconds, 0 or more")
        self.min_interval_s = float(min_interval_s)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}  # channel key -> earliest time of its next send

    def wait(self, channel_key: str) -> float:
        """Block until `channel_key` may send, and claim that slot; the seconds waited."""
        with self._lock:
            now = self._clock()
            start = max(now, self._next.get(channel_key, now))
            self._next[channel_key] = start + self.min_interval_s
            if len(self._next) > _PRUNE_ABOVE:
                self._prune(now)
        delay = start - now
        if delay > 0:
            self._sleep(delay)
        return delay

    def _prune(self, now: float) -> None:
        for key in [key for key, at in self._next.items() if at <= now]:
            del self._next[key]


__all__ = ["ChannelRateLimiter", "RateLimited"]
