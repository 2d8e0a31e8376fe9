"""The routing stage: which desks' subscriptions get an alert for a classified article.

`Router.route` takes one `ClassifiedArticle` and returns a `RoutingResult`:

- **alerts**: one `Alert` per (matching subscription, channel target), all with the same
  `alert_id` (`alert_id_for(article.id)`), so a replayed article yields the same delivery
  keys and the delivery stage refuses to send it twice;
- **decisions**: one `RoutingDecision` per subscription, matched or suppressed with a
  readable reason ("country SD not in desk regions (SY)", "admin1 Hama not in Idlib, Aleppo",
  "no subscribed signal (found: shelling)", "severity 2 below minimum 3"), so the audit
  history says why each desk did or did not hear about the article.

What it drops: an article with no signal at all produces neither alerts nor decisions
(nothing to alert on, and one "no signal" row per subscription per article would flood the
audit history). Checks run in the order place, signal, severity; a suppression names the
first that failed.

Matching: a subscription matches when ANY place of the article is in ANY of its regions
(a region is a country, optionally narrowed to admin1 subdivisions; country ``*`` matches
every article, placed or not), the article has at least one subscribed signal (all when
the subscription lists none), and its severity is at least ``min_severity``.
Admin1 names on both sides are resolved to ISO 3166-2 codes (`alerts.regions`), so
"Aleppo" in the config matches "Ḩalab" or "Aleppo Governorate" from the gazetteer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from alerts.regions import country_name, resolve_admin1
from alerts.subscriptions import Desk, Subscription, SubscriptionConfig
from flashpoint.records import (
    SIGNAL_TYPES,
    Alert,
    Channel,
    ClassifiedArticle,
    Location,
    RoutingDecision,
    alert_id_for,
)


@dataclass
class RoutingResult:
    alerts: list[Alert] = field(default_factory=list)
    decisions: list[RoutingDecision] = field(default_factory=list)


@dataclass(frozen=True)
class RouteExplanation:
    """What `Router.explain` says about one subscription (for `flashpoint routes test`)."""

    desk_id: str
    desk_name: str
    subscription_id: str
    matched: bool
    reason: str
    channels: list[str]


@dataclass(frozen=True)
class _Place:
    """An article location with its admin1 resolved once, before looping over subscriptions."""

    name: str
    country: str
    admin1: str | None
    admin1_code: str | None

    @classmethod
    def of(cls, location: Location) -> _Place:
        country = location.country.upper()
        admin1 = location.admin1 or None
        resolved = resolve_admin1(country, admin1) if admin1 else None
        return cls(
            name=location.name,
            country=country,
            admin1=admin1,
            admin1_code=resolved.code if resolved else None,
        )

    def describe(self) -> str:
        inside = ", ".join(part for part in (self.admin1, self.country) if part)
        return f"{self.name} ({inside})"


@dataclass(frozen=True)
class _Region:
    country: str  # an ISO code, or "*"
    admin1: tuple[str, ...]  # as written in the config, for messages
    codes: frozenset[str]  # ISO 3166-2 codes of `admin1` (all resolve: checked at load)

    def contains(self, place: _Place) -> bool:
        if self.country == "*":
            return True
        if place.country != self.country:
            return False
        if not self.admin1:
            return True
        return place.admin1_code in self.codes


@dataclass(frozen=True)
class _Route:
    desk: Desk
    subscription: Subscription
    regions: tuple[_Region, ...]
    signals: frozenset[str] | None
    channels: tuple[Channel, ...]

    @classmethod
    def compile(cls, desk: Desk, subscription: Subscription) -> _Route:
        regions = [
            _Region(
                country=region.country,
                admin1=tuple(region.admin1),
                codes=frozenset(
                    resolved.code
                    for name in region.admin1
                    if (resolved := resolve_admin1(region.country, name)) is not None
                ),
            )
            for region in subscription.regions
        ]
        signals = None if subscription.signals is None else frozenset(subscription.signals)
        channels = tuple(
            Channel(kind=kind, target=target) for kind, target in subscription.channels.targets()
        )
        return cls(desk, subscription, tuple(regions), signals, channels)

    @property
    def anywhere(self) -> bool:
        return any(region.country == "*" for region in self.regions)

    def evaluate(
        self, places: Sequence[_Place], signals: Sequence[str], severity: int
    ) -> tuple[bool, str]:
        """(matched, reason): the first failed check, or what matched."""
        where = self._match_place(places)
        if isinstance(where, _Miss):
            return False, where.reason
        wanted = [s for s in signals if self.signals is None or s in self.signals]
        if not wanted:
            return False, f"no subscribed signal (found: {', '.join(signals)})"
        minimum = self.subscription.min_severity
        if severity < minimum:
            return False, f"severity {severity} below minimum {minimum}"
        signals_text = ", ".join(wanted)
        return True, f"matched {where}; signals {signals_text}; severity {severity} >= {minimum}"

    def _match_place(self, places: Sequence[_Place]) -> str | _Miss:
        if self.anywhere:
            return places[0].describe() if places else "anywhere (no place in article)"
        for place in places:
            if any(region.contains(place) for region in self.regions):
                return place.describe()
        countries = _unique(region.country for region in self.regions)
        if not places:
            return _Miss(f"no place in article (desk regions: {', '.join(countries)})")
        in_country = [place for place in places if place.country in countries]
        if not in_country:
            found = _unique(place.country for place in places)
            return _Miss(f"country {', '.join(found)} not in desk regions ({', '.join(countries)})")
        # The country matched, so some region for it lists admin1 names that did not.
        found = _unique(place.admin1 or "(none)" for place in in_country)
        allowed = _unique(
            name
            for region in self.regions
            if region.country in {place.country for place in in_country}
            for name in region.admin1
        )
        return _Miss(f"admin1 {', '.join(found)} not in {', '.join(allowed)}")


@dataclass(frozen=True)
class _Miss:
    reason: str


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


class Router:
    """Matches classified articles against every desk's subscriptions (see module doc)."""

    def __init__(self, config: SubscriptionConfig) -> None:
        self._routes = [_Route.compile(desk, sub) for desk, sub in config.subscriptions()]

    def route(self, item: ClassifiedArticle, now: datetime) -> RoutingResult:
        classification = item.classification
        signals = _unique(signal.type for signal in classification.signals)
        result = RoutingResult()
        if not signals:
            return result
        article = item.article
        alert_id = alert_id_for(article.id)
        places = [_Place.of(location) for location in classification.locations]
        for route in self._routes:
            matched, reason = route.evaluate(places, signals, classification.severity)
            channels = route.channels if matched else ()
            result.decisions.append(
                RoutingDecision(
                    alert_id=alert_id,
                    article_id=article.id,
                    desk_id=route.desk.id,
                    subscription_id=route.subscription.id,
                    outcome="matched" if matched else "suppressed",
                    reason=reason,
                    channels=[str(channel) for channel in channels],
                    decided_at=now,
                )
            )
            result.alerts.extend(
                Alert(
                    alert_id=alert_id,
                    desk_id=route.desk.id,
                    subscription_id=route.subscription.id,
                    channel=channel,
                    article=article,
                    classification=classification,
                    created_at=now,
                )
                for channel in channels
            )
        return result

    def explain(
        self, country: str, admin1: str | None, signal: str, severity: int
    ) -> list[RouteExplanation]:
        """Which subscriptions an article from this place, with this signal, would reach.

        Raises ValueError for a country that is not an ISO 3166-1 alpha-2 code or a signal
        id that is not in the taxonomy.
        """
        if country_name(country) is None:
            raise ValueError(f"{country!r} is not an ISO 3166-1 alpha-2 country code")
        if signal not in SIGNAL_TYPES:
            raise ValueError(f"unknown signal {signal!r} (known: {', '.join(SIGNAL_TYPES)})")
        place = _Place.of(Location(name=admin1 or country, country=country, admin1=admin1))
        explanations = []
        for route in self._routes:
            matched, reason = route.evaluate([place], [signal], severity)
            explanations.append(
                RouteExplanation(
                    desk_id=route.desk.id,
                    desk_name=route.desk.name,
                    subscription_id=route.subscription.id,
                    matched=matched,
                    reason=reason,
                    channels=[str(channel) for channel in route.channels] if matched else [],
                )
            )
        return explanations
