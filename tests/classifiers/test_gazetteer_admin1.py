"""Gazetteer: admin1 names that stay apart, the order of locations, the cache key."""

from __future__ import annotations

from collections import defaultdict

import pytest

from classifiers import _admin1_table
from classifiers import gazetteer as gazetteer_module
from classifiers.gazetteer import Gazetteer
from flashpoint.alerts.regions import resolve_admin1


def first(gazetteer: Gazetteer, text: str, title: str | None = None) -> tuple[str, str, str | None]:
    location = gazetteer.locate(text, title)[0]
    return location.name, location.country, location.admin1


def test_kyiv_city_and_oblast_are_apart(gazetteer: Gazetteer) -> None:
    assert first(gazetteer, "Explosions were heard in Kyiv overnight.") == ("Kyiv", "UA", "Kyiv")
    assert first(gazetteer, "Russian shelling hit Bucha, Ukraine.")[1:] == ("UA", "Kyiv Oblast")
    for text in ("Drones hit the Kyiv region.", "Drones hit the Kyiv oblast.", "Kiev Oblast."):
        assert first(gazetteer, text)[1:] == ("UA", "Kyiv Oblast"), text
    assert first(gazetteer, "Officials in Kiev said the talks failed.")[:2] == ("Kyiv", "UA")


def test_kyiv_labels_route_to_the_right_subdivision(gazetteer: Gazetteer) -> None:
    city = resolve_admin1("UA", first(gazetteer, "Missiles hit Kyiv.")[2] or "")
    oblast = resolve_admin1("UA", first(gazetteer, "Missiles hit Bucha, Ukraine.")[2] or "")
    assert city is not None and city.code == "UA-30"
    assert oblast is not None and oblast.code == "UA-32"


@pytest.mark.parametrize(
    ("country", "names"),
    [
        ("UA", {"Kyiv", "Kyiv Oblast"}),
        ("RU", {"Moscow", "Moscow Oblast"}),
        ("UZ", {"Tashkent", "Tashkent Region"}),
        ("RU", {"Altai", "Altai Krai"}),
        ("MZ", {"Maputo Province", "Maputo City"}),
    ],
)
def test_type_word_stays_where_names_would_collide(
    gazetteer: Gazetteer, country: str, names: set[str]
) -> None:
    admin1 = {p.name for p in gazetteer.places if p.kind == "admin1" and p.country == country}
    assert names <= admin1


def test_admin1_names_are_unique_within_a_country(gazetteer: Gazetteer) -> None:
    raw: dict[tuple[str, str], set[str]] = defaultdict(set)
    for line in _admin1_table.ADMIN1_TSV.splitlines():
        if line:
            cc, code, name = line.split("\t")
            raw[(cc, code)].add(name)
    shown: dict[tuple[str, str], int] = defaultdict(int)
    for place in gazetteer.places:
        if place.kind == "admin1":
            shown[(place.country, place.name)] += 1
    duplicates = {key for key, count in shown.items() if count > 1}
    # Only GeoNames' own duplicates remain: two codes with the same raw name (a retired code).
    raw_names: defaultdict[tuple[str, str], int] = defaultdict(int)
    for (cc, _), names in raw.items():
        for name in names:
            raw_names[(cc, name)] += 1
    assert len(duplicates) <= sum(1 for count in raw_names.values() if count > 1)
    assert ("UA", "Kyiv") not in duplicates and ("RU", "Moscow") not in duplicates


def test_headline_place_beats_a_frequent_background_place(gazetteer: Gazetteer) -> None:
    text = (
        "Talks on a ceasefire collapsed in Jeddah on Sunday. The army demanded a withdrawal "
        "from Khartoum, from homes in Khartoum and from hospitals of Khartoum."
    )
    assert first(gazetteer, text, title="Sudan truce talks collapse in Jeddah")[:2] == (
        "Jeddah",
        "SA",
    )


def test_dateline_and_capitals_abroad_do_not_lead(gazetteer: Gazetteer) -> None:
    text = (
        "BEIRUT (Reuters) - Air strikes killed 12 people in Saraqeb in Syria's Idlib province, "
        "a monitor said. Washington and Moscow traded blame; Beirut-based analysts said "
        "Moscow would veto any resolution. Moscow denied it."
    )
    assert first(gazetteer, text)[1:] == ("SY", "Idlib")


def test_compound_modifiers_are_metonymy(gazetteer: Gazetteer) -> None:
    text = (
        "A U.S.-led coalition strike hit Tabqa in Syria. U.S.-backed fighters and U.S.-led "
        "jets pressed on; U.S. officials said the U.S.-led campaign would go on."
    )
    assert first(gazetteer, text)[1:] == ("SY", "Raqqa")


def test_cache_key_follows_the_admin1_table(monkeypatch: pytest.MonkeyPatch) -> None:
    before = gazetteer_module._cache_path()
    monkeypatch.setattr(_admin1_table, "ADMIN1_TSV", _admin1_table.ADMIN1_TSV + "XX\t01\tX\n")
    assert gazetteer_module._cache_path() != before
