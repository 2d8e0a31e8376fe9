"""When two reports' places are near: kinds, distances, the admin1 fallback."""

from __future__ import annotations

import pytest

from flashpoint.core.geo import haversine_km
from flashpoint.core.records import Location
from flashpoint.events.places import AREA_CLOSENESS, closeness, place_kind

from .builders import (
    AR_RAHAD,
    DARFUR,
    DILLING,
    GISENYI,
    GOMA,
    KADUGLI,
    KWEIK,
    SOUTH_KORDOFAN,
    SUDAN,
)


@pytest.mark.parametrize(
    ("location", "kind"),
    [
        (KADUGLI, "town"),
        (SOUTH_KORDOFAN, "area"),  # an admin1: its name is its admin1
        (DARFUR, "area"),  # a named region without coordinates
        (SUDAN, "country"),
        (Location(name="Kadugli", country="SD", admin1="South Kordofan"), "area"),
        (
            Location(name="Aleppo", country="SY", admin1="Aleppo", lat=36.2, lon=37.16),
            "area",
        ),
    ],
)
def test_place_kind(location: Location, kind: str) -> None:
    assert place_kind(location) == kind


def test_haversine_matches_known_distances() -> None:
    assert haversine_km(0, 0, 0, 0) == 0
    assert haversine_km(0, 0, 0, 1) == pytest.approx(111.2, abs=0.1)
    assert haversine_km(
        KADUGLI.lat or 0, KADUGLI.lon or 0, DILLING.lat or 0, DILLING.lon or 0
    ) == pytest.approx(116, abs=1)


@pytest.mark.parametrize(
    ("case", "event", "report", "near"),
    [
        ("same town", [KADUGLI], [KADUGLI], True),
        ("village 17 km away", [KADUGLI, SUDAN], [KWEIK], True),
        (
            "same region, 116 km apart: distance decides",
            [KADUGLI, SOUTH_KORDOFAN],
            [DILLING],
            False,
        ),
        ("other region, 215 km", [KADUGLI], [AR_RAHAD, SUDAN], False),
        ("report names only the region", [KADUGLI], [SOUTH_KORDOFAN], True),
        ("event names only the region", [SOUTH_KORDOFAN, SUDAN], [DILLING], True),
        (
            "town without coordinates, same admin1",
            [KADUGLI],
            [KADUGLI.model_copy(update={"lat": None})],
            True,
        ),
        ("same named region", [DARFUR], [DARFUR], True),
        ("country mentions never place a report", [SUDAN], [SUDAN], False),
        ("across a border, 4 km apart", [GOMA], [GISENYI], False),
        ("nothing to compare", [], [KADUGLI], False),
    ],
)
def test_closeness(case: str, event: list[Location], report: list[Location], near: bool) -> None:
    assert (closeness(event, report, 50.0) is not None) == near, case


def test_closeness_falls_with_distance_and_areas_count_half() -> None:
    same = closeness([KADUGLI], [KADUGLI], 50.0)
    village = closeness([KADUGLI], [KWEIK], 50.0)
    region = closeness([KADUGLI], [SOUTH_KORDOFAN], 50.0)

    assert same == pytest.approx(1.0)
    assert village is not None and 0.5 < village < 1.0
    assert region == AREA_CLOSENESS


def test_the_distance_is_a_setting() -> None:
    assert closeness([KADUGLI], [KWEIK], 10.0) is None
    assert closeness([KADUGLI], [DILLING], 150.0) is not None
