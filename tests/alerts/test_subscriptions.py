"""config/subscriptions.yaml: every mistake refused at load, one invalid file per case."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from flashpoint.alerts.subscriptions import (
    QuietHours,
    check_id,
    config_to_data,
    load_subscriptions,
    parse_subscription,
)
from flashpoint.core.errors import ConfigError
from flashpoint.core.records import SIGNAL_TYPES
from flashpoint.core.settings import REPO_ROOT

KNOWN_SIGNALS = ", ".join(SIGNAL_TYPES)
SUBSCRIPTION_KEYS = "id, regions, signals, min_severity, channels, mode, digest, quiet_hours"
REGION_KEYS = "country, admin1, city, lat, lon, radius_km"
QUIET_KEYS = "start, end, timezone, min_severity_override"


def one_subscription(body: str) -> str:
    """A file with one desk and one subscription whose body (indented keys) is given."""
    return (
        "desks:\n  - id: syria\n    name: Syria desk\n    subscriptions:\n      - id: syria-all\n"
        + (textwrap.indent(textwrap.dedent(body).strip("\n"), " " * 8) + "\n")
    )


VALID_BODY = """\
regions:
  - country: SY
channels:
  slack: ["#syria-desk"]
"""

# (case id, file text, the message after "<path>: ")
INVALID = [
    (
        "country-not-iso",
        one_subscription("regions:\n  - country: XX\nchannels:\n  console: true\n"),
        "desks[0].subscriptions[0].regions[0].country: 'XX' is not an ISO 3166-1 alpha-2 "
        "country code",
    ),
    (
        "country-alpha-3",
        one_subscription("regions:\n  - country: SYR\nchannels:\n  console: true\n"),
        "desks[0].subscriptions[0].regions[0].country: 'SYR' is not an ISO 3166-1 alpha-2 "
        "country code",
    ),
    (
        "country-a-number",
        one_subscription("regions:\n  - country: 12\nchannels:\n  console: true\n"),
        "desks[0].subscriptions[0].regions[0].country: Input should be a valid string (got 12)",
    ),
    (
        "admin1-not-in-country",
        one_subscription(
            "regions:\n  - country: SY\n    admin1: [Idlib, Kadugli]\nchannels:\n  console: true\n"
        ),
        "desks[0].subscriptions[0].regions[0].admin1[1]: 'Kadugli' is not a first-level "
        "subdivision of SY (Syria); known: Al Ḩasakah, Al Lādhiqīyah, Al Qunayţirah, "
        "Ar Raqqah, As Suwaydā', Dar'ā, Dayr az Zawr, Dimashq, Ḩalab, Ḩamāh, Ḩimş, Idlib, "
        "Rīf Dimashq, Ţarţūs",
    ),
    (
        "unknown-key-in-subscription",
        one_subscription(VALID_BODY + "min_severty: 3\n"),
        f"desks[0].subscriptions[0].min_severty: unknown key (allowed: {SUBSCRIPTION_KEYS})",
    ),
    (
        "unknown-key-in-channels",
        one_subscription("regions:\n  - country: SY\nchannels:\n  teams: ['#x']\n"),
        "desks[0].subscriptions[0].channels.teams: unknown key (allowed: slack, email, console)",
    ),
    (
        "unknown-key-at-top",
        "version: 2\n" + one_subscription(VALID_BODY),
        "version: unknown key (allowed: desks)",
    ),
    (
        "unknown-signal",
        one_subscription(VALID_BODY + "signals: [shelling, bombing]\n"),
        f"desks[0].subscriptions[0].signals[1]: unknown signal 'bombing' (known: {KNOWN_SIGNALS})",
    ),
    (
        "empty-signal-list",
        one_subscription(VALID_BODY + "signals: []\n"),
        "desks[0].subscriptions[0].signals: empty list; leave the key out to subscribe to all",
    ),
    (
        "severity-above-5",
        one_subscription(VALID_BODY + "min_severity: 6\n"),
        "desks[0].subscriptions[0].min_severity: Input should be less than or equal to 5 (got 6)",
    ),
    (
        "severity-not-a-number",
        one_subscription(VALID_BODY + "min_severity: high\n"),
        "desks[0].subscriptions[0].min_severity: Input should be a valid integer, unable to "
        "parse string as an integer (got 'high')",
    ),
    (
        "no-channel",
        one_subscription("regions:\n  - country: SY\nchannels: {}\n"),
        "desks[0].subscriptions[0].channels: no channel (set slack, email or console: true)",
    ),
    (
        "console-false-only",
        one_subscription("regions:\n  - country: SY\nchannels:\n  console: false\n"),
        "desks[0].subscriptions[0].channels: no channel (set slack, email or console: true)",
    ),
    (
        "channels-missing",
        one_subscription("regions:\n  - country: SY\n"),
        "desks[0].subscriptions[0].channels: required key is missing",
    ),
    (
        "malformed-email",
        one_subscription(
            "regions:\n  - country: SY\nchannels:\n"
            "  email: [desk@example.org, 'desk at example.org']\n"
        ),
        "desks[0].subscriptions[0].channels.email[1]: 'desk at example.org' is not an email "
        "address",
    ),
    (
        "email-with-second-recipient",
        one_subscription(
            "regions:\n  - country: SY\nchannels:\n"
            "  email: ['desk@example.org, boss@example.org']\n"
        ),
        "desks[0].subscriptions[0].channels.email[0]: 'desk@example.org, boss@example.org' is "
        "not an email address",
    ),
    (
        "slack-channel-without-hash",
        one_subscription("regions:\n  - country: SY\nchannels:\n  slack: [syria-desk]\n"),
        "desks[0].subscriptions[0].channels.slack[0]: 'syria-desk' is not a Slack channel: use "
        "'#name' (lower case letters, digits, '-' and '_', at most 80) or a channel id such as "
        "'C0123ABCD'",
    ),
    (
        "slack-channel-with-space",
        one_subscription("regions:\n  - country: SY\nchannels:\n  slack: ['#Syria Desk']\n"),
        "desks[0].subscriptions[0].channels.slack[0]: '#Syria Desk' is not a Slack channel: use "
        "'#name' (lower case letters, digits, '-' and '_', at most 80) or a channel id such as "
        "'C0123ABCD'",
    ),
    (
        "same-channel-twice",
        one_subscription("regions:\n  - country: SY\nchannels:\n  slack: ['#a', '#b', '#a']\n"),
        "desks[0].subscriptions[0].channels.slack[2]: '#a' is listed twice",
    ),
    (
        "regions-missing",
        one_subscription("channels:\n  console: true\n"),
        "desks[0].subscriptions[0].regions: required key is missing",
    ),
    (
        "regions-empty",
        one_subscription("regions: []\nchannels:\n  console: true\n"),
        "desks[0].subscriptions[0].regions: no region; list countries, or [{country: '*'}] "
        "for anywhere",
    ),
    (
        "anywhere-with-admin1",
        one_subscription(
            "regions:\n  - country: '*'\n    admin1: [Idlib]\nchannels:\n  console: true\n"
        ),
        "desks[0].subscriptions[0].regions[0].admin1: not allowed with country '*'",
    ),
    (
        "anywhere-not-alone",
        one_subscription(
            "regions:\n  - country: SY\n  - country: '*'\nchannels:\n  console: true\n"
        ),
        "desks[0].subscriptions[0].regions[1].country: '*' (anywhere) must be the only region",
    ),
    (
        "bad-subscription-id",
        one_subscription(VALID_BODY).replace("id: syria-all", "id: Syria All"),
        "desks[0].subscriptions[0].id: 'Syria All' is not a valid id (lower case letters, "
        "digits, '-' and '_', starting with a letter or digit, at most 64 characters)",
    ),
    (
        "id-with-trailing-newline",
        one_subscription(VALID_BODY).replace("id: syria-all", 'id: "syria-all\\n"'),
        "desks[0].subscriptions[0].id: 'syria-all\\n' is not a valid id (lower case letters, "
        "digits, '-' and '_', starting with a letter or digit, at most 64 characters)",
    ),
    (
        "duplicate-desk-id",
        one_subscription(VALID_BODY)
        + "  - id: syria\n    name: Syria again\n    subscriptions:\n"
        + "      - id: syria-other\n"
        + textwrap.indent(VALID_BODY, " " * 8),
        "desks[1].id: duplicate desk id 'syria' (first at desks[0].id)",
    ),
    (
        "duplicate-subscription-id-across-desks",
        one_subscription(VALID_BODY)
        + "  - id: levant\n    name: Levant desk\n    subscriptions:\n"
        + "      - id: syria-all\n"
        + textwrap.indent(VALID_BODY, " " * 8),
        "desks[1].subscriptions[0].id: duplicate subscription id 'syria-all' (first at "
        "desks[0].subscriptions[0].id; subscription ids are unique across all desks)",
    ),
    (
        "desk-without-subscriptions",
        "desks:\n  - id: syria\n    name: Syria desk\n    subscriptions: []\n",
        "desks[0].subscriptions: must not be empty",
    ),
    (
        "desk-name-missing",
        "desks:\n  - id: syria\n    subscriptions:\n      - id: s\n"
        + textwrap.indent(VALID_BODY, " " * 8),
        "desks[0].name: required key is missing",
    ),
    (
        "desks-not-a-list",
        "desks:\n  syria: {}\n",
        "desks: Input should be a valid list (got a mapping)",
    ),
]


def with_region(region: str) -> str:
    """A file with one subscription whose only region is `region` (a flow mapping)."""
    return one_subscription(f"regions:\n  - {region}\nchannels:\n  console: true\n")


def with_delivery(body: str) -> str:
    """A valid subscription plus delivery keys (mode, digest, quiet_hours)."""
    return one_subscription(VALID_BODY + textwrap.dedent(body))


R0 = "desks[0].subscriptions[0].regions[0]"
S0 = "desks[0].subscriptions[0]"

# The region shapes (city, radius), one file per mistake.
INVALID_REGIONS = [
    (
        "unknown-key-in-region",
        with_region("{country: SD, town: Kadugli}"),
        f"{R0}.town: unknown key (allowed: {REGION_KEYS})",
    ),
    (
        "region-without-country",
        with_region("{admin1: [Idlib]}"),
        f"{R0}.country: required key is missing (or give lat, lon and radius_km for a radius "
        "around a point)",
    ),
    (
        "city-unknown",
        with_region("{country: SD, city: Atlantis}"),
        f"{R0}.city: 'Atlantis' is not a town in SD (Sudan) that the gazetteer knows",
    ),
    (
        "city-in-the-wrong-country",
        with_region("{country: SY, city: Kadugli, radius_km: 50}"),
        f"{R0}.city: 'Kadugli' is not a town in SY (Syria) that the gazetteer knows",
    ),
    (
        "city-without-country",
        with_region("{city: Kadugli}"),
        f"{R0}.country: required with city (the country the town is in)",
    ),
    (
        "city-empty",
        with_region("{country: SD, city: ''}"),
        f"{R0}.city: String should have at least 1 character (got '')",
    ),
    (
        "city-with-admin1",
        with_region("{country: SD, city: Kadugli, admin1: [South Kordofan]}"),
        f"{R0}.admin1: not allowed with city or lat/lon (a region is one shape)",
    ),
    ("lat-without-lon", with_region("{lat: 11.0, radius_km: 50}"), f"{R0}.lon: required with lat"),
    ("lon-without-lat", with_region("{lon: 29.7, radius_km: 50}"), f"{R0}.lat: required with lon"),
    (
        "point-without-radius",
        with_region("{lat: 11.0, lon: 29.7}"),
        f"{R0}.radius_km: required with lat/lon (the radius in km around the point)",
    ),
    (
        "radius-without-centre",
        with_region("{radius_km: 50}"),
        f"{R0}.radius_km: needs a centre: lat and lon, or country and city",
    ),
    (
        "radius-around-a-country",
        with_region("{country: SD, radius_km: 50}"),
        f"{R0}.radius_km: needs a centre: lat and lon, or country and city",
    ),
    (
        "point-with-country",
        with_region("{country: SD, lat: 11.0, lon: 29.7, radius_km: 50}"),
        f"{R0}.country: not allowed with lat/lon (a radius crosses borders; to centre it on a "
        "town, give country and city instead)",
    ),
    (
        "point-and-city",
        with_region("{country: SD, city: Kadugli, lat: 11.0, lon: 29.7, radius_km: 50}"),
        f"{R0}.city: not allowed with lat/lon (give one centre: a town or a point)\n"
        f"{{path}}: {R0}.country: not allowed with lat/lon (a radius crosses borders; to centre "
        "it on a town, give country and city instead)",
    ),
    (
        "point-with-admin1",
        with_region("{admin1: [Idlib], lat: 35.9, lon: 36.6, radius_km: 20}"),
        f"{R0}.admin1: not allowed with city or lat/lon (a region is one shape)",
    ),
    (
        "lat-out-of-range",
        with_region("{lat: 95, lon: 29.7, radius_km: 50}"),
        f"{R0}.lat: Input should be less than or equal to 90 (got 95)",
    ),
    (
        "lon-out-of-range",
        with_region("{lat: 11, lon: -181, radius_km: 50}"),
        f"{R0}.lon: Input should be greater than or equal to -180 (got -181)",
    ),
    (
        "lat-not-a-number",
        with_region("{lat: north, lon: 29.7, radius_km: 50}"),
        f"{R0}.lat: Input should be a valid number, unable to parse string as a number "
        "(got 'north')",
    ),
    (
        "lat-nan",
        with_region("{lat: .nan, lon: 29.7, radius_km: 50}"),
        f"{R0}.lat: Input should be a finite number (got nan)",
    ),
    (
        "radius-zero",
        with_region("{lat: 11.0, lon: 29.7, radius_km: 0}"),
        f"{R0}.radius_km: Input should be greater than 0 (got 0)",
    ),
    (
        "radius-too-large",
        with_region("{lat: 11.0, lon: 29.7, radius_km: 5000}"),
        f"{R0}.radius_km: Input should be less than or equal to 2000 (got 5000)",
    ),
    (
        "anywhere-with-radius",
        with_region("{country: '*', radius_km: 50}"),
        f"{R0}.radius_km: not allowed with country '*'",
    ),
    (
        "anywhere-with-city",
        with_region("{country: '*', city: Kadugli}"),
        f"{R0}.city: not allowed with country '*'",
    ),
]

# Delivery: mode, digest and quiet hours, one file per mistake.
INVALID_DELIVERY = [
    (
        "mode-unknown",
        with_delivery("mode: weekly\n"),
        f"{S0}.mode: Input should be 'immediate' or 'digest' (got 'weekly')",
    ),
    (
        "digest-missing",
        with_delivery("mode: digest\n"),
        f"{S0}.digest: required when mode is 'digest' (hourly or daily)",
    ),
    (
        "digest-without-digest-mode",
        with_delivery("digest: daily\n"),
        f"{S0}.digest: only allowed with mode: digest (mode is 'immediate')",
    ),
    (
        "digest-period-unknown",
        with_delivery("mode: digest\ndigest: weekly\n"),
        f"{S0}.digest: Input should be 'hourly' or 'daily' (got 'weekly')",
    ),
    (
        "quiet-hours-not-a-mapping",
        with_delivery("quiet_hours: 22:00-06:00\n"),
        f"{S0}.quiet_hours: Input should be a valid dictionary or instance of QuietHours "
        "(got '22:00-06:00')",
    ),
    (
        "quiet-hours-unknown-key",
        with_delivery("quiet_hours: {start: '22:00', end: '06:00', timezone: UTC, override: 4}\n"),
        f"{S0}.quiet_hours.override: unknown key (allowed: {QUIET_KEYS})",
    ),
    (
        "quiet-hours-timezone-missing",
        with_delivery("quiet_hours: {start: 22:00, end: 06:00}\n"),
        f"{S0}.quiet_hours.timezone: required key is missing",
    ),
    (
        "quiet-hours-hour-25",
        with_delivery("quiet_hours: {start: '25:00', end: '06:00', timezone: UTC}\n"),
        f"{S0}.quiet_hours.start: '25:00' is not a time of day (HH:MM, from 00:00 to 23:59)",
    ),
    (
        "quiet-hours-one-digit-hour",
        with_delivery("quiet_hours: {start: '22:00', end: '6:00', timezone: UTC}\n"),
        f"{S0}.quiet_hours.end: '6:00' is not a time of day (HH:MM, from 00:00 to 23:59)",
    ),
    (
        "quiet-hours-a-number",
        with_delivery("quiet_hours: {start: 22, end: '06:00', timezone: UTC}\n"),
        f"{S0}.quiet_hours.start: Input should be a valid string (got 22)",
    ),
    (
        "quiet-hours-unknown-timezone",
        with_delivery("quiet_hours: {start: 22:00, end: 06:00, timezone: Africa/Atlantis}\n"),
        f"{S0}.quiet_hours.timezone: 'Africa/Atlantis' is not an IANA time zone (for example "
        "'Africa/Khartoum' or 'UTC')",
    ),
    (
        "quiet-hours-timezone-a-path",
        with_delivery("quiet_hours: {start: 22:00, end: 06:00, timezone: ../../etc/passwd}\n"),
        f"{S0}.quiet_hours.timezone: '../../etc/passwd' is not an IANA time zone (for example "
        "'Africa/Khartoum' or 'UTC')",
    ),
    (
        "quiet-hours-empty",
        with_delivery("quiet_hours: {start: 22:00, end: 22:00, timezone: UTC}\n"),
        f"{S0}.quiet_hours.end: same as start ('22:00'); quiet hours must not be empty",
    ),
    (
        "quiet-hours-override-0",
        with_delivery(
            "quiet_hours: {start: 22:00, end: 06:00, timezone: UTC, min_severity_override: 0}\n"
        ),
        f"{S0}.quiet_hours.min_severity_override: Input should be greater than or equal to 1 "
        "(got 0)",
    ),
    (
        "quiet-hours-override-6",
        with_delivery(
            "quiet_hours: {start: 22:00, end: 06:00, timezone: UTC, min_severity_override: 6}\n"
        ),
        f"{S0}.quiet_hours.min_severity_override: Input should be less than or equal to 5 (got 6)",
    ),
]

INVALID += INVALID_REGIONS + INVALID_DELIVERY


@pytest.mark.parametrize(
    ("text", "message"), [case[1:] for case in INVALID], ids=[case[0] for case in INVALID]
)
def test_invalid_file_is_refused_with_the_key_path(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "subscriptions.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_subscriptions(path)
    assert str(caught.value) == f"{path}: {message}".replace("{path}", str(path))


# YAML-level problems name the file, line and column.
INVALID_YAML = [
    (
        "syntax-error",
        "desks:\n  - id: syria\n    name: [unclosed\n",
        ":4:1: invalid YAML: expected ',' or ']', but got '<stream end>'",
    ),
    (
        "bad-indentation",
        "desks:\n  - id: syria\n     name: Syria\n",
        ":3:10: invalid YAML: mapping values are not allowed here",
    ),
    (
        "duplicate-key",
        "desks:\n  - id: syria\n    name: Syria desk\n    id: levant\n",
        ":4:5: invalid YAML: duplicate key 'id'",
    ),
    ("empty-file", "# nothing yet\n", ": empty file; expected a mapping with the key 'desks'"),
    ("top-level-list", "- id: syria\n", ": expected a mapping with the key 'desks', got a list"),
]


@pytest.mark.parametrize(
    ("text", "message"), [case[1:] for case in INVALID_YAML], ids=[case[0] for case in INVALID_YAML]
)
def test_invalid_yaml_names_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "subscriptions.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_subscriptions(path)
    assert str(caught.value) == f"{path}{message}"


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError, match=r"nope\.yaml: file not found$"):
        load_subscriptions(path)


def test_several_mistakes_are_all_reported(tmp_path: Path) -> None:
    path = tmp_path / "subscriptions.yaml"
    path.write_text(
        one_subscription(
            "regions:\n  - country: XX\nmin_severity: 9\nchannels:\n  console: true\n"
        ),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_subscriptions(path)
    assert str(caught.value).splitlines() == [
        f"{path}: desks[0].subscriptions[0].regions[0].country: 'XX' is not an ISO 3166-1 "
        "alpha-2 country code",
        f"{path}: desks[0].subscriptions[0].min_severity: Input should be less than or equal "
        "to 5 (got 9)",
    ]


def test_the_shipped_config_loads() -> None:
    config = load_subscriptions(REPO_ROOT / "config" / "subscriptions.yaml")
    desks = {desk.id: desk for desk in config.desks}
    assert set(desks) == {
        "sudan",
        "syria",
        "ukraine",
        "great-lakes",
        "myanmar",
        "sahel",
        "yemen",
        "de-escalation",
    }
    northwest = desks["syria"].subscriptions[0]
    assert northwest.regions[0].admin1 == ["Idlib", "Aleppo"]
    sahel = desks["sahel"].subscriptions[0]
    assert [region.country for region in sahel.regions] == ["ML", "BF", "NE"]
    global_desk = desks["de-escalation"].subscriptions[0]
    assert global_desk.regions[0].anywhere
    assert global_desk.signals == ["ceasefire_agreement", "withdrawal"]
    assert desks["sudan"].subscriptions[0].channels.targets() == [
        ("slack", "#sudan-desk"),
        ("email", "sudan-desk@example.org"),
    ]


def test_admin1_variants_and_codes_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "subscriptions.yaml"
    path.write_text(
        one_subscription(
            """
            regions:
              - country: sy
                admin1: [Idlib Governorate, aleppo, "Ḩamāh", SY-HI, Rif Dimashq Province]
              - country: UA
                admin1: [Kharkiv Oblast, Donetska oblast, Kyiv]
              - country: SD
                admin1: [South Kordofan State]
            signals: [shelling]
            channels:
              slack: ["#syria-desk", C0123ABCD9]
              email: [syria.desk+alerts@example.org]
              console: true
            """
        ),
        encoding="utf-8",
    )
    subscription = load_subscriptions(path).desks[0].subscriptions[0]
    assert subscription.regions[0].country == "SY"
    assert subscription.min_severity == 0
    assert [kind for kind, _ in subscription.channels.targets()] == [
        "slack",
        "slack",
        "email",
        "console",
    ]


def test_norway_is_a_country_not_false(tmp_path: Path) -> None:
    path = tmp_path / "subscriptions.yaml"
    path.write_text(one_subscription("regions:\n  - country: NO\nchannels:\n  console: yes\n"))
    subscription = load_subscriptions(path).desks[0].subscriptions[0]
    assert subscription.regions[0].country == "NO"
    assert subscription.channels.console is True


SHAPES_AND_DELIVERY = """
desks:
  - id: kordofan
    name: Kordofan desk
    subscriptions:
      - id: kadugli-town
        regions:
          - {country: sd, city: Kadugli}
        channels: {console: true}
      - id: kadugli-50km
        regions:
          - {country: SD, city: Kadugli, radius_km: 50}
          - {lat: 11.0, lon: 29.7, radius_km: 12.5}
        channels: {slack: ["#kordofan"]}
        mode: digest
        digest: hourly
        quiet_hours:
          start: 22:00
          end: 06:00
          timezone: Africa/Khartoum
      - id: kordofan-daily
        regions: [{country: SD, admin1: [South Kordofan]}]
        channels: {email: [kordofan@example.org]}
        mode: digest
        digest: daily
        quiet_hours: {start: "12:30", end: "14:00", timezone: UTC, min_severity_override: 4}
"""


def test_city_radius_and_delivery_keys_load(tmp_path: Path) -> None:
    path = tmp_path / "subscriptions.yaml"
    path.write_text(SHAPES_AND_DELIVERY, encoding="utf-8")
    town, radius, daily = load_subscriptions(path).desks[0].subscriptions
    assert town.regions[0].kind == "city"
    assert (town.regions[0].country, town.regions[0].city) == ("SD", "Kadugli")
    assert (town.mode, town.digest, town.quiet_hours) == ("immediate", None, None)
    assert [region.kind for region in radius.regions] == ["radius", "radius"]
    assert radius.regions[1].lat == 11.0 and radius.regions[1].radius_km == 12.5
    assert (radius.mode, radius.digest) == ("digest", "hourly")
    # Unquoted 22:00 is the time of day, not YAML 1.1's base-60 integer 1320.
    assert radius.quiet_hours is not None
    assert (radius.quiet_hours.start, radius.quiet_hours.end) == ("22:00", "06:00")
    assert radius.quiet_hours.min_severity_override == 5
    assert daily.regions[0].kind == "area"
    assert daily.quiet_hours is not None and daily.quiet_hours.min_severity_override == 4


def test_config_to_data_round_trips_through_yaml(tmp_path: Path) -> None:
    source = tmp_path / "subscriptions.yaml"
    source.write_text(SHAPES_AND_DELIVERY, encoding="utf-8")
    config = load_subscriptions(source)
    data = config_to_data(config)
    # Keys left at their defaults are left out, as a person would write the file.
    assert data["desks"][0]["subscriptions"][0] == {
        "id": "kadugli-town",
        "regions": [{"country": "SD", "city": "Kadugli"}],
        "channels": {"console": True},
    }
    again = tmp_path / "again.yaml"
    again.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    assert load_subscriptions(again) == config
    shipped = load_subscriptions(REPO_ROOT / "config" / "subscriptions.yaml")
    again.write_text(yaml.safe_dump(config_to_data(shipped)), encoding="utf-8")
    assert load_subscriptions(again) == shipped


def test_parse_subscription_names_the_source_and_path() -> None:
    data = {"id": "x", "regions": [{"country": "SD", "city": "Atlantis"}], "channels": {}}
    with pytest.raises(ConfigError) as caught:
        parse_subscription(data, "options")
    assert str(caught.value).splitlines() == [
        "options: regions[0].city: 'Atlantis' is not a town in SD (Sudan) that the gazetteer knows",
        "options: channels: no channel (set slack, email or console: true)",
    ]
    with pytest.raises(ConfigError) as caught:
        parse_subscription({**data, "mode": "never"}, "db", "desk 'sudan' subscription 'x'")
    assert str(caught.value) == (
        "db: desk 'sudan' subscription 'x'.mode: Input should be 'immediate' or 'digest' "
        "(got 'never')"
    )
    with pytest.raises(ConfigError, match=r"^f\.yaml: expected a mapping \(one subscription\), "):
        parse_subscription(["x"], "f.yaml")
    ok = parse_subscription(
        {"id": "x", "regions": [{"country": "SD"}], "channels": {"console": True}}, "o"
    )
    assert parse_subscription(ok.to_data(), "again") == ok


def test_check_id() -> None:
    assert check_id("sudan", "desk id") == "sudan"
    with pytest.raises(ConfigError) as caught:
        check_id("Sudan Desk", "desk id")
    assert str(caught.value) == (
        "desk id: 'Sudan Desk' is not a valid id (lower case letters, digits, '-' and '_', "
        "starting with a letter or digit, at most 64 characters)"
    )


KHARTOUM_NIGHT = QuietHours(start="22:00", end="06:00", timezone="Africa/Khartoum")  # UTC+2


@pytest.mark.parametrize(
    ("at", "release"),
    [
        # 21:59 in Khartoum: not yet quiet.
        (datetime(2026, 3, 1, 19, 59, tzinfo=UTC), None),
        # 22:00 there: quiet until 06:00 the next morning (04:00 UTC).
        (datetime(2026, 3, 1, 20, 0, tzinfo=UTC), datetime(2026, 3, 2, 4, 0, tzinfo=UTC)),
        # 02:30 there, after midnight: until 06:00 the same day.
        (datetime(2026, 3, 2, 0, 30, tzinfo=UTC), datetime(2026, 3, 2, 4, 0, tzinfo=UTC)),
        # 06:00 there: over (the end is excluded).
        (datetime(2026, 3, 2, 4, 0, tzinfo=UTC), None),
    ],
)
def test_quiet_hours_over_midnight(at: datetime, release: datetime | None) -> None:
    assert KHARTOUM_NIGHT.release_at(at) == release


def test_quiet_hours_within_a_day_and_across_a_clock_change() -> None:
    lunch = QuietHours(start="12:30", end="14:00", timezone="UTC")
    assert lunch.release_at(datetime(2026, 3, 1, 12, 29, tzinfo=UTC)) is None
    assert lunch.release_at(datetime(2026, 3, 1, 13, 0, tzinfo=UTC)) == datetime(
        2026, 3, 1, 14, 0, tzinfo=UTC
    )
    assert lunch.release_at(datetime(2026, 3, 1, 14, 0, tzinfo=UTC)) is None
    # Kyiv moves from UTC+2 to UTC+3 on 29 March 2026: 06:00 local is 03:00 UTC that day.
    kyiv = QuietHours(start="23:00", end="06:00", timezone="Europe/Kyiv")
    assert kyiv.release_at(datetime(2026, 3, 28, 22, 0, tzinfo=UTC)) == datetime(
        2026, 3, 29, 3, 0, tzinfo=UTC
    )
    assert kyiv.describe() == "23:00-06:00 Europe/Kyiv"
