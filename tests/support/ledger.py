"""An in-memory `DeliveryLedger` (the audit store stands in for it in production)."""

from __future__ import annotations

import threading

from flashpoint.core.records import DeliveryResult


class InMemoryLedger:
    """Keeps every recorded result; a key counts as sent once a "sent" result is recorded."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.results: list[DeliveryResult] = []

    def already_sent(self, delivery_key: str) -> bool:
        with self._lock:
            return any(
                result.delivery_key == delivery_key and result.status == "sent"
                for result in self.results
            )

    def record_delivery(self, result: DeliveryResult) -> None:
        with self._lock:
            self.results.append(result)

    def statuses(self) -> list[str]:
        with self._lock:
            return [result.status for result in self.results]
