"""Which desks a `SurgeAlert` goes to: those whose subscription regions include its region.

A subscription gets a surge when BOTH hold:

- **place**: one of its *area* regions includes the surge's region: ``country: "*"``;
  or the same country with no admin1 list (a country desk hears of surges in its
  admin1s and of the country as a whole); or the same country with an admin1 list that
  names the surge's admin1 (compared as ISO 3166-2 codes, as `alerts.routing` does). A
  country-level surge does not reach an admin1-only desk (the country is not inside
  Idlib), and town or radius regions never include a whole region;
- **signals**: the subscription takes every signal, or one of the signal types counted in
  the surge.

`min_severity`, quiet hours and digests are not applied here: a surge has no severity,
and the delivery stages downstream own timing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flashpoint.alerts.regions import resolve_admin1
from flashpoint.alerts.subscriptions import ANY_COUNTRY, Region, Subscription, SubscriptionConfig
from flashpoint.core.records import Channel, RoutingDecision, RoutingOutcome
from flashpoint.surge.models import SurgeAlert


@dataclass(frozen=True)
class SurgeRoute:
    """One subscription a surge goes to, on its channels."""

    desk_id: str
    subscription_id: str
    channels: tuple[Channel, ...]
    reason: str

    def delivery_key(self, alert: SurgeAlert, channel: Channel) -> str:
        """What a delivery ledger refuses twice (like `Alert.delivery_key`)."""
        return f"{alert.surge_id}:{self.subscription_id}:{channel}"


def region_includes(region: Region, alert: SurgeAlert) -> bool:
    """Whether a subscription region includes the surge's whole region."""
    if region.kind != "area":
        return False
    if region.country == ANY_COUNTRY:
        return True
    if region.country != alert.country:
        return False
    if not region.admin1:
        return True
    if alert.admin1_code is None:
        return False
    codes = {
        resolved.code
        for name in region.admin1
        if (resolved := resolve_admin1(alert.country, name)) is not None
    }
    return alert.admin1_code in codes


def _signals_match(subscription: Subscription, alert: SurgeAlert) -> bool:
    if subscription.signals is None:
        return True
    return any(item.signal in subscription.signals for item in alert.top_signals)


def route_surge(alert: SurgeAlert, config: SubscriptionConfig) -> list[SurgeRoute]:
    """The subscriptions a surge goes to, in config order (module docstring for the rule)."""
    routes: list[SurgeRoute] = []
    for desk, subscription in config.subscriptions():
        if not any(region_includes(region, alert) for region in subscription.regions):
            continue
        if not _signals_match(subscription, alert):
            continue
        channels = tuple(
            Channel(kind=kind, target=target) for kind, target in subscription.channels.targets()
        )
        routes.append(
            SurgeRoute(
                desk_id=desk.id,
                subscription_id=subscription.id,
                channels=channels,
                reason=f"surge in {alert.region.describe()} inside the subscription's regions",
            )
        )
    return routes


def surge_decisions(
    alert: SurgeAlert, config: SubscriptionConfig, now: datetime
) -> tuple[list[SurgeRoute], list[RoutingDecision]]:
    """The routes of `route_surge`, and one audited decision per subscription, with why.

    The decisions name the surge as their alert (`surge_id`) and its newest sample report
    as their article, so `flashpoint audit` finds a surge from either.
    """
    routes = {(r.desk_id, r.subscription_id): r for r in route_surge(alert, config)}
    article_id = alert.article_ids[0] if alert.article_ids else alert.region_key
    decisions: list[RoutingDecision] = []
    for desk, subscription in config.subscriptions():
        route = routes.get((desk.id, subscription.id))
        outcome: RoutingOutcome
        if route is not None:
            outcome, reason = "matched", route.reason
            channels = [str(channel) for channel in route.channels]
        elif not any(region_includes(region, alert) for region in subscription.regions):
            outcome, channels = "suppressed", []
            reason = f"surge in {alert.region.describe()} is outside the subscription's regions"
        else:
            outcome, channels = "suppressed", []
            counted = ", ".join(item.signal for item in alert.top_signals)
            reason = f"surge signals ({counted}) not among the subscription's signals"
        decisions.append(
            RoutingDecision(
                alert_id=alert.surge_id,
                article_id=article_id,
                desk_id=desk.id,
                subscription_id=subscription.id,
                outcome=outcome,
                reason=reason,
                channels=channels,
                decided_at=now,
            )
        )
    return list(routes.values()), decisions
