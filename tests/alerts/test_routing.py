"""Routing: which subscriptions match, and the exact reasons for those that do not."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from flashpoint.alerts.routing import RouteExplanation, Router, digest_due_at
from flashpoint.alerts.subscriptions import (
    DigestPeriod,
    SubscriptionConfig,
    load_subscriptions,
    parse_subscriptions,
)
from flashpoint.core.records import ClassifiedArticle, Location, alert_id_for
from flashpoint.core.settings import REPO_ROOT
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
            "now",
        ),
        RouteExplanation(
            "syria",
            "Syria desk",
            "syria-high",
            True,
            "matched Aleppo (Aleppo, SY); signals air_strike; severity 4 >= 4",
            ["slack:#syria-desk"],
            "now",
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


# -- regions by town and by radius ------------------------------------------------------

# Real towns, with the gazetteer's (GeoNames) coordinates.
SARAQIB = Location(name="Saraqib", country="SY", admin1="Idlib", lat=35.86447, lon=36.80591)
AR_RAQQAH = Location(name="Ar Raqqah", country="SY", admin1="Raqqa", lat=35.95283, lon=39.00788)
MEREFA = Location(name="Merefa", country="UA", admin1="Kharkiv", lat=49.82107, lon=36.0567)
BAKHMUT = Location(name="Bakhmut", country="UA", admin1="Donetsk", lat=48.59419, lon=37.99886)
KADUGLI_AT = Location(
    name="Kadugli", country="SD", admin1="South Kordofan", lat=11.01111, lon=29.71833
)
DILLING = Location(name="Dilling", country="SD", admin1="South Kordofan", lat=12.05, lon=29.65)

SHAPES = """
desks:
  - id: idlib
    name: Idlib desk
    subscriptions:
      # 50 km around Idlib city, by coordinates.
      - id: idlib-50km
        regions: [{lat: 35.93062, lon: 36.63393, radius_km: 50}]
        channels: {slack: ["#idlib"]}
  - id: kharkiv
    name: Kharkiv desk
    subscriptions:
      # 50 km around Kharkiv, the town found in the gazetteer.
      - id: kharkiv-50km
        regions: [{country: UA, city: Kharkiv, radius_km: 50}]
        channels: {slack: ["#kharkiv"]}
      # The town of Izyum, written the Ukrainian way.
      - id: izium
        regions: [{country: UA, city: Izium}]
        channels: {slack: ["#kharkiv"]}
  - id: kordofan
    name: Kordofan desk
    subscriptions:
      - id: kadugli-mixed
        regions:
          - {country: SD, admin1: [West Kordofan]}
          - {country: SD, city: Kadugli}
          - {lat: 11.0, lon: 29.7, radius_km: 50}
        channels: {console: true}
"""


@pytest.fixture
def shapes() -> Router:
    return Router(parse_subscriptions(yaml.safe_load(SHAPES), "shapes.yaml"))


def located(*locations: Location, severity: int = 3) -> ClassifiedArticle:
    """The Kadugli shelling report, moved to `locations` (with their coordinates)."""
    item = make_classified(severity=severity)
    classification = item.classification.model_copy(update={"locations": list(locations)})
    return item.model_copy(update={"classification": classification})


def decided(router: Router, item: ClassifiedArticle, at: datetime = NOW) -> dict[str, str]:
    return {d.subscription_id: d.reason for d in router.route(item, at).decisions}


def test_radius_matches_a_town_20_km_away_and_not_one_200_km_away(shapes: Router) -> None:
    near = decided(shapes, located(SARAQIB))["idlib-50km"]
    assert near == (
        "matched Saraqib (Idlib, SY), 17.1 km from (35.93062, 36.63393); signals shelling; "
        "severity 3 >= 0"
    )
    far = shapes.route(located(AR_RAQQAH), NOW)
    assert far.alerts == []
    assert decided(shapes, located(AR_RAQQAH))["idlib-50km"] == (
        "nearest place Ar Raqqah is 214 km from (35.93062, 36.63393), radius 50 km"
    )


def test_radius_around_a_town_from_the_gazetteer(shapes: Router) -> None:
    result = shapes.route(located(MEREFA), NOW)
    assert [(a.subscription_id, str(a.channel)) for a in result.alerts] == [
        ("kharkiv-50km", "slack:#kharkiv")
    ]
    assert decided(shapes, located(MEREFA))["kharkiv-50km"] == (
        "matched Merefa (Kharkiv, UA), 22.8 km from Kharkiv; signals shelling; severity 3 >= 0"
    )
    assert decided(shapes, located(BAKHMUT))["kharkiv-50km"] == (
        "nearest place Bakhmut is 200 km from Kharkiv, radius 50 km"
    )
    # Any place of the article may be the one within the radius, wherever it is listed.
    assert decided(shapes, located(BAKHMUT, MEREFA))["kharkiv-50km"].startswith(
        "matched Merefa (Kharkiv, UA), 22.8 km from Kharkiv"
    )


def test_a_radius_needs_coordinates(shapes: Router) -> None:
    unlocated = Location(name="Saraqib", country="SY", admin1="Idlib")
    assert decided(shapes, located(unlocated))["idlib-50km"] == (
        "no place with coordinates (50 km around (35.93062, 36.63393))"
    )
    assert decided(shapes, located())["idlib-50km"] == (
        "no place in article (desk regions: 50 km around (35.93062, 36.63393))"
    )


def test_city_region_matches_the_town_by_name(shapes: Router) -> None:
    izyum = Location(name="Izyum", country="UA", admin1="Kharkiv", lat=49.20697, lon=37.27679)
    assert decided(shapes, located(izyum))["izium"] == (
        "matched Izyum (Kharkiv, UA); signals shelling; severity 3 >= 0"
    )
    # By name: the classifier's place needs no coordinates to be the town.
    assert decided(shapes, located(Location(name="izium", country="UA")))["izium"].startswith(
        "matched izium (UA)"
    )
    assert decided(shapes, located(MEREFA))["izium"] == (
        "no place is Izyum (UA) (found: Merefa (Kharkiv, UA))"
    )


def test_every_region_shape_says_why_it_missed(shapes: Router) -> None:
    assert decided(shapes, located(DILLING))["kadugli-mixed"] == (
        "admin1 South Kordofan not in West Kordofan; "
        "no place is Kadugli (SD) (found: Dilling (South Kordofan, SD)); "
        "nearest place Dilling is 117 km from (11.0, 29.7), radius 50 km"
    )
    assert decided(shapes, located(KADUGLI_AT))["kadugli-mixed"] == (
        "matched Kadugli (South Kordofan, SD); signals shelling; severity 3 >= 0"
    )
    # Lagowa, West Kordofan: the admin1 region matches, whatever the radius says.
    lagowa = Location(name="Al Lagowa", country="SD", admin1="West Kordofan", lat=11.4, lon=29.13)
    assert decided(shapes, located(lagowa))["kadugli-mixed"] == (
        "matched Al Lagowa (West Kordofan, SD); signals shelling; severity 3 >= 0"
    )


# -- quiet hours and digests --------------------------------------------------------------

DELIVERY = """
desks:
  - id: sudan
    name: Sudan desk
    subscriptions:
      - id: sudan-nights
        regions: [{country: SD}]
        channels: {slack: ["#sudan-desk"], email: [sudan-desk@example.org]}
        quiet_hours: {start: "22:00", end: "06:00", timezone: Africa/Khartoum}
      - id: sudan-hourly
        regions: [{country: SD}]
        channels: {slack: ["#sudan-digest"]}
        mode: digest
        digest: hourly
      - id: sudan-daily
        regions: [{country: SD}]
        channels: {email: [sudan-daily@example.org]}
        mode: digest
        digest: daily
        quiet_hours: {start: "00:00", end: "07:00", timezone: Africa/Khartoum}
"""

# Khartoum is UTC+2 all year.
EVENING = datetime(2026, 3, 1, 21, 0, tzinfo=UTC)  # 23:00 in Khartoum
MORNING = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)  # 06:00 in Khartoum
NOON = datetime(2026, 3, 1, 10, 20, tzinfo=UTC)  # 12:20 in Khartoum


@pytest.fixture
def delivery() -> Router:
    return Router(parse_subscriptions(yaml.safe_load(DELIVERY), "delivery.yaml"))


def test_quiet_hours_hold_an_immediate_alert_until_they_end(delivery: Router) -> None:
    result = delivery.route(make_classified(severity=3), EVENING)
    assert [a.subscription_id for a in result.alerts] == []
    held = [d for d in result.deferred if d.alert.subscription_id == "sudan-nights"]
    assert [(str(d.alert.channel), d.send_at, d.why) for d in held] == [
        ("slack:#sudan-desk", MORNING, "quiet_hours"),
        ("email:sudan-desk@example.org", MORNING, "quiet_hours"),
    ]
    assert held[0].batch_key == "sudan-nights:slack:#sudan-desk@2026-03-02T04:00Z"
    decision = {d.subscription_id: d for d in result.decisions}["sudan-nights"]
    assert decision.outcome == "matched"
    assert decision.channels == ["slack:#sudan-desk", "email:sudan-desk@example.org"]
    assert decision.reason == (
        "matched Kadugli (South Kordofan, SD); signals shelling; severity 3 >= 0; held by "
        "quiet hours 22:00-06:00 Africa/Khartoum until 2026-03-02 06:00 Africa/Khartoum "
        "(04:00 UTC): severity 3 below override 5"
    )


def test_quiet_hours_let_the_override_severity_and_daytime_through(delivery: Router) -> None:
    urgent = delivery.route(make_classified(severity=5), EVENING)
    assert [str(a.channel) for a in urgent.alerts if a.subscription_id == "sudan-nights"] == [
        "slack:#sudan-desk",
        "email:sudan-desk@example.org",
    ]
    assert decided(delivery, make_classified(severity=5), EVENING)["sudan-nights"].endswith(
        "; sent in quiet hours 22:00-06:00 Africa/Khartoum: severity 5 >= override 5"
    )
    day = delivery.route(make_classified(severity=3), NOON)
    assert [a.subscription_id for a in day.alerts] == ["sudan-nights", "sudan-nights"]
    assert decided(delivery, make_classified(severity=3), NOON)["sudan-nights"].endswith(
        "; outside quiet hours 22:00-06:00 Africa/Khartoum"
    )
    # The end of quiet hours is not in them.
    assert decided(delivery, make_classified(severity=3), MORNING)["sudan-nights"].endswith(
        "; outside quiet hours 22:00-06:00 Africa/Khartoum"
    )


def test_digest_subscriptions_defer_to_the_end_of_the_period(delivery: Router) -> None:
    result = delivery.route(make_classified(severity=5), NOON)
    deferred = {d.alert.subscription_id: d for d in result.deferred}
    hourly = deferred["sudan-hourly"]
    assert (hourly.why, hourly.digest) == ("digest", "hourly")
    assert hourly.send_at == datetime(2026, 3, 1, 11, 0, tzinfo=UTC)
    reasons = decided(delivery, make_classified(severity=5), NOON)
    assert reasons["sudan-hourly"].endswith("; hourly digest at 2026-03-01 11:00 UTC")
    # The daily digest is due at midnight in Khartoum, inside that desk's quiet hours
    # (00:00-07:00), so it goes out when they end.
    daily = deferred["sudan-daily"]
    assert (daily.why, daily.digest) == ("digest", "daily")
    assert daily.send_at == datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
    assert reasons["sudan-daily"].endswith(
        "; daily digest at 2026-03-02 07:00 Africa/Khartoum (05:00 UTC), after quiet hours "
        "00:00-07:00 Africa/Khartoum"
    )
    # Alerts routed in the same hour share the hourly batch.
    later = delivery.route(make_classified(article_id="art-2"), NOON.replace(minute=59))
    again = {d.alert.subscription_id: d for d in later.deferred}["sudan-hourly"]
    assert again.batch_key == hourly.batch_key
    assert again.alert.delivery_key != hourly.alert.delivery_key


@pytest.mark.parametrize(
    ("at", "period", "zone", "due"),
    [
        (datetime(2026, 3, 1, 12, 0, tzinfo=UTC), "hourly", None, datetime(2026, 3, 1, 13, 0)),
        (datetime(2026, 3, 1, 23, 59, tzinfo=UTC), "hourly", None, datetime(2026, 3, 2, 0, 0)),
        (datetime(2026, 3, 1, 23, 59, tzinfo=UTC), "daily", None, datetime(2026, 3, 2, 0, 0)),
        (datetime(2026, 3, 1, 0, 0, tzinfo=UTC), "daily", None, datetime(2026, 3, 2, 0, 0)),
        # Kolkata is UTC+5:30: its hours and days start at :30 UTC.
        (
            datetime(2026, 3, 1, 12, 0, tzinfo=UTC),
            "hourly",
            "Asia/Kolkata",
            datetime(2026, 3, 1, 12, 30),
        ),
        (
            datetime(2026, 3, 1, 12, 0, tzinfo=UTC),
            "daily",
            "Asia/Kolkata",
            datetime(2026, 3, 1, 18, 30),
        ),
    ],
)
def test_digest_due_at(at: datetime, period: DigestPeriod, zone: str | None, due: datetime) -> None:
    assert digest_due_at(period, at, ZoneInfo(zone) if zone else None) == due.replace(tzinfo=UTC)


# -- explain: what `flashpoint routes test` prints ------------------------------------------


def test_explain_by_point_city_and_time(shapes: Router, delivery: Router) -> None:
    by_point = {
        e.subscription_id: e
        for e in shapes.explain(None, None, "shelling", 3, lat=35.86447, lon=36.80591, at=NOON)
    }
    assert by_point["idlib-50km"].matched
    assert by_point["idlib-50km"].reason == (
        "matched (35.86447, 36.80591), 17.1 km from (35.93062, 36.63393); signals shelling; "
        "severity 3 >= 0"
    )
    assert by_point["izium"].reason == "no place is Izyum (UA) (found: (35.86447, 36.80591))"
    by_city = {
        e.subscription_id: e
        for e in shapes.explain(None, None, ["shelling", "air_strike"], 4, city="Merefa", at=NOON)
    }
    assert by_city["kharkiv-50km"].reason == (
        "matched Merefa (Kharkiv, UA), 22.8 km from Kharkiv; signals shelling, air_strike; "
        "severity 4 >= 0"
    )
    assert by_city["kharkiv-50km"].delivery == "now"
    assert by_city["idlib-50km"].delivery is None
    night = {e.subscription_id: e for e in delivery.explain("SD", None, "shelling", 3, at=EVENING)}
    assert (night["sudan-nights"].delivery, night["sudan-nights"].send_at) == ("held", MORNING)
    assert night["sudan-nights"].channels == ["slack:#sudan-desk", "email:sudan-desk@example.org"]
    assert night["sudan-hourly"].delivery == "digest"
    # A naive time is UTC.
    naive = delivery.explain("SD", None, "shelling", 3, at=EVENING.replace(tzinfo=None))
    assert naive == list(night.values())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lat": 11.0}, "give lat and lon together"),
        ({"lat": 91.0, "lon": 0.0}, "lat 91.0 is not between -90 and 90"),
        (
            {"city": "Atlantis", "country": "SD"},
            "'Atlantis' is not a town in SD that the gazetteer knows",
        ),
        ({"admin1": "Idlib", "country": None}, "admin1 needs a country"),
        ({"severity": 6}, "severity 6 is not between 0 and 5"),
        ({"signal": []}, "give at least one signal"),
    ],
)
def test_explain_refuses_what_it_cannot_place(
    shapes: Router, kwargs: dict[str, Any], message: str
) -> None:
    arguments: dict[str, Any] = {
        "country": "SD",
        "admin1": None,
        "signal": "shelling",
        "severity": 3,
    }
    arguments.update(kwargs)
    with pytest.raises(ValueError) as caught:
        shapes.explain(**arguments)
    assert str(caught.value) == message


def test_a_channel_two_subscriptions_share_gets_the_alert_once(router: Router) -> None:
    # syria-northwest and syria-high both match an Idlib air strike of severity 4, and
    # both post to #syria-desk: one message there, and the second decision says why.
    item = make_classified(signals=[AIR_STRIKE], severity=4, places=[("Saraqib", "SY", "Idlib")])

    result = router.route(item, NOW)

    assert [(a.subscription_id, str(a.channel)) for a in result.alerts] == [
        ("syria-northwest", "slack:#syria-desk")
    ]
    decisions = {d.subscription_id: d for d in result.decisions}
    assert decisions["syria-high"].outcome == "matched"
    assert decisions["syria-high"].channels == []
    assert decisions["syria-high"].reason.endswith(
        "; slack:#syria-desk already gets it via subscription syria-northwest"
    )
    assert decisions["syria-northwest"].channels == ["slack:#syria-desk"]
