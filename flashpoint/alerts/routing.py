"""The routing stage: which desks' subscriptions get an alert for a classified article.

`Router.route` takes one `ClassifiedArticle` and the time of routing, and returns a
`RoutingResult`:

- **alerts**: one `Alert` per (matching subscription, channel target) to send now, all with
  the same `alert_id` (`alert_id_for(article.id)`), so a replayed article yields the same
  delivery keys and the delivery stage refuses to send it twice;
- **deferred**: the same, for matching subscriptions that do not want it now: a digest
  subscription, or an immediate one in its quiet hours below the override severity. Each
  `DeferredAlert` says when to send it (`send_at`) and why; the ones that share a
  `batch_key` go out together. Nothing is dropped: deferring is the delivery stage's job;
- **decisions**: one `RoutingDecision` per subscription, matched or suppressed with a
  readable reason ("country SD not in desk regions (SY)", "admin1 Hama not in Idlib, Aleppo",
  "nearest place Kadugli is 212 km from (11.0, 29.7), radius 50 km",
  "no subscribed signal (found: shelling)", "severity 2 below minimum 3"), so the audit
  history says why each desk did or did not hear about the article. A deferred alert's
  decision is "matched", and its reason ends with when it goes out ("held by quiet hours
  22:00-06:00 Africa/Khartoum until ...", "hourly digest at ...").

One channel, one alert: when two matching subscriptions would send the article now to the
same channel (a Slack channel or address they share), only the first in config order
does; the other's decision stays "matched", without that channel, and its reason says
which subscription already sends it there.

What it drops: an article with no signal at all produces neither alerts nor decisions
(nothing to alert on, and one "no signal" row per subscription per article would flood the
audit history). Checks run in the order place, signal, severity; a suppression names the
first that failed.

Matching: a subscription matches when ANY place of the article is in ANY of its regions,
the article has at least one subscribed signal (all when the subscription lists none), and
its severity is at least ``min_severity``. Regions (see `alerts.subscriptions.Region`):

- an area: a country, optionally narrowed to admin1 subdivisions; country ``*`` matches
  every article, placed or not. Admin1 names on both sides are resolved to ISO 3166-2
  codes (`alerts.regions`), so "Aleppo" in the config matches "Ḩalab" or "Aleppo
  Governorate" from the gazetteer;
- a town: a place in the town's country whose name is the town's (as the gazetteer or the
  config spells it, compared without case or accents);
- a radius: a place with coordinates within ``radius_km`` (great-circle distance) of the
  point or town. A place without coordinates never matches a radius.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Literal
from zoneinfo import ZoneInfo

from flashpoint.alerts.regions import (
    City,
    country_name,
    fold,
    resolve_admin1,
    resolve_city,
)
from flashpoint.alerts.subscriptions import (
    Desk,
    DigestPeriod,
    Region,
    Subscription,
    SubscriptionConfig,
)
from flashpoint.core.geo import haversine_km
from flashpoint.core.records import (
    SIGNAL_TYPES,
    Alert,
    Channel,
    ClassifiedArticle,
    Location,
    RoutingDecision,
    alert_id_for,
)

Delivery = Literal["now", "held", "digest"]


@dataclass(frozen=True)
class DeferredAlert:
    """An alert that a matching subscription wants later: held by quiet hours, or a digest.

    `send_at` is aware UTC. Alerts with the same `batch_key` (one subscription, one
    channel target, one send time) belong in one message: a digest, or what quiet hours
    held back. The alert keeps its own delivery key.
    """

    alert: Alert
    send_at: datetime
    why: Literal["quiet_hours", "digest"]
    digest: DigestPeriod | None = None

    @property
    def batch_key(self) -> str:
        return f"{self.alert.subscription_id}:{self.alert.channel}@{_iso(self.send_at)}"


@dataclass
class RoutingResult:
    alerts: list[Alert] = field(default_factory=list)
    deferred: list[DeferredAlert] = field(default_factory=list)
    decisions: list[RoutingDecision] = field(default_factory=list)


@dataclass(frozen=True)
class RouteExplanation:
    """What `Router.explain` says about one subscription (for `flashpoint routes test`).

    `delivery` is None for a subscription that does not match; otherwise "now", "held"
    (quiet hours) or "digest", with `send_at` (aware UTC) for the latter two.
    """

    desk_id: str
    desk_name: str
    subscription_id: str
    matched: bool
    reason: str
    channels: list[str]
    delivery: Delivery | None = None
    send_at: datetime | None = None


@dataclass(frozen=True)
class _Place:
    """An article location with its admin1 resolved once, before looping over subscriptions."""

    name: str
    country: str | None
    admin1: str | None
    admin1_code: str | None
    lat: float | None = None
    lon: float | None = None

    @classmethod
    def of(cls, location: Location) -> _Place:
        return cls.make(
            location.name, location.country, location.admin1, location.lat, location.lon
        )

    @classmethod
    def make(
        cls,
        name: str,
        country: str | None,
        admin1: str | None,
        lat: float | None = None,
        lon: float | None = None,
    ) -> _Place:
        country = country.upper() if country else None
        admin1 = admin1 or None
        resolved = resolve_admin1(country, admin1) if admin1 and country else None
        return cls(
            name=name,
            country=country,
            admin1=admin1,
            admin1_code=resolved.code if resolved else None,
            lat=lat,
            lon=lon,
        )

    @property
    def located(self) -> bool:
        return self.lat is not None and self.lon is not None

    def describe(self) -> str:
        inside = ", ".join(part for part in (self.admin1, self.country) if part)
        return f"{self.name} ({inside})" if inside else self.name


@dataclass(frozen=True)
class _Area:
    country: str  # an ISO code, or "*"
    admin1: tuple[str, ...]  # as written in the config, for messages
    codes: frozenset[str]  # ISO 3166-2 codes of `admin1` (all resolve: checked at load)

    def label(self) -> str:
        return self.country

    def contains(self, place: _Place) -> str | None:
        if self.country == "*":
            return place.describe()
        if place.country != self.country:
            return None
        if self.admin1 and place.admin1_code not in self.codes:
            return None
        return place.describe()


@dataclass(frozen=True)
class _Town:
    country: str
    city: str  # the gazetteer's name of the town
    names: frozenset[str]  # folded: the gazetteer's name and the name as written

    def label(self) -> str:
        return f"{self.city} ({self.country})"

    def contains(self, place: _Place) -> str | None:
        if place.country == self.country and fold(place.name) in self.names:
            return place.describe()
        return None


@dataclass(frozen=True)
class _Circle:
    lat: float
    lon: float
    radius_km: float
    centre: str  # the town's name, or "(lat, lon)"

    def label(self) -> str:
        return f"{_number(self.radius_km)} km around {self.centre}"

    def distance(self, place: _Place) -> float | None:
        if place.lat is None or place.lon is None:
            return None
        return haversine_km(self.lat, self.lon, place.lat, place.lon)

    def contains(self, place: _Place) -> str | None:
        distance = self.distance(place)
        if distance is None or distance > self.radius_km:
            return None
        return f"{place.describe()}, {_km(distance)} km from {self.centre}"

    def miss(self, places: Sequence[_Place]) -> str:
        measured = [(d, p) for p in places if (d := self.distance(p)) is not None]
        if not measured:
            return f"no place with coordinates ({self.label()})"
        distance, nearest = min(measured, key=lambda pair: pair[0])
        return (
            f"nearest place {nearest.name} is {_km(distance)} km from {self.centre}, "
            f"radius {_number(self.radius_km)} km"
        )


_AnyRegion = _Area | _Town | _Circle


def _compile_region(region: Region) -> _AnyRegion:
    """A config region as the matcher needs it (towns resolved once, here)."""
    if region.kind == "area":
        country = region.country or "*"
        return _Area(
            country=country,
            admin1=tuple(region.admin1),
            codes=frozenset(
                resolved.code
                for name in region.admin1
                if (resolved := resolve_admin1(country, name)) is not None
            ),
        )
    town = _town_of(region)
    if region.kind == "city":
        assert region.city is not None and town is not None  # checked at load
        return _Town(town.country, town.name, frozenset({fold(region.city), fold(town.name)}))
    assert region.radius_km is not None  # kind "radius"
    if town is not None:
        return _Circle(town.lat, town.lon, region.radius_km, town.name)
    assert region.lat is not None and region.lon is not None  # checked at load
    return _Circle(region.lat, region.lon, region.radius_km, f"({region.lat!r}, {region.lon!r})")


def _town_of(region: Region) -> City | None:
    if region.city is None or region.country is None:
        return None
    town = resolve_city(region.city, region.country)
    if town is None:  # validation refuses such a region; a Region built by hand may not
        raise ValueError(f"{region.city!r} is not a town in {region.country} in the gazetteer")
    return town


@dataclass(frozen=True)
class _Route:
    desk: Desk
    subscription: Subscription
    regions: tuple[_AnyRegion, ...]
    signals: frozenset[str] | None
    channels: tuple[Channel, ...]

    @classmethod
    def compile(cls, desk: Desk, subscription: Subscription) -> _Route:
        regions = tuple(_compile_region(region) for region in subscription.regions)
        signals = None if subscription.signals is None else frozenset(subscription.signals)
        channels = tuple(
            Channel(kind=kind, target=target) for kind, target in subscription.channels.targets()
        )
        return cls(desk, subscription, regions, signals, channels)

    @property
    def anywhere(self) -> bool:
        return any(isinstance(region, _Area) and region.country == "*" for region in self.regions)

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

    def schedule(self, severity: int, at: datetime) -> tuple[Delivery, datetime | None, str]:
        """How a match goes out at `at`: now, held by quiet hours, or in a digest.

        Returns the delivery, when (aware UTC; None for now) and the words for the reason
        ("" for a plain immediate subscription, so its reason reads as before).
        """
        sub = self.subscription
        quiet = sub.quiet_hours
        zone = quiet.zone if quiet else None
        if sub.mode == "digest" and sub.digest is not None:
            due = digest_due_at(sub.digest, at, zone)
            words = f"{sub.digest} digest at {_when(due, zone)}"
            release = quiet.release_at(due) if quiet else None
            if quiet and release is not None:
                due = release
                words = (
                    f"{sub.digest} digest at {_when(due, zone)}, "
                    f"after quiet hours {quiet.describe()}"
                )
            return "digest", due, words
        if quiet is None:
            return "now", None, ""
        release = quiet.release_at(at)
        if release is None:
            return "now", None, f"outside quiet hours {quiet.describe()}"
        override = quiet.min_severity_override
        if severity >= override:
            return (
                "now",
                None,
                f"sent in quiet hours {quiet.describe()}: severity {severity} >= override "
                f"{override}",
            )
        return (
            "held",
            release,
            f"held by quiet hours {quiet.describe()} until {_when(release, zone)}: "
            f"severity {severity} below override {override}",
        )

    def _match_place(self, places: Sequence[_Place]) -> str | _Miss:
        if self.anywhere:
            return places[0].describe() if places else "anywhere (no place in article)"
        for place in places:
            for region in self.regions:
                where = region.contains(place)
                if where is not None:
                    return where
        if not places:
            labels = _unique(region.label() for region in self.regions)
            return _Miss(f"no place in article (desk regions: {', '.join(labels)})")
        reasons: list[str] = []
        areas = [region for region in self.regions if isinstance(region, _Area)]
        if areas:
            reasons.append(_area_miss(areas, places))
        towns = [region for region in self.regions if isinstance(region, _Town)]
        if towns:
            found = _unique(place.describe() for place in places)
            wanted = " or ".join(_unique(town.label() for town in towns))
            reasons.append(f"no place is {wanted} (found: {', '.join(found)})")
        reasons += [region.miss(places) for region in self.regions if isinstance(region, _Circle)]
        return _Miss("; ".join(_unique(reasons)))


def _area_miss(areas: Sequence[_Area], places: Sequence[_Place]) -> str:
    countries = _unique(area.country for area in areas)
    in_country = [place for place in places if place.country in countries]
    if not in_country:
        found = _unique(place.country or "(none)" for place in places)
        return f"country {', '.join(found)} not in desk regions ({', '.join(countries)})"
    # The country matched, so some region for it lists admin1 names that did not.
    found = _unique(place.admin1 or "(none)" for place in in_country)
    allowed = _unique(
        name
        for area in areas
        if area.country in {place.country for place in in_country}
        for name in area.admin1
    )
    return f"admin1 {', '.join(found)} not in {', '.join(allowed)}"


@dataclass(frozen=True)
class _Miss:
    reason: str


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _number(value: float) -> str:
    return f"{value:g}"


def _km(distance: float) -> str:
    """Whole km from 100 km up, tenths below (so 49.6 and 50.4 do not both read "50")."""
    return f"{distance:.0f}" if distance >= 100 else f"{distance:.1f}"


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def _when(at: datetime, zone: ZoneInfo | None) -> str:
    """'2026-03-02 06:00 Africa/Khartoum (04:00 UTC)', or '2026-03-01 13:00 UTC'."""
    utc = at.astimezone(UTC)
    if zone is None or zone.key == "UTC":
        return f"{utc:%Y-%m-%d %H:%M} UTC"
    return f"{at.astimezone(zone):%Y-%m-%d %H:%M} {zone.key} ({utc:%H:%M} UTC)"


def digest_due_at(period: DigestPeriod, at: datetime, zone: tzinfo | None = None) -> datetime:
    """When the digest that an alert routed at `at` belongs to is sent (aware UTC).

    ``hourly``: at the end of the clock hour `at` falls in; ``daily``: at the midnight that
    ends `at`'s calendar day. Hours and days are those of `zone` (UTC when None).
    """
    zone = zone or UTC
    local = at.astimezone(zone)
    if period == "hourly":
        hour = local.replace(minute=0, second=0, microsecond=0)
        return hour.astimezone(UTC) + timedelta(hours=1)
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), zone)
    return midnight.astimezone(UTC)


class Router:
    """Matches classified articles against every desk's subscriptions (see module doc)."""

    def __init__(self, config: SubscriptionConfig) -> None:
        self._routes = [_Route.compile(desk, sub) for desk, sub in config.subscriptions()]

    def route(self, item: ClassifiedArticle, now: datetime) -> RoutingResult:
        """Route one article at `now` (which also decides quiet hours and digests)."""
        classification = item.classification
        signals = _unique(signal.type for signal in classification.signals)
        result = RoutingResult()
        if not signals:
            return result
        article = item.article
        alert_id = alert_id_for(article.id, item.revision)
        places = [_Place.of(location) for location in classification.locations]
        severity = classification.severity
        # Channels already sending this article now, and for which subscription: a channel
        # two subscriptions share gets the alert once (the same event never twice).
        sending: dict[Channel, str] = {}
        for route in self._routes:
            matched, reason = route.evaluate(places, signals, severity)
            channels = route.channels if matched else ()
            delivery: Delivery = "now"
            send_at: datetime | None = None
            if matched:
                delivery, send_at, words = route.schedule(severity, now)
                reason = f"{reason}; {words}" if words else reason
            if delivery == "now" and channels:
                shared = [channel for channel in channels if channel in sending]
                if shared:
                    reason += "; " + ", ".join(
                        f"{channel} already gets it via subscription {sending[channel]}"
                        for channel in shared
                    )
                    channels = tuple(channel for channel in channels if channel not in sending)
                sending.update((channel, route.subscription.id) for channel in channels)
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
            alerts = [
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
            ]
            if delivery == "now" or send_at is None:
                result.alerts.extend(alerts)
            else:
                why: Literal["quiet_hours", "digest"] = (
                    "digest" if delivery == "digest" else "quiet_hours"
                )
                digest = route.subscription.digest if delivery == "digest" else None
                result.deferred.extend(
                    DeferredAlert(alert, send_at, why, digest) for alert in alerts
                )
        return result

    def explain(
        self,
        country: str | None,
        admin1: str | None,
        signal: str | Sequence[str],
        severity: int,
        lat: float | None = None,
        lon: float | None = None,
        at: datetime | None = None,
        *,
        city: str | None = None,
    ) -> list[RouteExplanation]:
        """Which subscriptions an article from this place, with these signals, would reach.

        The place is `country` (optionally `admin1`), a `city` the gazetteer knows (its
        country, admin1 and coordinates fill in what is not given), and/or a point
        `lat`/`lon` (which radius regions measure from). `at` (default: now; naive means
        UTC) decides quiet hours and digests.

        Raises ValueError for a country that is not an ISO 3166-1 alpha-2 code, a signal
        id that is not in the taxonomy, a severity outside 0..5, a lat without a lon (or
        the reverse) or out of range, an admin1 without a country, or an unknown city.
        """
        signals = [signal] if isinstance(signal, str) else list(signal)
        place = _explained_place(country, admin1, lat, lon, city)
        if not signals:
            raise ValueError("give at least one signal")
        for one in signals:
            if one not in SIGNAL_TYPES:
                raise ValueError(f"unknown signal {one!r} (known: {', '.join(SIGNAL_TYPES)})")
        if not 0 <= severity <= 5:
            raise ValueError(f"severity {severity} is not between 0 and 5")
        when = datetime.now(UTC) if at is None else at
        when = when.replace(tzinfo=UTC) if when.tzinfo is None else when
        places = [place] if place is not None else []
        explanations = []
        for route in self._routes:
            matched, reason = route.evaluate(places, _unique(signals), severity)
            delivery: Delivery | None = None
            send_at: datetime | None = None
            if matched:
                delivery, send_at, words = route.schedule(severity, when)
                reason = f"{reason}; {words}" if words else reason
            explanations.append(
                RouteExplanation(
                    desk_id=route.desk.id,
                    desk_name=route.desk.name,
                    subscription_id=route.subscription.id,
                    matched=matched,
                    reason=reason,
                    channels=[str(channel) for channel in route.channels] if matched else [],
                    delivery=delivery,
                    send_at=send_at,
                )
            )
        return explanations


def _explained_place(
    country: str | None,
    admin1: str | None,
    lat: float | None,
    lon: float | None,
    city: str | None,
) -> _Place | None:
    """The one place `Router.explain` routes, from its arguments (ValueError if unusable)."""
    if country is not None and country_name(country) is None:
        raise ValueError(f"{country!r} is not an ISO 3166-1 alpha-2 country code")
    if (lat is None) != (lon is None):
        raise ValueError("give lat and lon together")
    if lat is not None and not -90 <= lat <= 90:
        raise ValueError(f"lat {lat} is not between -90 and 90")
    if lon is not None and not -180 <= lon <= 180:
        raise ValueError(f"lon {lon} is not between -180 and 180")
    town: City | None = None
    if city is not None:
        town = resolve_city(city, country)
        if town is None:
            where = f" in {country.upper()}" if country else ""
            raise ValueError(f"{city!r} is not a town{where} that the gazetteer knows")
        country = country or town.country
        admin1 = admin1 or town.admin1
        if lat is None:
            lat, lon = town.lat, town.lon
    if admin1 is not None and country is None:
        raise ValueError("admin1 needs a country")
    if town is not None:
        name = town.name
    elif admin1 or country:
        name = admin1 or country or ""
    elif lat is not None:
        name = f"({lat!r}, {lon!r})"
    else:
        return None
    return _Place.make(name, country, admin1, lat, lon)
