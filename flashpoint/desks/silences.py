"""Silences: time-bounded mutes of alerts by region and signal, and the rules that apply them.

A silence names a country, optionally one admin1 subdivision of it, optionally some signal
types, and a time window ``[starts_at, ends_at)``. Like an Alertmanager silence it applies
to every desk, and it mutes rather than deletes: the silence stage records what it muted
and which silence did it.

`silence_for` decides whether a silence mutes an alert. A silence mutes it only when it
covers *everything* the alert reports, so that muting a known story never hides a new
one:

- it is active: ``starts_at <= at < ends_at``;
- every place of the alert is in the silence's country and, when the silence names an
  admin1, in that admin1 (names compared as ISO 3166-2 codes, so "Idlib" and "Idlib
  Governorate" are the same; a place with no admin1 is not inside a named one);
- every signal of the alert is one of the silence's signals (any signal when it names none).

So a silence on SY/Idlib shelling mutes an Idlib shelling report, but not one that also
reports shelling in Aleppo, nor one that also reports an air strike in Idlib. When several
silences mute an alert, the one that ends last is returned (that is when the mute lifts).

Everything here is pure: `desks.store.DeskStore` keeps silences; this module matches them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from flashpoint.alerts.regions import admin1_names, country_name, fold, resolve_admin1
from flashpoint.core.clock import as_utc
from flashpoint.core.records import SIGNAL_TYPES
from flashpoint.desks.errors import InvalidSilenceError

SilenceState = Literal["pending", "active", "expired"]

_DURATION_PART = re.compile(r"(\d+)([smhdw])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}
# Longer mutes are refused: a silence is for a known story, not for unsubscribing.
MAX_SILENCE = timedelta(days=90)


@dataclass(frozen=True)
class Silence:
    """One silence, as stored. `signals` None means every signal."""

    id: int
    created_by: str
    comment: str
    country: str
    admin1: str | None
    signals: tuple[str, ...] | None
    starts_at: datetime
    ends_at: datetime
    created_at: datetime

    def state(self, at: datetime) -> SilenceState:
        at = as_utc(at)
        if at < self.starts_at:
            return "pending"
        return "active" if at < self.ends_at else "expired"

    def active_at(self, at: datetime) -> bool:
        return self.state(at) == "active"

    def covers_place(self, country: str, admin1: str | None) -> bool:
        """Whether the place (country, admin1) lies inside this silence's region."""
        if country.upper() != self.country:
            return False
        if self.admin1 is None:
            return True
        if not admin1:
            return False
        return _admin1_key(self.country, self.admin1) == _admin1_key(self.country, admin1)

    def covers_signals(self, signals: Iterable[str]) -> bool:
        """Whether every one of `signals` is muted by this silence."""
        return self.signals is None or all(signal in self.signals for signal in signals)

    def mutes(
        self, places: Sequence[tuple[str, str | None]], signals: Sequence[str], at: datetime
    ) -> bool:
        """Whether this silence mutes an alert with these places and signals at `at`."""
        return (
            self.active_at(at)
            and bool(places)
            and all(self.covers_place(country, admin1) for country, admin1 in places)
            and self.covers_signals(signals)
        )

    def region(self) -> str:
        return f"{self.country}/{self.admin1}" if self.admin1 else self.country

    def describe(self) -> str:
        """'silence 3 (SY/Idlib; shelling) until 2026-03-01 18:00 UTC by ana: known story'."""
        signals = ", ".join(self.signals) if self.signals else "all signals"
        return (
            f"silence {self.id} ({self.region()}; {signals}) until "
            f"{self.ends_at:%Y-%m-%d %H:%M} UTC by {self.created_by}: {self.comment}"
        )


def _admin1_key(country: str, name: str) -> str:
    resolved = resolve_admin1(country, name)
    return resolved.code if resolved else fold(name)


def silence_for(
    silences: Iterable[Silence],
    country: str,
    admin1: str | None,
    signals: Sequence[str],
    at: datetime,
) -> Silence | None:
    """The silence that mutes an alert in one place (country, admin1) at `at`, or None."""
    return silence_for_places(silences, [(country, admin1)], signals, at)


def silence_for_places(
    silences: Iterable[Silence],
    places: Sequence[tuple[str, str | None]],
    signals: Sequence[str],
    at: datetime,
) -> Silence | None:
    """The silence that mutes an alert with several places (see the module doc), or None.

    An alert with no place is never muted: a silence is about a region.
    """
    muting = [silence for silence in silences if silence.mutes(places, signals, at)]
    if not muting:
        return None
    return max(muting, key=lambda silence: (silence.ends_at, silence.id))


def parse_duration(text: str) -> timedelta:
    """A duration such as ``90m``, ``6h``, ``2d``, ``1w`` or ``1h30m``; ValueError otherwise."""
    compact = text.strip().lower().replace(" ", "")
    parts = _DURATION_PART.findall(compact)
    if not compact or "".join(amount + unit for amount, unit in parts) != compact:
        raise ValueError(
            f"cannot read {text!r} as a duration: use a number and a unit, s, m, h, d or w "
            "(30m, 6h, 2d, 1h30m)"
        )
    seconds = sum(int(amount) * _UNIT_SECONDS[unit] for amount, unit in parts)
    if seconds <= 0:
        raise ValueError(f"duration {text!r} is not longer than zero")
    return timedelta(seconds=seconds)


@dataclass(frozen=True)
class SilenceSpec:
    """A silence to create, checked: country upper case, signals known, window sensible."""

    country: str
    admin1: str | None
    signals: tuple[str, ...] | None
    starts_at: datetime
    ends_at: datetime
    created_by: str
    comment: str


def check_silence(
    *,
    country: str,
    admin1: str | None,
    signals: Sequence[str] | None,
    starts_at: datetime,
    ends_at: datetime,
    created_by: str,
    comment: str,
) -> SilenceSpec:
    """Validate what a silence would be; `InvalidSilenceError` says what is wrong."""
    code = country.strip().upper()
    if country_name(code) is None:
        raise InvalidSilenceError(f"country: {country!r} is not an ISO 3166-1 alpha-2 code")
    admin1 = admin1.strip() if admin1 else None
    if admin1 is not None and resolve_admin1(code, admin1) is None:
        raise InvalidSilenceError(
            f"admin1: {admin1!r} is not a first-level subdivision of {code} "
            f"({country_name(code)}); known: {', '.join(admin1_names(code))}"
        )
    chosen: tuple[str, ...] | None = None
    if signals:
        for signal in signals:
            if signal not in SIGNAL_TYPES:
                raise InvalidSilenceError(
                    f"signal: unknown signal {signal!r} (known: {', '.join(SIGNAL_TYPES)})"
                )
        chosen = tuple(dict.fromkeys(signals))
    starts_at, ends_at = as_utc(starts_at), as_utc(ends_at)
    if ends_at <= starts_at:
        raise InvalidSilenceError(
            f"ends_at: {ends_at:%Y-%m-%d %H:%M:%S} UTC is not after starts_at "
            f"{starts_at:%Y-%m-%d %H:%M:%S} UTC"
        )
    if ends_at - starts_at > MAX_SILENCE:
        raise InvalidSilenceError(
            f"ends_at: a silence lasts at most {MAX_SILENCE.days} days "
            f"(this one {(ends_at - starts_at).days} days); edit the subscription instead"
        )
    if not created_by.strip():
        raise InvalidSilenceError("created_by: must not be empty (who is muting alerts?)")
    if not comment.strip():
        raise InvalidSilenceError("comment: must not be empty (say why the alerts are muted)")
    return SilenceSpec(
        code, admin1, chosen, starts_at, ends_at, created_by.strip(), comment.strip()
    )
