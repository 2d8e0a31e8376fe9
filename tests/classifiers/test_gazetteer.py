"""Gazetteer: resolution, transliteration variants, disambiguation, false positives, order."""

from __future__ import annotations

import pytest

from classifiers.gazetteer import Gazetteer
from classifiers.textnorm import name_key


def first(gazetteer: Gazetteer, text: str) -> tuple[str, str, str | None]:
    location = gazetteer.locate(text)[0]
    return location.name, location.country, location.admin1


def test_kadugli(gazetteer: Gazetteer) -> None:
    assert first(gazetteer, "Shelling hit Kadugli on Tuesday.") == (
        "Kadugli",
        "SD",
        "South Kordofan",
    )


@pytest.mark.parametrize(
    "spelling", ["Ma'arrat al-Nu'man", "Maarat al-Numan", "Maarrat al-Numan", "Ma`arrat an-Nu`man"]
)
def test_maarrat_al_numan_spellings_meet(gazetteer: Gazetteer, spelling: str) -> None:
    name, country, admin1 = first(gazetteer, f"Rockets fell on {spelling} overnight.")
    assert (country, admin1) == ("SY", "Idlib")
    assert name_key(name) == name_key("Ma'arrat an-Nu'man")


def test_name_key_folds_variants() -> None:
    assert name_key("Ma'arrat al-Nu'man") == name_key("Maarat al-Numan")
    assert name_key("Deir ez-Zor") == name_key("Deir al-Zor")
    assert name_key("Douma") == name_key("Duma")
    assert name_key("More") != name_key("Moore")


@pytest.mark.parametrize(
    ("text", "country"),
    [
        (
            "Clashes in Tripoli left the port closed, Lebanese officials said. "
            "Lebanon's army deployed.",
            "LB",
        ),
        ("Militias clashed in Tripoli, the Libyan capital. Libya's government said.", "LY"),
        ("Militias clashed in Tripoli on Monday.", "LY"),  # no context: the bigger city
    ],
)
def test_disambiguation_by_country_context(gazetteer: Gazetteer, text: str, country: str) -> None:
    tripoli = [loc for loc in gazetteer.locate(text) if loc.name == "Tripoli"]
    assert tripoli and tripoli[0].country == country


def test_admin1_mention_with_suffix(gazetteer: Gazetteer) -> None:
    locations = gazetteer.locate("Air strikes hit villages in Idlib province.")
    assert (locations[0].name, locations[0].country, locations[0].admin1) == (
        "Idlib",
        "SY",
        "Idlib",
    )
    assert any(
        loc.admin1 == "South Kordofan"
        for loc in gazetteer.locate("Fighting spread across South Kordofan.")
    )


def test_country_mention(gazetteer: Gazetteer) -> None:
    locations = gazetteer.locate("Syria said the talks would resume.")
    assert [(loc.name, loc.country, loc.admin1) for loc in locations] == [("Syria", "SY", None)]
    assert locations[0].lat is not None


def test_english_admin1_names(gazetteer: Gazetteer) -> None:
    assert first(gazetteer, "Shelling hit Goma.")[1:] == ("CD", "North Kivu")
    assert first(gazetteer, "Missiles hit Kharkiv.")[1:] == ("UA", "Kharkiv")
    assert first(gazetteer, "A bomb went off in Aleppo.")[1:] == ("SY", "Aleppo")


@pytest.mark.parametrize(
    "text",
    [
        "March was quiet. Police said Reading the statement took an hour.",
        "Date of the meeting: More details will follow, Hit the button.",
        "Thomson Reuters and the White House said Donald Trump will speak.",
        "SANA and AFP reported the news.",
    ],
)
def test_common_words_are_not_places(gazetteer: Gazetteer, text: str) -> None:
    assert gazetteer.locate(text) == []


def test_order_specific_first_and_dedup(gazetteer: Gazetteer) -> None:
    text = (
        "Syria: fighting in Aleppo. Syrian troops entered Aleppo. Damascus said the army "
        "would hold Aleppo. Syria, Syria."
    )
    locations = gazetteer.locate(text)
    names = [loc.name for loc in locations]
    assert names[0] == "Aleppo"
    assert names[-1] == "Syria"
    assert len(names) == len(set(names))


def test_headline_place_comes_first(gazetteer: Gazetteer) -> None:
    locations = gazetteer.locate(
        "Officials in Damascus met. Damascus said.", title="Shelling in Homs"
    )
    assert locations[0].name == "Homs"


def test_pickle_payload_round_trips(gazetteer: Gazetteer) -> None:
    copy = Gazetteer.from_payload(gazetteer.to_payload())
    text = "Rockets hit Maarat al-Numan and Kadugli; Syria and Sudan protested."
    assert copy.locate(text) == gazetteer.locate(text)
    with pytest.raises(ValueError):
        Gazetteer.from_payload(("not", "a", "payload"))
