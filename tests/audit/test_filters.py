"""Each filter narrows the listing; every case has data that shows up if it is ignored.

The data set:
    a-ua   UA, shelling,     T0-1h: matched to ukraine (sent), suppressed for africa
    a-sd   SD, armed_clash,  T0-2h: matched to africa (failed), suppressed for ukraine
    a-old  UA, withdrawal,   T0-10d: classified only
    dead letters: offset 1 at T0-30m, offset 2 at T0-10d
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from flashpoint.audit.store import AuditStore
from flashpoint.audit.views import AuditEntry, AuditFilter
from tests.audit.builders import T0, classified, dead_letter, decision, delivery

UA_AT = T0 - timedelta(hours=1)
SD_AT = T0 - timedelta(hours=2)
OLD_AT = T0 - timedelta(days=10)


@pytest.fixture
def loaded(store: AuditStore) -> AuditStore:
    store.record_classification(classified("a-ua", signals=[("shelling", 0.9)], at=UA_AT))
    store.record_classification(
        classified("a-sd", signals=[("armed_clash", 0.8)], countries=["SD"], at=SD_AT)
    )
    store.record_classification(classified("a-old", signals=[("withdrawal", 0.7)], at=OLD_AT))
    store.record_routing(
        [
            decision("a-ua", "ukraine", at=UA_AT),
            decision("a-ua", "africa", outcome="suppressed", reason="no country", at=UA_AT),
            decision("a-sd", "africa", at=SD_AT),
            decision("a-sd", "ukraine", outcome="suppressed", reason="no country", at=SD_AT),
        ]
    )
    store.record_delivery(delivery("a-ua", "ukraine", "sent", at=UA_AT, external_id="ts-ua"))
    store.record_delivery(delivery("a-sd", "africa", "failed", at=SD_AT, error="HTTP 500"))
    store.record_dead_letter(dead_letter(1, at=T0 - timedelta(minutes=30)))
    store.record_dead_letter(dead_letter(2, at=OLD_AT))
    return store


def keys(entries: list[AuditEntry]) -> set[tuple[str, str | None, str | None]]:
    return {(entry.kind, entry.article_id, entry.desk_id) for entry in entries}


def test_no_filter_lists_everything_newest_first(loaded: AuditStore) -> None:
    entries = loaded.list_entries(AuditFilter(), limit=100)

    assert len(entries) == 3 + 4 + 2 + 2
    assert [entry.at for entry in entries] == sorted((e.at for e in entries), reverse=True)
    assert entries[0].kind == "dead_letter"


def test_desk_filter(loaded: AuditStore) -> None:
    entries = loaded.list_entries(AuditFilter(desk="ukraine"), limit=100)

    assert keys(entries) == {
        ("article", "a-ua", None),  # matched to ukraine; a-sd was only suppressed for it
        ("routing", "a-ua", "ukraine"),
        ("routing", "a-sd", "ukraine"),
        ("delivery", "a-ua", "ukraine"),
    }


def test_country_filter(loaded: AuditStore) -> None:
    entries = loaded.list_entries(AuditFilter(country="sd"), limit=100)

    assert keys(entries) == {
        ("article", "a-sd", None),
        ("routing", "a-sd", "africa"),
        ("routing", "a-sd", "ukraine"),
        ("delivery", "a-sd", "africa"),
    }
    assert all(entry.countries == ["SD"] for entry in entries)


def test_signal_filter(loaded: AuditStore) -> None:
    entries = loaded.list_entries(AuditFilter(signal="shelling"), limit=100)

    assert keys(entries) == {
        ("article", "a-ua", None),
        ("routing", "a-ua", "ukraine"),
        ("routing", "a-ua", "africa"),
        ("delivery", "a-ua", "ukraine"),
    }
    assert all(entry.signals == ["shelling"] for entry in entries)


def test_since_filter(loaded: AuditStore) -> None:
    entries = loaded.list_entries(AuditFilter(since=T0 - timedelta(days=1)), limit=100)

    assert ("article", "a-old", None) not in keys(entries)
    assert [entry.external_id for entry in entries if entry.kind == "dead_letter"] == [
        "articles.raw/0@1"
    ]
    assert len(entries) == 2 + 4 + 2 + 1
    assert all(entry.at >= T0 - timedelta(days=1) for entry in entries)


def test_since_is_inclusive(loaded: AuditStore) -> None:
    entries = loaded.list_entries(AuditFilter(since=UA_AT, kind="article"), limit=100)

    assert keys(entries) == {("article", "a-ua", None)}


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("article", 3), ("routing", 4), ("delivery", 2), ("dead_letter", 2)],
)
def test_kind_filter(loaded: AuditStore, kind: str, expected: int) -> None:
    entries = loaded.list_entries(AuditFilter.model_validate({"kind": kind}), limit=100)

    assert len(entries) == expected
    assert {entry.kind for entry in entries} == {kind}


def test_filters_combine(loaded: AuditStore) -> None:
    entries = loaded.list_entries(
        AuditFilter(desk="africa", country="SD", kind="routing"), limit=100
    )

    assert keys(entries) == {("routing", "a-sd", "africa")}
    [entry] = entries
    assert (entry.status, entry.channel, entry.signals) == (
        "matched",
        "slack:#africa",
        ["armed_clash"],
    )


def test_delivery_entries_carry_their_outcome(loaded: AuditStore) -> None:
    entries = loaded.list_entries(AuditFilter(kind="delivery"), limit=100)

    by_desk = {entry.desk_id: entry for entry in entries}
    assert (by_desk["ukraine"].status, by_desk["ukraine"].external_id) == ("sent", "ts-ua")
    assert (by_desk["africa"].status, by_desk["africa"].reason) == ("failed", "HTTP 500")
    assert by_desk["africa"].channel == "slack:#africa"


def test_limit_keeps_the_newest(loaded: AuditStore) -> None:
    entries = loaded.list_entries(AuditFilter(kind="routing"), limit=2)

    assert keys(entries) == {("routing", "a-ua", "ukraine"), ("routing", "a-ua", "africa")}


@pytest.mark.parametrize(
    "bad",
    [{"country": "Ukraine"}, {"country": "U1"}, {"signal": "riot"}, {"kind": "alerts"}],
)
def test_invalid_filters_are_refused(bad: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        AuditFilter.model_validate(bad)
