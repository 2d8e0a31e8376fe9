"""Admin1 names resolve to ISO 3166-2 codes whichever way a desk or gazetteer spells them."""

from __future__ import annotations

import pycountry
import pytest

from alerts.regions import _ALIASES, country_name, fold, resolve_admin1


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
