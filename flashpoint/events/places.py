"""Are two sets of places the same incident's? Distances and admin1 fallbacks.

`Location` records carry no "kind", so the kind is read from their fields, as the
classifier's gazetteer fills them:

- a **town**: it has coordinates and an admin1 other than its own name. Towns are compared
  by great-circle distance.
- an **area**: an admin1 region (its name is its admin1; its coordinates are a centre, not
  a place), a named region ("Darfur", no coordinates), or a town without coordinates.
  Areas are compared by admin1 (or by name, for named regions without one).
- a **country**: no admin1 but coordinates (the gazetteer gives a country the centre of its
  towns). Countries never make two reports near: "Sudan" says nothing about where.

A city that shares its region's name ("Aleppo", "Kharkiv") reads as an area: it then
matches its whole admin1, which is what a report that only names it can claim. A town that
GeoNames files under no admin1 reads as a country and is not matched: rare, and it only
costs a missed join, never a false one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

from flashpoint.core.geo import haversine_km
from flashpoint.core.records import Location

# How close an admin1 or named-region match counts for, next to 1.0 for the same town.
AREA_CLOSENESS = 0.5

PlaceKind = Literal["town", "area", "country"]


def place_kind(location: Location) -> PlaceKind:
    """Town, area or country, from the fields the gazetteer fills (see module docstring)."""
    has_point = location.lat is not None and location.lon is not None
    if location.admin1 is None:
        return "country" if has_point else "area"
    if has_point and _key(location.name) != _key(location.admin1):
        return "town"
    return "area"


def closeness(
    event_places: Sequence[Location], report_places: Sequence[Location], max_km: float
) -> float | None:
    """How near a report's places are to an event's: None when not near at all, else 0..1.

    Per country both sides name (countries compare upper-cased):

    - if both name a town there, the nearest pair of towns decides: near when within
      `max_km`, closeness ``1 - distance / max_km`` (other places in that country are then
      ignored, so a shared admin1 cannot join two towns that are too far apart);
    - otherwise they are near when they share an admin1 or name the same region without
      one, closeness `AREA_CLOSENESS`.

    The best closeness over the shared countries is returned.
    """
    best: float | None = None
    for country in _countries(event_places) & _countries(report_places):
        here = _closeness_in(
            [p for p in event_places if p.country.upper() == country],
            [p for p in report_places if p.country.upper() == country],
            max_km,
        )
        if here is not None and (best is None or here > best):
            best = here
    return best


def countries(places: Iterable[Location]) -> set[str]:
    """The countries (ISO alpha-2, upper case) of these places, country mentions included."""
    return {place.country.upper() for place in places}


def _closeness_in(
    event_places: Sequence[Location], report_places: Sequence[Location], max_km: float
) -> float | None:
    event_towns = _towns(event_places)
    report_towns = _towns(report_places)
    if event_towns and report_towns:
        nearest = min(
            haversine_km(a[0], a[1], b[0], b[1]) for a in event_towns for b in report_towns
        )
        return 1.0 - nearest / max_km if nearest <= max_km else None
    if _areas(event_places) & _areas(report_places):
        return AREA_CLOSENESS
    return None


def _towns(places: Iterable[Location]) -> list[tuple[float, float]]:
    """(lat, lon) of the towns among these places."""
    return [
        (place.lat, place.lon)
        for place in places
        if place.lat is not None and place.lon is not None and place_kind(place) == "town"
    ]


def _areas(places: Iterable[Location]) -> set[str]:
    """admin1 keys of towns and areas, and names of regions without admin1 (no countries)."""
    out: set[str] = set()
    for place in places:
        kind = place_kind(place)
        if kind == "country":
            continue
        if place.admin1 is not None:
            out.add("admin1:" + _key(place.admin1))
        elif kind == "area":
            out.add("region:" + _key(place.name))
    return out


def _countries(places: Iterable[Location]) -> set[str]:
    return {p.country.upper() for p in places if place_kind(p) != "country"}


def _key(name: str) -> str:
    return " ".join(name.casefold().replace("-", " ").split())
