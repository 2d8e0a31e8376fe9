"""`route_surge`: a surge reaches the desks whose regions include its region."""

from __future__ import annotations

from datetime import timedelta

from flashpoint.alerts.subscriptions import SubscriptionConfig
from flashpoint.core.records import Channel
from flashpoint.surge.models import SignalCount, SurgeAlert
from flashpoint.surge.routing import route_surge
from tests.surge.builders import DAY0

CONFIG = SubscriptionConfig.model_validate(
    {
        "desks": [
            {
                "id": "sudan",
                "name": "Sudan desk",
                "subscriptions": [
                    {
                        "id": "sudan-all",
                        "regions": [{"country": "SD"}],
                        "channels": {"slack": ["#sudan"], "email": ["sudan@example.org"]},
                    },
                ],
            },
            {
                "id": "kordofan",
                "name": "Kordofan desk",
                "subscriptions": [
                    {
                        "id": "kordofan-south",
                        "regions": [{"country": "SD", "admin1": ["South Kordofan State"]}],
                        "channels": {"slack": ["#kordofan"]},
                    },
                ],
            },
            {
                "id": "darfur",
                "name": "Darfur desk",
                "subscriptions": [
                    {
                        "id": "darfur-north",
                        "regions": [{"country": "SD", "admin1": ["North Darfur"]}],
                        "channels": {"console": True},
                    },
                ],
            },
            {
                "id": "global",
                "name": "Global watch",
                "subscriptions": [
                    {
                        "id": "everywhere",
                        "regions": [{"country": "*"}],
                        "channels": {"console": True},
                    },
                    {
                        "id": "truces",
                        "regions": [{"country": "*"}],
                        "signals": ["ceasefire_agreement"],
                        "channels": {"console": True},
                    },
                ],
            },
            {
                "id": "town",
                "name": "Kadugli watch",
                "subscriptions": [
                    {
                        "id": "kadugli-50km",
                        "regions": [{"lat": 11.01, "lon": 29.72, "radius_km": 50}],
                        "channels": {"console": True},
                    },
                ],
            },
        ]
    }
)


def surge(*, admin1: str | None, code: str | None) -> SurgeAlert:
    return SurgeAlert(
        surge_id="sg-test",
        level="country" if admin1 is None else "admin1",
        country="SD",
        admin1=admin1,
        admin1_code=code,
        region_key=code or "SD",
        window_start=DAY0 - timedelta(hours=13),
        window_end=DAY0 + timedelta(hours=11),
        count=9,
        articles=7,
        baseline_daily_mean=1.0,
        baseline_days=7,
        factor=3.0,
        threshold=3.0,
        top_signals=[
            SignalCount(signal="shelling", count=6),
            SignalCount(signal="air_strike", count=3),
        ],
        article_ids=["a-1"],
        raised_at=DAY0 + timedelta(hours=10),
    )


def test_an_admin1_surge_reaches_the_country_the_admin1_and_anywhere_desks() -> None:
    alert = surge(admin1="South Kordofan", code="SD-KS")

    routes = route_surge(alert, CONFIG)

    assert [(r.desk_id, r.subscription_id) for r in routes] == [
        ("sudan", "sudan-all"),
        ("kordofan", "kordofan-south"),
        ("global", "everywhere"),
    ]
    assert routes[0].channels == (
        Channel(kind="slack", target="#sudan"),
        Channel(kind="email", target="sudan@example.org"),
    )
    slack = routes[1].channels[0]
    assert routes[1].delivery_key(alert, slack) == "sg-test:kordofan-south:slack:#kordofan"


def test_a_country_surge_does_not_reach_admin1_only_desks() -> None:
    routes = route_surge(surge(admin1=None, code=None), CONFIG)

    assert [r.subscription_id for r in routes] == ["sudan-all", "everywhere"]


def test_an_unresolved_admin1_reaches_only_country_wide_desks() -> None:
    routes = route_surge(surge(admin1="Nowhere Plateau", code=None), CONFIG)

    assert [r.subscription_id for r in routes] == ["sudan-all", "everywhere"]
