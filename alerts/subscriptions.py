"""The desks' subscriptions (`config/subscriptions.yaml`), validated completely at load.

Every mistake a person can make in the file ends in one `ConfigError` whose lines each
name the file and the exact key path, for example::

    config/subscriptions.yaml: desks[0].subscriptions[1].regions[0].country: 'XX' is not an
    ISO 3166-1 alpha-2 country code

Nothing is dropped or guessed: unknown keys, unknown countries, admin1 names that are not
first-level subdivisions of their country, unknown signal ids, duplicate ids, a subscription
with no channel, malformed email addresses and Slack channel names are all refused.

Two YAML traps are closed at parse time: a key repeated in one mapping is an error (PyYAML
would silently keep the last), and only ``true``/``false`` are booleans, so Norway's
``country: NO`` stays the string ``"NO"`` (YAML 1.1 would read it as false).
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError

from alerts.regions import admin1_names, country_name, resolve_admin1
from flashpoint.errors import ConfigError
from flashpoint.records import SIGNAL_TYPES, ChannelKind

ANY_COUNTRY = "*"

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


Id = Annotated[str, AfterValidator(_check_id)]
CountryCode = Annotated[str, AfterValidator(_check_country)]
SignalId = Annotated[str, AfterValidator(_check_signal)]
SlackChannel = Annotated[str, AfterValidator(_check_slack_channel)]
EmailAddress = Annotated[str, AfterValidator(_check_email)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Region(_Strict):
    """A country, optionally narrowed to some of its first-level subdivisions.

    ``country: "*"`` means anywhere (and may carry no admin1 list).
    """

    country: CountryCode
    admin1: list[str] = Field(default_factory=list)

    @property
    def anywhere(self) -> bool:
        return self.country == ANY_COUNTRY


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


class Subscription(_Strict):
    id: Id
    regions: list[Region]
    # None (the key left out) means every signal type.
    signals: list[SignalId] | None = None
    min_severity: int = Field(default=0, ge=0, le=5)
    channels: Channels


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


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
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


def _model_at(loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The model class that the mapping at `loc` is validated as, for 'allowed keys'."""
    annotation: Any = SubscriptionConfig
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
    is_model = isinstance(annotation, type) and issubclass(annotation, BaseModel)
    return annotation if is_model else None


def _describe(error: Any) -> str:
    kind = error["type"]
    loc = tuple(error["loc"])
    if kind == "extra_forbidden":
        model = _model_at(loc[:-1])
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


def _region_errors(there: str, regions: list[Region]) -> Iterator[str]:
    for r, region in enumerate(regions):
        if region.anywhere:
            if region.admin1:
                yield f"{there}.regions[{r}].admin1: not allowed with country '{ANY_COUNTRY}'"
            if len(regions) > 1:
                yield (
                    f"{there}.regions[{r}].country: '{ANY_COUNTRY}' (anywhere) must be "
                    "the only region"
                )
            continue
        for a, name in enumerate(region.admin1):
            if resolve_admin1(region.country, name) is None:
                yield (
                    f"{there}.regions[{r}].admin1[{a}]: {name!r} is not a first-level "
                    f"subdivision of {region.country} ({country_name(region.country)}); "
                    f"known: {', '.join(admin1_names(region.country))}"
                )


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
        lines = [
            f"{source}: {_key_path(tuple(error['loc']))}: {_describe(error)}"
            for error in exc.errors()
        ]
        raise ConfigError("\n".join(lines)) from None
    problems = [f"{source}: {problem}" for problem in _semantic_errors(config)]
    if problems:
        raise ConfigError("\n".join(problems))
    return config


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
