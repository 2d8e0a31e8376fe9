"""Who acts is not where it happens; old and Russian names of front-line towns; words that a
capital letter does not make a place. Headlines written for these tests."""

from __future__ import annotations

import pytest

from classifiers.gazetteer import Gazetteer


def countries(gazetteer: Gazetteer, text: str) -> list[str]:
    return [location.country for location in gazetteer.locate(text)]


def first(gazetteer: Gazetteer, text: str) -> tuple[str, str] | None:
    found = gazetteer.locate(text)
    return (found[0].country, found[0].name) if found else None


# --------------------------------------------------------------- actors, not places


def test_a_possessive_aggressor_yields_to_the_nation_that_suffers(gazetteer: Gazetteer) -> None:
    text = "Four Ukrainian border guards died in Russia's war over the past month"
    assert countries(gazetteer, text)[0] == "UA"


def test_troops_of_a_country_are_not_the_place_they_fight_in(gazetteer: Gazetteer) -> None:
    text = "Overnight the troops of the Russian Federation lost a tank near Vuhledar"
    assert countries(gazetteer, text) == ["UA"]


def test_the_defence_ministry_of_a_country_is_an_actor(gazetteer: Gazetteer) -> None:
    text = (
        "Army of Ukraine units hit two depots, the Ministry of Defence of the Russian "
        "Federation admitted"
    )
    assert countries(gazetteer, text)[0] == "UA"


def test_plural_nationals_who_shell_a_village_do_not_place_it(gazetteer: Gazetteer) -> None:
    text = "The Russians keep shelling Kurakhivka; one resident was wounded"
    assert first(gazetteer, text) == ("UA", "Kurakhivka")


@pytest.mark.parametrize(
    "text",
    [
        "Retreating Russians blew up their own bridge to slow the advance",
        "Gunners in the south destroyed 25 Russians and two tanks",
    ],
)
def test_plural_nationals_as_actors_give_no_country(gazetteer: Gazetteer, text: str) -> None:
    assert gazetteer.locate(text) == []


def test_plural_nationals_as_victims_still_give_their_country(gazetteer: Gazetteer) -> None:
    assert countries(gazetteer, "Dozens of Syrians were killed on Friday, activists said") == ["SY"]


@pytest.mark.parametrize(
    "text",
    [
        "Shelling hit Belgorod overnight, wounding two",
        "Drones struck Kursk region before dawn",
        "A missile fell on an oil depot in Bryansk",
    ],
)
def test_real_russian_places_stay_russian(gazetteer: Gazetteer, text: str) -> None:
    assert countries(gazetteer, text)[0] == "RU"


def test_a_venue_to_discuss_the_war_is_not_its_place(gazetteer: Gazetteer) -> None:
    text = "Three soldiers killed amid Donbas fighting; the president will discuss in Brussels"
    assert countries(gazetteer, text)[0] == "UA"


# ------------------------------------------------------ other names of front-line towns


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("A volunteer medic from America was killed in Artemovsk", "Bakhmut"),
        ("Heavy fighting goes on around Ugledar", "Vuhledar"),
        ("Assault groups failed to break through near Kreminnaya", "Kreminna"),
        ("Forty servicemen lost in the Krasnolimansk direction in a day", "Lyman"),
        ("A drone hit a bus in Yasinovataya, wounding five", "Yasynuvata"),
        ("Artillery duels went on in the Tavria direction", "Tavria"),
    ],
)
def test_russian_and_old_names_of_ukrainian_towns(
    gazetteer: Gazetteer, text: str, name: str
) -> None:
    assert first(gazetteer, text) == ("UA", name)


def test_a_framed_village_abroad_is_taken_without_context(gazetteer: Gazetteer) -> None:
    assert first(gazetteer, "Two civilians were wounded when shells hit Kurakhivka") == (
        "UA",
        "Kurakhivka",
    )


def test_a_framed_word_of_a_small_town_elsewhere_is_no_place(gazetteer: Gazetteer) -> None:
    assert "US" not in countries(gazetteer, "Blast kills four in Hometown of the ruling family")


@pytest.mark.parametrize(
    ("text", "country"),
    [
        ("Rebels advanced on two towns in eastern Zaire", "CD"),
        ("Pak troops killed five militants near the border", "PK"),
    ],
)
def test_old_and_short_country_names(gazetteer: Gazetteer, text: str, country: str) -> None:
    assert countries(gazetteer, text)[0] == country


# ------------------------------------------------- capitalised words that are no places


def test_a_word_of_an_all_capital_heading_is_no_small_town(gazetteer: Gazetteer) -> None:
    assert "GR" not in countries(gazetteer, "Massacre at a market;DRAMA OF A VILLAGE")


def test_an_all_capital_heading_keeps_its_big_city(gazetteer: Gazetteer) -> None:
    assert countries(gazetteer, "HEAVY FIGHTING IN ALEPPO")[0] == "SY"


def test_an_all_capital_heading_word_yields_to_the_place(gazetteer: Gazetteer) -> None:
    text = "Report 12;ANNEX B - incidents recorded in the Tigray War"
    assert countries(gazetteer, text) == ["ET"]


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ('The grouping "Vostok" of Russia says it hit two gun positions near Vuhledar', "Vostok"),
        ("The Azov battalion held the plant in Mariupol for weeks", "Azov"),
    ],
)
def test_a_unit_named_after_a_place_is_no_place(gazetteer: Gazetteer, text: str, unit: str) -> None:
    found = [location.name for location in gazetteer.locate(text)]
    assert found[0] != "Russia"
    assert unit not in found


def test_a_regional_adjective_is_no_province(gazetteer: Gazetteer) -> None:
    assert "TM" not in countries(gazetteer, "Balkan Wars: a short history of the front lines")


def test_a_foreign_article_opening_a_headline_is_no_town(gazetteer: Gazetteer) -> None:
    assert gazetteer.locate("Des habitants fuient les combats") == []


def test_a_byline_town_abroad_yields_to_the_one_nation_named(gazetteer: Gazetteer) -> None:
    text = "Aleksandrov;Ukrainian losses reported on the eve of talks"
    assert countries(gazetteer, text) == ["UA"]
