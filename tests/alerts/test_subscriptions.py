"""config/subscriptions.yaml: every mistake refused at load, one invalid file per case."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from alerts.subscriptions import load_subscriptions
from flashpoint.errors import ConfigError
from flashpoint.records import SIGNAL_TYPES
from flashpoint.settings import REPO_ROOT

KNOWN_SIGNALS = ", ".join(SIGNAL_TYPES)
SUBSCRIPTION_KEYS = "id, regions, signals, min_severity, channels"


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


@pytest.mark.parametrize(
    ("text", "message"), [case[1:] for case in INVALID], ids=[case[0] for case in INVALID]
)
def test_invalid_file_is_refused_with_the_key_path(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "subscriptions.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_subscriptions(path)
    assert str(caught.value) == f"{path}: {message}"


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
