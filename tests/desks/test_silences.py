"""Silences, matched without a database: region, signals and time window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from flashpoint.desks.errors import InvalidSilenceError
from flashpoint.desks.silences import (
    Silence,
    check_silence,
    parse_duration,
    silence_for,
    silence_for_places,
)

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
END = START + timedelta(hours=6)


def silence(
    id: int = 1,
    country: str = "SY",
    admin1: str | None = "Idlib",
    signals: tuple[str, ...] | None = ("shelling",),
    starts_at: datetime = START,
    ends_at: datetime = END,
) -> Silence:
    return Silence(
        id=id,
        created_by="ana",
        comment="known shelling of Saraqib, already reported",
        country=country,
        admin1=admin1,
        signals=signals,
        starts_at=starts_at,
        ends_at=ends_at,
        created_at=START,
    )


IDLIB_SHELLING = silence()
DURING = START + timedelta(hours=1)


@pytest.mark.parametrize("admin1", ["Idlib", "Idlib Governorate", "idleb", "SY-ID"])
def test_a_silence_mutes_its_region_and_signal_whatever_the_spelling(admin1: str) -> None:
    assert silence_for([IDLIB_SHELLING], "SY", admin1, ["shelling"], DURING) == IDLIB_SHELLING
    assert silence_for([IDLIB_SHELLING], "sy", admin1, ["shelling"], DURING) == IDLIB_SHELLING


@pytest.mark.parametrize(
    ("country", "admin1", "signals"),
    [
        ("SY", "Aleppo", ["shelling"]),  # another admin1
        ("SY", None, ["shelling"]),  # not known to be in Idlib
        ("SD", "Idlib", ["shelling"]),  # another country
        ("SY", "Idlib", ["air_strike"]),  # another signal
        ("SY", "Idlib", ["shelling", "air_strike"]),  # something the silence is not about
    ],
)
def test_a_silence_does_not_mute_what_it_was_not_made_for(
    country: str, admin1: str | None, signals: list[str]
) -> None:
    assert silence_for([IDLIB_SHELLING], country, admin1, signals, DURING) is None


def test_a_silence_is_active_from_its_start_until_just_before_its_end() -> None:
    assert silence_for([IDLIB_SHELLING], "SY", "Idlib", ["shelling"], START) == IDLIB_SHELLING
    before = START - timedelta(seconds=1)
    assert silence_for([IDLIB_SHELLING], "SY", "Idlib", ["shelling"], before) is None
    assert silence_for([IDLIB_SHELLING], "SY", "Idlib", ["shelling"], END) is None
    last = END - timedelta(microseconds=1)
    assert silence_for([IDLIB_SHELLING], "SY", "Idlib", ["shelling"], last) == IDLIB_SHELLING
    assert IDLIB_SHELLING.state(before) == "pending"
    assert IDLIB_SHELLING.state(DURING) == "active"
    assert IDLIB_SHELLING.state(END) == "expired"
    # A naive time is UTC.
    assert IDLIB_SHELLING.state(DURING.replace(tzinfo=None)) == "active"


def test_whole_country_and_every_signal() -> None:
    syria = silence(admin1=None, signals=None)
    assert silence_for([syria], "SY", None, ["air_strike", "shelling"], DURING) == syria
    assert silence_for([syria], "SY", "Aleppo", ["offensive"], DURING) == syria
    assert silence_for([syria], "IQ", None, ["offensive"], DURING) is None


def test_every_place_of_the_alert_must_be_covered() -> None:
    syria = silence(admin1=None, signals=None)
    both = [("SY", "Idlib"), ("SY", "Aleppo")]
    assert silence_for_places([IDLIB_SHELLING], both, ["shelling"], DURING) is None
    assert silence_for_places([syria], both, ["shelling"], DURING) == syria
    assert silence_for_places([syria], [("SY", "Idlib"), ("LB", None)], ["x"], DURING) is None
    # An alert with no place is about no region: no silence mutes it.
    assert silence_for_places([syria], [], ["shelling"], DURING) is None


def test_of_several_silences_the_one_ending_last_is_named() -> None:
    short = silence(id=1, ends_at=START + timedelta(hours=2))
    long = silence(id=2, admin1=None, signals=None, ends_at=START + timedelta(days=1))
    expired = silence(id=3, ends_at=START + timedelta(minutes=1))
    found = silence_for([short, long, expired], "SY", "Idlib", ["shelling"], DURING)
    assert found == long
    assert long.describe() == (
        "silence 2 (SY; all signals) until 2026-03-02 12:00 UTC by ana: known shelling of "
        "Saraqib, already reported"
    )
    assert short.describe().startswith("silence 1 (SY/Idlib; shelling) until 2026-03-01 14:00")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("6h", timedelta(hours=6)),
        ("30m", timedelta(minutes=30)),
        ("2d", timedelta(days=2)),
        ("1w", timedelta(weeks=1)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        (" 90S ", timedelta(seconds=90)),
    ],
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "6", "h", "6 hours", "-6h", "6h!", "1.5h"])
def test_parse_duration_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="cannot read .* as a duration: use a number and a unit"):
        parse_duration(text)
    with pytest.raises(ValueError, match="is not longer than zero"):
        parse_duration("0h")


GOOD = {
    "country": "sy",
    "admin1": "Idlib",
    "signals": ["shelling", "shelling", "air_strike"],
    "starts_at": START,
    "ends_at": END,
    "created_by": " ana ",
    "comment": " known story ",
}


def test_check_silence_normalises() -> None:
    spec = check_silence(**GOOD)  # type: ignore[arg-type]
    assert (spec.country, spec.admin1, spec.signals) == ("SY", "Idlib", ("shelling", "air_strike"))
    assert (spec.created_by, spec.comment) == ("ana", "known story")
    naive = check_silence(**{**GOOD, "signals": None, "ends_at": END.replace(tzinfo=None)})  # type: ignore[arg-type]
    assert naive.signals is None and naive.ends_at == END


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"country": "XX"}, "country: 'XX' is not an ISO 3166-1 alpha-2 code"),
        (
            {"admin1": "Kadugli"},
            "admin1: 'Kadugli' is not a first-level subdivision of SY (Syria); known: ",
        ),
        ({"signals": ["bombing"]}, "signal: unknown signal 'bombing' (known: "),
        (
            {"ends_at": START},
            "ends_at: 2026-03-01 12:00:00 UTC is not after starts_at 2026-03-01 12:00:00 UTC",
        ),
        (
            {"ends_at": START + timedelta(days=91)},
            "ends_at: a silence lasts at most 90 days (this one 91 days)",
        ),
        ({"comment": "  "}, "comment: must not be empty (say why the alerts are muted)"),
        ({"created_by": ""}, "created_by: must not be empty (who is muting alerts?)"),
    ],
)
def test_check_silence_refuses(change: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidSilenceError) as caught:
        check_silence(**{**GOOD, **change})  # type: ignore[arg-type]
    assert str(caught.value).startswith(message)
