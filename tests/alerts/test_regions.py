"""Admin1 names resolve to ISO 3166-2 codes whichever way a desk or gazetteer spells them."""

from __future__ import annotations

import pycountry
import pytest

from flashpoint.alerts.regions import (
    _ALIASES,
    City,
    country_name,
    fold,
    resolve_admin1,
    resolve_city,
)
from flashpoint.core.geo import haversine_km


@pytest.mark.parametrize(
    ("country", "name", "code"),
    [
        ("SY", "Idlib", "SY-ID"),
        ("SY", "Idlib Governorate", "SY-ID"),
        ("SY", "IDLEB", "SY-ID"),
        ("SY", "Aleppo", "SY-HL"),
        ("SY", "Ḩalab", "SY-HL"),
        ("SY", "Halab Governorate", "SY-HL"),
        ("SY", "Deir ez-Zor", "SY-DY"),
        ("SY", "sy-hm", "SY-HM"),
        ("SD", "South Kordofan State", "SD-KS"),
        ("SD", "Al Jazirah", "SD-GZ"),
        ("UA", "Kyiv", "UA-30"),  # the city
        ("UA", "Kyiv Oblast", "UA-32"),  # the oblast around it
        ("UA", "Kyivska oblast", "UA-32"),
        ("UA", "Oblast Kharkiv", "UA-63"),
        ("UA", "Zaporizhzhia Oblast", "UA-23"),
        ("CD", "North Kivu", "CD-NK"),
        ("CD", "Nord Kivu Province", "CD-NK"),
        ("CD", "Equateur", "CD-EQ"),
        ("YE", "Sanaa", "YE-SN"),
        ("YE", "Sanaa City", "YE-SA"),
        ("YE", "Amanat al Asimah", "YE-SA"),
        ("BF", "Sahel Region", "BF-12"),
        ("ML", "Timbuktu", "ML-6"),
        ("MM", "Rakhine State", "MM-16"),
    ],
)
def test_resolves(country: str, name: str, code: str) -> None:
    found = resolve_admin1(country, name)
    assert found is not None and found.code == code


@pytest.mark.parametrize(
    ("country", "name"),
    [("SY", "Kadugli"), ("SY", "Governorate"), ("BF", "Soum"), ("XX", "Idlib"), ("SY", "")],
)
def test_does_not_resolve(country: str, name: str) -> None:
    """Unknown names, other countries' places, and admin2 (a Burkina Faso province) fail."""
    assert resolve_admin1(country, name) is None


def test_every_alias_names_a_top_level_subdivision() -> None:
    for code in _ALIASES:
        subdivision = pycountry.subdivisions.get(code=code)  # type: ignore[no-untyped-call]
        assert subdivision is not None, code
        assert subdivision.parent_code is None, code


def test_fold_and_country_name() -> None:
    assert fold("  Ḩamāh  Governorate ") == "hamah governorate"
    assert fold("Dar'ā") == "dar a"
    assert country_name("sd") == "Sudan"
    assert country_name("CD") == "Congo, The Democratic Republic of the"
    assert country_name("XX") is None
    assert country_name("S") is None


# Regions where GeoNames (the gazetteer) and ISO 3166-2 (subscriptions) are cut differently:
# no subscription admin1 can name them; a whole-country subscription still matches.
NO_ISO_EQUIVALENT = {
    ("ET", "Central Ethiopia Regional"),  # regions created in 2023
    ("ET", "South Ethiopia Regional"),
    ("IL", "Judea and Samaria Area"),
    ("PS", "Gaza Strip"),  # ISO 3166-2:PS lists governorates
    ("PS", "West Bank"),
}
CONFLICT_COUNTRIES = frozenset(
    {"SD", "SY", "UA", "CD", "MM", "ML", "BF", "NE", "YE", "IQ", "AF"}
    | {"SO", "ET", "LY", "LB", "IL", "PS", "SS", "NG", "HT", "PK"}
)


def test_every_gazetteer_admin1_of_conflict_countries_resolves() -> None:
    """The classifier's admin1 names (GeoNames) must reach the ISO codes routing compares."""
    from classifiers.gazetteer import get_gazetteer

    unresolved = sorted(
        {
            (place.country, place.admin1)
            for place in get_gazetteer().places
            if place.admin1 and place.country in CONFLICT_COUNTRIES
            if resolve_admin1(place.country, place.admin1) is None
        }
        - NO_ISO_EQUIVALENT
    )
    assert unresolved == []


# Real towns (GeoNames coordinates, as the gazetteer has them).
IDLIB = (35.93062, 36.63393)
SARAQIB = (35.86447, 36.80591)  # about 17 km east of Idlib
AR_RAQQAH = (35.95283, 39.00788)  # about 214 km east of Idlib


def test_haversine_distances_between_real_towns() -> None:
    assert haversine_km(*IDLIB, *IDLIB) == 0.0
    assert haversine_km(*IDLIB, *SARAQIB) == pytest.approx(17.1, abs=0.1)
    assert haversine_km(*IDLIB, *AR_RAQQAH) == pytest.approx(213.7, abs=0.1)
    # Symmetric, and a quarter of the equator is about 10,008 km.
    assert haversine_km(*SARAQIB, *IDLIB) == haversine_km(*IDLIB, *SARAQIB)
    assert haversine_km(0, 0, 0, 90) == pytest.approx(10_007.5, abs=1)


def test_resolve_city_uses_the_gazetteer() -> None:
    kadugli = resolve_city("Kadugli", "SD")
    assert kadugli == City("Kadugli", "SD", "South Kordofan", 11.01111, 29.71833)
    # A transliteration finds the gazetteer's spelling; the country narrows homonyms.
    izium = resolve_city("Izium", "ua")
    assert izium is not None and izium.name == "Izyum"
    goma = resolve_city("Goma")
    assert goma is not None and goma.country == "CD"
    assert resolve_city("Goma", "PH") is not None
    assert resolve_city("Kadugli", "SY") is None
    assert resolve_city("Atlantis", "SD") is None
    # An alternate name finds the town even where an admin1 region has the name.
    raqqa = resolve_city("Raqqa", "SY")
    assert raqqa is not None and raqqa.name == "Ar Raqqah"
    # A country is not a town, nor is a town whose name merely sounds like it.
    assert resolve_city("Syria") is None
