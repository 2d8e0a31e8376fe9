"""The desks' subscriptions (`config/subscriptions.yaml`), validated completely at load.

The same models validate a subscription wherever it comes from: the YAML file, the desks
database (`desks.store`, which keeps each subscription as this model's JSON) and the
``flashpoint subscriptions add`` options.

Every mistake a person can make in the file ends in one `ConfigError` whose lines each
name the file and the exact key path, for example::

    config/subscriptions.yaml: desks[0].subscriptions[1].regions[0].country: 'XX' is not an
    ISO 3166-1 alpha-2 country code

Nothing is dropped or guessed: unknown keys, unknown countries, admin1 names that are not
first-level subdivisions of their country, towns the gazetteer does not know, a radius
without a centre, unknown signal ids, duplicate ids, a subscription with no channel,
malformed email addresses and Slack channel names, times of day that are not ``HH:MM``,
unknown time zones, and a digest subscription without its period are all refused.

Regions come in three shapes (see `Region`): an area (a country, optionally narrowed to
admin1 subdivisions), a town (``country`` + ``city``), and a radius in km around a point
(``lat``/``lon``) or around a town (``country`` + ``city``).

Delivery (see `Subscription`): ``mode: immediate`` (the default) sends each alert when it
is routed; ``mode: digest`` with ``digest: hourly | daily`` collects them into one message
per period. ``quiet_hours`` hold immediate alerts below ``min_severity_override`` (default 5)
until the quiet hours end, and push a digest that falls due inside them to their end.
"Held" means delayed, never dropped and never merged into a digest: see `QuietHours`.

Three YAML traps are closed at parse time: a key repeated in one mapping is an error (PyYAML
would silently keep the last); only ``true``/``false`` are booleans, so Norway's
``country: NO`` stays the string ``"NO"`` (YAML 1.1 would read it as false); and there are
no base-60 numbers, so ``start: 22:00`` stays the string ``"22:00"`` (YAML 1.1 would read
it as the integer 1320).
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError

from flashpoint.alerts.regions import admin1_names, country_name, resolve_admin1, resolve_city
from flashpoint.core.errors import ConfigError
from flashpoint.core.records import SIGNAL_TYPES, ChannelKind

ANY_COUNTRY = "*"
# The largest radius a region may have: beyond this a radius is a continent, not a region.
MAX_RADIUS_KM = 2000.0
DEFAULT_OVERRIDE_SEVERITY = 5

Mode = Literal["immediate", "digest"]
DigestPeriod = Literal["hourly", "daily"]

# All checked with fullmatch (a "$" would let a trailing newline through).
_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
# Slack: a channel name after '#' (lower case letters, digits, '-', '_', at most 80),
# or a conversation id such as C0123ABCD (public), G... (private), D... (direct message).
_SLACK_NAME = re.compile(r"#[a-z0-9][a-z0-9_-]{0,79}")
_SLACK_ID = re.compile(r"[CGD][A-Z0-9]{8,}")
# Deliberately plain: one '@', no spaces, quotes, angle brackets, commas or control
# characters (which is what keeps a header free of injected recipients), a dotted domain.
_EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}"
    r"@(?=.{1,253}\Z)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+"
)
_TIME_OF_DAY = re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9]")


def _error(message: str) -> PydanticCustomError:
    return PydanticCustomError("flashpoint_config", message)


def _check_id(value: str) -> str:
    if not _ID.fullmatch(value):
        raise _error(
            f"{value!r} is not a valid id (lower case letters, digits, '-' and '_', "
            "starting with a letter or digit, at most 64 characters)"
        )
    return value


def _check_country(value: str) -> str:
    if value == ANY_COUNTRY:
        return value
    if country_name(value) is None:
        raise _error(f"{value!r} is not an ISO 3166-1 alpha-2 country code")
    return value.upper()


def _check_signal(value: str) -> str:
    if value not in SIGNAL_TYPES:
        raise _error(f"unknown signal {value!r} (known: {', '.join(SIGNAL_TYPES)})")
    return value


def _check_slack_channel(value: str) -> str:
    if not (_SLACK_NAME.fullmatch(value) or _SLACK_ID.fullmatch(value)):
        raise _error(
            f"{value!r} is not a Slack channel: use '#name' (lower case letters, digits, "
            "'-' and '_', at most 80) or a channel id such as 'C0123ABCD'"
        )
    return value


def is_email_address(value: str) -> bool:
    """One plain address (what subscriptions accept, and all a notifier will send to)."""
    return _EMAIL.fullmatch(value) is not None


def _check_email(value: str) -> str:
    if not is_email_address(value):
        raise _error(f"{value!r} is not an email address")
    return value


def _check_time_of_day(value: str) -> str:
    if not _TIME_OF_DAY.fullmatch(value):
        raise _error(f"{value!r} is not a time of day (HH:MM, from 00:00 to 23:59)")
    return value


def _check_time_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise _error(
            f"{value!r} is not an IANA time zone (for example 'Africa/Khartoum' or 'UTC')"
        ) from None
    return value


Id = Annotated[str, AfterValidator(_check_id)]
CountryCode = Annotated[str, AfterValidator(_check_country)]
SignalId = Annotated[str, AfterValidator(_check_signal)]
SlackChannel = Annotated[str, AfterValidator(_check_slack_channel)]
EmailAddress = Annotated[str, AfterValidator(_check_email)]
TimeOfDay = Annotated[str, AfterValidator(_check_time_of_day)]
TimeZoneName = Annotated[str, AfterValidator(_check_time_zone)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


RegionKind = Literal["area", "city", "radius"]


class Region(_Strict):
    """Where a subscription listens, in one of three shapes:

    - **area**: ``country`` (ISO alpha-2), optionally narrowed to ``admin1`` subdivisions;
      ``country: "*"`` means anywhere (and takes nothing else);
    - **city**: ``country`` and ``city``, a town the gazetteer knows; matches an article
      place with the town's name (the gazetteer's name or the name as written) in that
      country;
    - **radius**: ``radius_km`` around ``lat``/``lon``, or around ``country`` + ``city``;
      matches an article place with coordinates within that great-circle distance, in
      whatever country (a radius crosses borders, so a point takes no ``country``).
    """

    country: CountryCode | None = None
    admin1: list[str] = Field(default_factory=list)
    city: str | None = Field(default=None, min_length=1)
    lat: float | None = Field(default=None, ge=-90, le=90, allow_inf_nan=False)
    lon: float | None = Field(default=None, ge=-180, le=180, allow_inf_nan=False)
    radius_km: float | None = Field(default=None, gt=0, le=MAX_RADIUS_KM, allow_inf_nan=False)

    @property
    def anywhere(self) -> bool:
        return self.country == ANY_COUNTRY

    @property
    def kind(self) -> RegionKind:
        if self.radius_km is not None:
            return "radius"
        if self.city is not None:
            return "city"
        return "area"


class Channels(_Strict):
    slack: list[SlackChannel] = Field(default_factory=list)
    email: list[EmailAddress] = Field(default_factory=list)
    console: bool = False

    def targets(self) -> list[tuple[ChannelKind, str]]:
        """Every (kind, target) pair, in the order they are written."""
        pairs: list[tuple[ChannelKind, str]] = [("slack", channel) for channel in self.slack]
        pairs += [("email", address) for address in self.email]
        if self.console:
            pairs.append(("console", "stdout"))
        return pairs


class QuietHours(_Strict):
    """Local hours in which a desk wants no immediate alert below a severity.

    From ``start`` (included) to ``end`` (excluded), both ``HH:MM`` in ``timezone``; when
    ``start`` is later than ``end`` the quiet hours run over midnight (22:00 to 06:00).

    What happens inside them (`Router` applies it; the `at` of a decision is when the
    article is routed):

    - an immediate alert whose severity is at least ``min_severity_override`` (default 5)
      is sent at once: a mass-casualty event wakes the desk;
    - any other immediate alert is **held**: delayed to the end of the quiet hours and
      sent then (several held for one channel go out as one "held by quiet hours" message;
      never folded into a digest and never dropped);
    - a digest that falls due inside them is sent at their end instead.
    """

    start: TimeOfDay
    end: TimeOfDay
    timezone: TimeZoneName
    min_severity_override: int = Field(default=DEFAULT_OVERRIDE_SEVERITY, ge=1, le=5)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def describe(self) -> str:
        return f"{self.start}-{self.end} {self.timezone}"

    def release_at(self, at: datetime) -> datetime | None:
        """When the quiet hours that `at` falls in end (aware UTC), or None outside them."""
        zone = self.zone
        local = at.astimezone(zone)
        start, end = _clock(self.start), _clock(self.end)
        now = local.time().replace(tzinfo=None)
        day = local.date()
        if start < end:
            if not start <= now < end:
                return None
        elif end <= now < start:
            return None
        elif now >= start:  # before midnight: the quiet hours end tomorrow
            day += timedelta(days=1)
        return datetime.combine(day, end, tzinfo=zone).astimezone(UTC)


def _clock(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


class Subscription(_Strict):
    """What one desk wants to hear about, where, and how it is delivered.

    ``mode: immediate`` (the default) sends each alert as it is routed. ``mode: digest``
    needs ``digest: hourly`` (one message per clock hour, sent when the hour ends) or
    ``digest: daily`` (one per calendar day, sent at the following midnight); hours and
    days are those of the quiet hours' time zone, else UTC. A digest due inside quiet
    hours goes out when they end. (`alerts.routing` computes the times.)
    """

    id: Id
    regions: list[Region]
    # None (the key left out) means every signal type.
    signals: list[SignalId] | None = None
    min_severity: int = Field(default=0, ge=0, le=5)
    channels: Channels
    mode: Mode = "immediate"
    digest: DigestPeriod | None = None
    quiet_hours: QuietHours | None = None

    def to_data(self) -> dict[str, Any]:
        """The subscription as YAML-ready data, without keys left at their defaults.

        `parse_subscription(sub.to_data(), ...)` gives back an equal subscription.
        """
        return self.model_dump(mode="json", exclude_defaults=True)


class Desk(_Strict):
    id: Id
    name: str = Field(min_length=1)
    subscriptions: list[Subscription] = Field(min_length=1)


class SubscriptionConfig(_Strict):
    desks: list[Desk]

    def subscriptions(self) -> Iterator[tuple[Desk, Subscription]]:
        for desk in self.desks:
            for subscription in desk.subscriptions:
                yield desk, subscription


# ---------------------------------------------------------------------------------------
# YAML parsing


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses repeated keys and reads only true/false as booleans."""


_REPLACED_TAGS = ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _REPLACED_TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)
# YAML 1.1's ints and floats without the base-60 forms (22:00 would be 1320).
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(
        r"""^(?:[-+]?0b[0-1_]+
        |[-+]?0[0-7_]+
        |[-+]?(?:0|[1-9][0-9_]*)
        |[-+]?0x[0-9a-fA-F_]+)$""",
        re.X,
    ),
    list("-+0123456789"),
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
        |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        re.X,
    ),
    list("-+0123456789."),
)


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: dict[Any, yaml.Node] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen[key] = key_node
    return loader.construct_mapping(node)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def parse_yaml(path: Path | str, text: str) -> Any:
    """Parse YAML text with the subscriptions loader; `ConfigError` names file, line, column."""
    return _parse_yaml(Path(path), text)


def _parse_yaml(path: Path, text: str) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)  # _Loader is a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise ConfigError(f"{where}: invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {exc}") from None


# ---------------------------------------------------------------------------------------
# Error messages


def _key_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else part)
    return path


def _model_at(
    loc: tuple[int | str, ...], root: type[BaseModel] = SubscriptionConfig
) -> type[BaseModel] | None:
    """The model class that the mapping at `loc` is validated as, for 'allowed keys'."""
    annotation: Any = root
    for part in loc:
        while typing.get_origin(annotation) in (typing.Union, types.UnionType, list):
            args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
            annotation = args[0]
        if isinstance(part, str):
            if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
                return None
            field = annotation.model_fields.get(part)
            if field is None:
                return None
            annotation = field.annotation
    while typing.get_origin(annotation) in (typing.Union, types.UnionType):  # X | None
        annotation = [arg for arg in typing.get_args(annotation) if arg is not type(None)][0]
    is_model = isinstance(annotation, type) and issubclass(annotation, BaseModel)
    return annotation if is_model else None


def _describe(error: Any, root: type[BaseModel] = SubscriptionConfig) -> str:
    kind = error["type"]
    loc = tuple(error["loc"])
    if kind == "extra_forbidden":
        model = _model_at(loc[:-1], root)
        allowed = ", ".join(model.model_fields) if model else "?"
        return f"unknown key (allowed: {allowed})"
    if kind == "missing":
        return "required key is missing"
    if kind == "flashpoint_config":
        return str(error["msg"])
    if kind == "too_short":
        return "must not be empty"
    given = error.get("input")
    if isinstance(given, (str, int, float, bool)) or given is None:
        return f"{error['msg']} (got {given!r})"
    return f"{error['msg']} (got a {_yaml_type(given)})"


def _yaml_type(value: Any) -> str:
    if isinstance(value, dict):
        return "mapping"
    if isinstance(value, list):
        return "list"
    return type(value).__name__


def _semantic_errors(config: SubscriptionConfig) -> Iterator[str]:
    """Checks that need more than one field: admin1 against country, ids, channels."""
    desks: dict[str, str] = {}
    subscriptions: dict[str, str] = {}
    for d, desk in enumerate(config.desks):
        here = f"desks[{d}]"
        if desk.id in desks:
            yield f"{here}.id: duplicate desk id {desk.id!r} (first at {desks[desk.id]})"
        desks.setdefault(desk.id, f"{here}.id")
        for s, sub in enumerate(desk.subscriptions):
            there = f"{here}.subscriptions[{s}]"
            if sub.id in subscriptions:
                yield (
                    f"{there}.id: duplicate subscription id {sub.id!r} "
                    f"(first at {subscriptions[sub.id]}; subscription ids are unique "
                    "across all desks)"
                )
            subscriptions.setdefault(sub.id, f"{there}.id")
            yield from _subscription_errors(there, sub)


def _subscription_errors(there: str, sub: Subscription) -> Iterator[str]:
    """The checks of one subscription that need more than one field."""
    if not sub.regions:
        yield (
            f"{there}.regions: no region; list countries, or "
            f"[{{country: '{ANY_COUNTRY}'}}] for anywhere"
        )
    yield from _region_errors(there, sub.regions)
    if sub.signals is not None and not sub.signals:
        yield f"{there}.signals: empty list; leave the key out to subscribe to all"
    if not sub.channels.targets():
        yield f"{there}.channels: no channel (set slack, email or console: true)"
    for kind, targets in (("slack", sub.channels.slack), ("email", sub.channels.email)):
        for t, target in enumerate(targets):
            if target in targets[:t]:
                yield f"{there}.channels.{kind}[{t}]: {target!r} is listed twice"
    if sub.mode == "digest" and sub.digest is None:
        yield f"{there}.digest: required when mode is 'digest' (hourly or daily)"
    if sub.mode != "digest" and sub.digest is not None:
        yield f"{there}.digest: only allowed with mode: digest (mode is {sub.mode!r})"
    quiet = sub.quiet_hours
    if quiet is not None and quiet.start == quiet.end:
        yield (
            f"{there}.quiet_hours.end: same as start ({quiet.start!r}); quiet hours must "
            "not be empty"
        )


def _region_errors(there: str, regions: list[Region]) -> Iterator[str]:
    for r, region in enumerate(regions):
        here = f"{there}.regions[{r}]"
        if region.anywhere:
            given = [
                key for key in ("admin1", "city", "lat", "lon", "radius_km") if _is_set(region, key)
            ]
            for key in given:
                yield f"{here}.{key}: not allowed with country '{ANY_COUNTRY}'"
            if len(regions) > 1:
                yield f"{here}.country: '{ANY_COUNTRY}' (anywhere) must be the only region"
            continue
        yield from _shape_errors(here, region)
        if region.country is None:
            continue
        unpointed_city = region.city is not None and region.lat is None and region.lon is None
        if unpointed_city and resolve_city(str(region.city), region.country) is None:
            yield (
                f"{here}.city: {region.city!r} is not a town in {region.country} "
                f"({country_name(region.country)}) that the gazetteer knows"
            )
        for a, name in enumerate(region.admin1):
            if resolve_admin1(region.country, name) is None:
                yield (
                    f"{here}.admin1[{a}]: {name!r} is not a first-level "
                    f"subdivision of {region.country} ({country_name(region.country)}); "
                    f"known: {', '.join(admin1_names(region.country))}"
                )


def _is_set(region: Region, key: str) -> bool:
    value = getattr(region, key)
    return bool(value) if isinstance(value, list) else value is not None


def _shape_errors(here: str, region: Region) -> Iterator[str]:
    """Which keys go together: a point needs lat, lon and radius_km and no country."""
    point = region.lat is not None or region.lon is not None
    if region.lat is not None and region.lon is None:
        yield f"{here}.lon: required with lat"
    if region.lon is not None and region.lat is None:
        yield f"{here}.lat: required with lon"
    if point:
        if region.city is not None:
            yield f"{here}.city: not allowed with lat/lon (give one centre: a town or a point)"
        if region.radius_km is None:
            yield f"{here}.radius_km: required with lat/lon (the radius in km around the point)"
        if region.country is not None:
            yield (
                f"{here}.country: not allowed with lat/lon (a radius crosses borders; to "
                "centre it on a town, give country and city instead)"
            )
    elif region.radius_km is not None and region.city is None:
        yield f"{here}.radius_km: needs a centre: lat and lon, or country and city"
    elif region.country is None:
        if region.city is not None:
            yield f"{here}.country: required with city (the country the town is in)"
        else:
            yield (
                f"{here}.country: required key is missing (or give lat, lon and radius_km "
                "for a radius around a point)"
            )
    if region.admin1 and (region.city is not None or point):
        yield f"{here}.admin1: not allowed with city or lat/lon (a region is one shape)"


def _validation_lines(
    exc: ValidationError, source: str, prefix: str, root: type[BaseModel]
) -> list[str]:
    lines = []
    for error in exc.errors():
        path = _key_path(tuple(error["loc"]))
        if prefix:
            path = prefix + (path if path.startswith("[") or not path else f".{path}")
        lines.append(f"{source}: {path}: {_describe(error, root)}")
    return lines


def parse_subscriptions(data: Any, source: str) -> SubscriptionConfig:
    """Validate already-parsed YAML data; `source` names the file in messages."""
    if data is None:
        raise ConfigError(f"{source}: empty file; expected a mapping with the key 'desks'")
    if not isinstance(data, dict):
        raise ConfigError(
            f"{source}: expected a mapping with the key 'desks', got a {_yaml_type(data)}"
        )
    try:
        config = SubscriptionConfig.model_validate(data)
    except ValidationError as exc:
        lines = _validation_lines(exc, source, "", SubscriptionConfig)
        raise ConfigError("\n".join(lines)) from None
    problems = [f"{source}: {problem}" for problem in _semantic_errors(config)]
    if problems:
        raise ConfigError("\n".join(problems))
    return config


def parse_subscription(data: Any, source: str, path: str = "") -> Subscription:
    """Validate one subscription (a mapping); messages name `source` and the key path,
    under `path` when given ("desk 'syria' subscription 'x'.regions[0].country: ...").

    The same checks as for a whole file, except uniqueness of ids across desks (the
    caller checks that against what it already holds).
    """
    where = f"{source}: {path}: " if path else f"{source}: "
    if not isinstance(data, dict):
        got = "nothing" if data is None else f"a {_yaml_type(data)}"
        raise ConfigError(f"{where}expected a mapping (one subscription), got {got}")
    try:
        subscription = Subscription.model_validate(data)
    except ValidationError as exc:
        lines = _validation_lines(exc, source, path, Subscription)
        raise ConfigError("\n".join(lines)) from None
    # _subscription_errors writes "<there>.key: ..."; at the top level there is no <there>.
    there = path or "\0"
    problems = [
        f"{source}: {problem.removeprefix(chr(0) + '.')}"
        for problem in _subscription_errors(there, subscription)
    ]
    if problems:
        raise ConfigError("\n".join(problems))
    return subscription


def check_id(value: str, key: str) -> str:
    """`value` if it is a valid desk or subscription id; else `ConfigError` naming `key`."""
    try:
        return _check_id(value)
    except PydanticCustomError as exc:
        raise ConfigError(f"{key}: {exc.message()}") from None


def config_to_data(config: SubscriptionConfig) -> dict[str, Any]:
    """The whole configuration as YAML-ready data (`parse_subscriptions` reads it back)."""
    return {
        "desks": [
            {
                "id": desk.id,
                "name": desk.name,
                "subscriptions": [sub.to_data() for sub in desk.subscriptions],
            }
            for desk in config.desks
        ]
    }


def load_subscriptions(path: str | Path) -> SubscriptionConfig:
    """Read and validate a subscriptions file; raise `ConfigError` naming every bad key."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    return parse_subscriptions(_parse_yaml(path, text), str(path))
