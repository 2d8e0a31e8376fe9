"""One root exception for Flashpoint, so callers can catch everything of ours at once.

FlashpointError
├── ConfigError            bad settings or subscriptions file (names the bad key)
├── InvalidArticle         an input record that cannot become an Article (goes to the DLQ)
├── BrokerError            the local Kafka broker would not start, stop or answer
└── DeliveryError          a notifier could not deliver; `retryable` says whether to try again
"""

from __future__ import annotations


class FlashpointError(Exception):
    """Root of every error Flashpoint raises on purpose."""


class ConfigError(FlashpointError):
    """A configuration file or setting is invalid; the message names the key."""


class InvalidArticle(FlashpointError):
    """An input record could not be decoded or validated into an Article.

    `reason` is a short, stable phrase (for example ``"malformed JSON"`` or
    ``"missing field: text"``) that goes to the dead-letter topic and the audit history.
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class BrokerError(FlashpointError):
    """The local Kafka broker failed to start, stop or answer."""


class DeliveryError(FlashpointError):
    """A notifier failed. `retryable` is True for rate limits, timeouts and 5xx answers."""

    def __init__(self, message: str, *, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after
