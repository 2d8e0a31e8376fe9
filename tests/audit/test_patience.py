"""A locked or unreachable database is waited out, never turned into a lost record."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy.exc

from flashpoint.audit.database import STORAGE_RETRY_MAX_S, patiently
from flashpoint.audit.store import AuditStore
from flashpoint.core.records import DeliveryResult
from tests.support.records import NOW


def locked() -> sqlalchemy.exc.OperationalError:
    return sqlalchemy.exc.OperationalError("INSERT", {}, Exception("database is locked"))


def test_storage_errors_are_retried_with_growing_waits_until_it_works() -> None:
    waits: list[float] = []
    answers: list[object] = [locked()] * 7 + ["done"]

    def call() -> object:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert patiently(call, what="test", sleep=waits.append) == "done"
    assert waits == [0.2, 0.4, 0.8, 1.6, 3.2, STORAGE_RETRY_MAX_S, STORAGE_RETRY_MAX_S]


def test_other_errors_are_not_storage_errors() -> None:
    def call() -> None:
        raise ValueError("a bug")

    with pytest.raises(ValueError):
        patiently(call, what="test", sleep=lambda _: None)


def test_a_delivery_outcome_survives_a_locked_ledger(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = AuditStore.open(f"sqlite:///{tmp_path / 'audit.db'}")
    monkeypatch.setattr("flashpoint.audit.database.time.sleep", lambda _: None)
    write = store._record_delivery
    failures = [locked(), locked()]

    def flaky(result: DeliveryResult) -> None:
        if failures:
            raise failures.pop()
        write(result)

    monkeypatch.setattr(store, "_record_delivery", flaky)
    result = DeliveryResult(
        delivery_key="k1",
        alert_id="a1",
        desk_id="sudan",
        subscription_id="sudan-all",
        channel="slack:#sudan-desk",
        status="sent",
        external_id="1700000000.1",
        at=NOW,
    )
    store.record_delivery(result)
    assert store.already_sent("k1")
    store.close()
