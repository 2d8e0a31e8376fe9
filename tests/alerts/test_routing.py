"""Routing: which subscriptions match, and the exact reasons for those that do not."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from alerts.routing import RouteExplanation, Router
from alerts.subscriptions import SubscriptionConfig, load_subscriptions, parse_subscriptions
from flashpoint.records import alert_id_for
from flashpoint.settings import REPO_ROOT
from tests.support.records import KADUGLI, NOW, SHELLING, make_classified

CONFIG = """
desks:
  - id: sudan
    name: Sudan desk
    subscriptions:
      - id: sudan-all
        regions: [{country: SD}]
        min_severity: 3
        channels: {slack: ["#sudan-desk"], email: [sudan-desk@example.org]}
  - id: syria
    name: Syria desk
    subscriptions:
      - id: syria-northwest
        regions: [{country: SY, admin1: [Idlib, Aleppo]}]
        channels: {slack: ["#syria-desk"]}
      - id: syria-high
        regions: [{country: SY}]
        signals: [air_strike, shelling, civilian_harm]
        min_severity: 4
        channels: {slack: ["#syria-desk"]}
  - id: sahel
    name: Sahel desk
    subscriptions:
      - id: sahel-central
        regions: [{country: ML}, {country: BF}, {country: NE}]
        channels: {console: true}
  - id: de-escalation
    name: De-escalation desk
    subscriptions:
      - id: de-escalation-global
        regions: [{country: "*"}]
        signals: [ceasefire_agreement, withdrawal]
        channels: {slack: ["#de-escalation"]}
"""

AIR_STRIKE = ("air_strike", 0.88, "Warplanes struck the market in Saraqib on Monday.")
CEASEFIRE = ("ceasefire_agreement", 0.93, "The two sides agreed a ceasefire on Sunday.")


@pytest.fixture
def router() -> Router:
    return Router(parse_subscriptions(yaml.safe_load(CONFIG), "test.yaml"))


def reasons(router: Router, **article: Any) -> dict[str, tuple[str, str]]:
    result = router.route(make_classified(**article), NOW)
    return {d.subscription_id: (d.outcome, d.reason) for d in result.decisions}


def test_a_match_gives_one_alert_per_channel_target(router: Router) -> None:
    item = make_classified(severity=3)
    result = router.route(item, NOW)
    assert [(a.subscription_id, str(a.channel)) for a in result.alerts] == [
        ("sudan-all", "slack:#sudan-desk"),
        ("sudan-all", "email:sudan-desk@example.org"),
    ]
    alert = result.alerts[0]
    assert alert.alert_id == alert_id_for(item.article.id)
    assert alert.desk_id == "sudan"
    assert alert.article == item.article
    assert alert.classification == item.classification
    assert alert.created_at == NOW
    assert len({a.delivery_key for a in result.alerts}) == 2


def test_every_subscription_gets_a_decision_with_its_reason(router: Router) -> None:
    result = router.route(make_classified(severity=3), NOW)
    decisions = {d.subscription_id: d for d in result.decisions}
    assert list(decisions) == [
        "sudan-all",
        "syria-northwest",
        "syria-high",
        "sahel-central",
        "de-escalation-global",
    ]
    matched = decisions["sudan-all"]
    assert matched.outcome == "matched"
    assert matched.reason == (
        "matched Kadugli (South Kordofan, SD); signals shelling; severity 3 >= 3"
    )
    assert matched.channels == ["slack:#sudan-desk", "email:sudan-desk@example.org"]
    assert matched.alert_id == alert_id_for("art-1")
    assert matched.article_id == "art-1"
    assert matched.decided_at == NOW
    assert decisions["syria-northwest"].reason == "country SD not in desk regions (SY)"
    assert decisions["syria-northwest"].channels == []
    assert decisions["sahel-central"].reason == "country SD not in desk regions (ML, BF, NE)"
    assert decisions["de-escalation-global"].reason == "no subscribed signal (found: shelling)"


def test_severity_below_minimum(router: Router) -> None:
    assert reasons(router, severity=2)["sudan-all"] == (
        "suppressed",
        "severity 2 below minimum 3",
    )


def test_admin1_outside_the_subscribed_ones(router: Router) -> None:
    got = reasons(router, places=[("Hama", "SY", "Hama")], signals=[AIR_STRIKE], severity=3)
    assert got["syria-northwest"] == ("suppressed", "admin1 Hama not in Idlib, Aleppo")
    assert got["syria-high"] == ("suppressed", "severity 3 below minimum 4")


def test_admin1_missing_on_the_article(router: Router) -> None:
    got = reasons(router, places=[("Syria", "SY", None)], signals=[AIR_STRIKE], severity=5)
    assert got["syria-northwest"] == ("suppressed", "admin1 (none) not in Idlib, Aleppo")
    assert got["syria-high"][0] == "matched"


@pytest.mark.parametrize("admin1", ["Aleppo", "Ḩalab", "Aleppo Governorate", "halab", "SY-HL"])
def test_admin1_spellings_from_the_gazetteer_match(router: Router, admin1: str) -> None:
    got = reasons(router, places=[("Aleppo", "SY", admin1)], signals=[AIR_STRIKE], severity=2)
    assert got["syria-northwest"] == (
        "matched",
        f"matched Aleppo ({admin1}, SY); signals air_strike; severity 2 >= 0",
    )


def test_any_location_may_match(router: Router) -> None:
    places = [("Hama", "SY", "Hama"), KADUGLI, ("Saraqib", "SY", "Idlib")]
    result = router.route(make_classified(places=places, signals=[AIR_STRIKE], severity=3), NOW)
    matched = {d.subscription_id: d.reason for d in result.decisions if d.outcome == "matched"}
    assert matched == {
        "sudan-all": "matched Kadugli (South Kordofan, SD); signals air_strike; severity 3 >= 3",
        "syria-northwest": "matched Saraqib (Idlib, SY); signals air_strike; severity 3 >= 0",
    }


def test_several_countries_are_all_named(router: Router) -> None:
    places = [KADUGLI, ("Juba", "SS", "Central Equatoria"), ("Wau", "SS", None)]
    assert reasons(router, places=places)["sahel-central"] == (
        "suppressed",
        "country SD, SS not in desk regions (ML, BF, NE)",
    )


def test_signal_filter_lists_what_was_found(router: Router) -> None:
    got = reasons(
        router,
        places=[("Douma", "SY", "Rif Dimashq")],
        signals=[("reinforcement", 0.7, "Columns arrived."), ("offensive_warning", 0.6, "x")],
        severity=5,
    )
    assert got["syria-high"] == (
        "suppressed",
        "no subscribed signal (found: reinforcement, offensive_warning)",
    )


def test_anywhere_matches_every_country_and_unplaced_articles(router: Router) -> None:
    placed = reasons(router, places=[("Goma", "CD", "Nord-Kivu")], signals=[CEASEFIRE], severity=0)
    assert placed["de-escalation-global"] == (
        "matched",
        "matched Goma (Nord-Kivu, CD); signals ceasefire_agreement; severity 0 >= 0",
    )
    unplaced = reasons(router, places=[], signals=[CEASEFIRE], severity=1)
    assert unplaced["de-escalation-global"] == (
        "matched",
        "matched anywhere (no place in article); signals ceasefire_agreement; severity 1 >= 0",
    )
    assert unplaced["sudan-all"] == ("suppressed", "no place in article (desk regions: SD)")


def test_an_article_without_signals_routes_nowhere_and_records_nothing(router: Router) -> None:
    result = router.route(make_classified(signals=[], severity=0), NOW)
    assert result.alerts == []
    assert result.decisions == []


def test_replay_gives_the_same_delivery_keys(router: Router) -> None:
    first = router.route(make_classified(), NOW)
    again = router.route(make_classified(), NOW)
    assert [a.delivery_key for a in first.alerts] == [a.delivery_key for a in again.alerts]
    assert first.alerts[0].delivery_key == f"{alert_id_for('art-1')}:sudan-all:slack:#sudan-desk"


def test_shipped_config_routes_the_worked_example() -> None:
    """TAXONOMY.md's Kadugli example: the Sudan desk hears about it, nobody else."""
    router = Router(load_subscriptions(REPO_ROOT / "config" / "subscriptions.yaml"))
    signals = [SHELLING, ("explosive_device", 0.9, "Five soldiers were killed ...")]
    result = router.route(make_classified(signals=signals, severity=4), NOW)
    assert {a.desk_id for a in result.alerts} == {"sudan"}
    assert {str(a.channel) for a in result.alerts} == {
        "slack:#sudan-desk",
        "email:sudan-desk@example.org",
    }


def test_explain(router: Router) -> None:
    explained = router.explain("SY", "Aleppo", "air_strike", 4)
    assert explained == [
        RouteExplanation(
            "sudan", "Sudan desk", "sudan-all", False, "country SY not in desk regions (SD)", []
        ),
        RouteExplanation(
            "syria",
            "Syria desk",
            "syria-northwest",
            True,
            "matched Aleppo (Aleppo, SY); signals air_strike; severity 4 >= 0",
            ["slack:#syria-desk"],
        ),
        RouteExplanation(
            "syria",
            "Syria desk",
            "syria-high",
            True,
            "matched Aleppo (Aleppo, SY); signals air_strike; severity 4 >= 4",
            ["slack:#syria-desk"],
        ),
        RouteExplanation(
            "sahel",
            "Sahel desk",
            "sahel-central",
            False,
            "country SY not in desk regions (ML, BF, NE)",
            [],
        ),
        RouteExplanation(
            "de-escalation",
            "De-escalation desk",
            "de-escalation-global",
            False,
            "no subscribed signal (found: air_strike)",
            [],
        ),
    ]


def test_explain_whole_country_and_bad_input(router: Router) -> None:
    explained = {e.subscription_id: e for e in router.explain("sy", None, "shelling", 2)}
    assert explained["syria-northwest"].reason == "admin1 (none) not in Idlib, Aleppo"
    with pytest.raises(ValueError, match="unknown signal 'bombing'"):
        router.explain("SY", None, "bombing", 2)
    with pytest.raises(ValueError, match="'XX' is not an ISO 3166-1 alpha-2 country code"):
        router.explain("XX", None, "shelling", 2)


def test_router_accepts_an_empty_config() -> None:
    router = Router(SubscriptionConfig(desks=[]))
    assert router.route(make_classified(), NOW).decisions == []
