"""What every notifier shows about an alert, as plain (unescaped) text.

Each notifier escapes these strings for its own medium (Slack mrkdwn, HTML, rich); the
helpers here only pick, order, shorten and flatten. Article-derived text is untrusted.

Digests (`DigestWindow`, `digest_title`, `digest_intro`): the words every notifier puts
at the top of one message that lists several alerts of one subscription and channel, a
digest or what quiet hours held back (`digests.sender` sends them).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal
from urllib.parse import urlsplit

from flashpoint.alerts.subscriptions import DigestPeriod
from flashpoint.core.records import Alert, Channel
from flashpoint.surge.models import SurgeNotice

# Why several alerts go out in one message: a digest subscription's period ended, or the
# quiet hours that held them ended (`alerts.routing.DeferredAlert.why`).
DigestWhy = Literal["quiet_hours", "digest"]

MAX_SEVERITY = 5
EVIDENCE_CHARS = 500

_SPACE_RUN = re.compile(r"\s+")
# Control characters, lone surrogates, separators, and the bidi embedding/override/isolate
# controls (which can make a line read differently than it is).
# Zero-width (non-)joiners stay: scripts such as Persian need them.
_FLATTEN_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp", "Zs"})
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _flatten(ch: str) -> str:
    if ch in _BIDI_CONTROLS or unicodedata.category(ch) in _FLATTEN_CATEGORIES:
        return " "
    return ch


def one_line(text: str, limit: int) -> str:
    """`text` on one line: control characters, line and paragraph separators and bidi
    controls become spaces, runs of spaces collapse, and it is cut to at most `limit`
    characters (ending in '…' when cut)."""
    cleaned = "".join(_flatten(ch) for ch in text)
    flat = _SPACE_RUN.sub(" ", cleaned).strip()
    if len(flat) <= limit:
        return flat
    return flat[: limit - 1].rstrip() + "…"


def safe_url(url: str | None) -> str | None:
    """The URL if it is an absolute http(s) URL without spaces or control characters."""
    if not url or len(url) > 2000:
        return None
    if any(unicodedata.category(ch)[0] in "CZ" for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def severity_bar(severity: int) -> str:
    severity = max(0, min(MAX_SEVERITY, severity))
    return "▰" * severity + "▱" * (MAX_SEVERITY - severity)


@dataclass(frozen=True)
class AlertView:
    """The fields of an alert as notifiers present them (unescaped, flattened)."""

    headline: str
    severity: int
    signals: list[tuple[str, float]]
    evidence: str | None
    places: list[str]
    killed: int | None
    injured: int | None
    source: str
    url: str | None
    alert_id: str
    desk_id: str
    subscription_id: str

    @classmethod
    def of(cls, alert: Alert, headline_chars: int = 150) -> AlertView:
        classification = alert.classification
        signals = sorted(classification.signals, key=lambda signal: -signal.score)
        places = []
        for location in classification.locations:
            inside = ", ".join(part for part in (location.admin1, location.country) if part)
            places.append(one_line(f"{location.name} ({inside})", 200))
        article = alert.article
        return cls(
            headline=one_line(alert.headline, headline_chars) or "(no headline)",
            severity=classification.severity,
            signals=[(signal.type, signal.score) for signal in signals],
            evidence=one_line(signals[0].evidence, EVIDENCE_CHARS) if signals else None,
            places=list(dict.fromkeys(places)),
            killed=classification.casualties.killed,
            injured=classification.casualties.injured,
            source=one_line(article.source or "", 100) or "source unknown",
            url=safe_url(article.url),
            alert_id=alert.alert_id,
            desk_id=alert.desk_id,
            subscription_id=alert.subscription_id,
        )

    @property
    def severity_label(self) -> str:
        return f"Severity {self.severity}/{MAX_SEVERITY}"

    @property
    def signals_text(self) -> str:
        return ", ".join(f"{kind} {score:.2f}" for kind, score in self.signals)

    @property
    def casualties_text(self) -> str | None:
        parts = []
        if self.killed is not None:
            parts.append(f"{self.killed} killed")
        if self.injured is not None:
            parts.append(f"{self.injured} injured")
        return ", ".join(parts) or None


_PERIOD_LENGTH: dict[str, timedelta] = {"hourly": timedelta(hours=1), "daily": timedelta(days=1)}


def _minute(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(second=0, microsecond=0)


@dataclass(frozen=True)
class DigestWindow:
    """The time a digest message covers: its alerts were routed from `start` to `end`.

    Both aware UTC; `end` is when the message was due (the batch's ``send_at``). `digest`
    is the subscription's period (None for alerts held by quiet hours). A batch too big for
    one message goes out in `parts` messages; this one is number `part`.
    """

    start: datetime
    end: datetime
    digest: DigestPeriod | None = None
    part: int = 1
    parts: int = 1

    @classmethod
    def of(
        cls,
        alerts: Sequence[Alert],
        *,
        send_at: datetime,
        digest: DigestPeriod | None = None,
        part: int = 1,
        parts: int = 1,
    ) -> DigestWindow:
        """The window of `alerts`, due at `send_at`.

        A digest whose alerts all fall in the period before `send_at` covers that whole
        period (12:00-13:00 for an hourly digest due at 13:00). Otherwise (alerts held by
        quiet hours, or a digest that quiet hours pushed later) it runs from the minute of
        the earliest alert: a window never claims time it does not cover.
        """
        end = send_at.astimezone(UTC)
        earliest = min((_aware(alert.created_at) for alert in alerts), default=end)
        start = _minute(min(earliest, end))
        if digest is not None:
            whole = end - _PERIOD_LENGTH[digest]
            if earliest >= whole:
                start = whole
        return cls(start=start, end=end, digest=digest, part=part, parts=parts)

    @property
    def text(self) -> str:
        """'2026-03-01 12:00-13:00 UTC', or '2026-03-01 22:00 to 2026-03-02 06:00 UTC'.

        Plain ASCII, so that an email Subject needs no encoded words.
        """
        start, end = self.start.astimezone(UTC), self.end.astimezone(UTC)
        if start.date() == end.date():
            return f"{start:%Y-%m-%d %H:%M}-{end:%H:%M} UTC"
        return f"{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC"


def _aware(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def digest_title(count: int, why: DigestWhy, period: DigestWindow) -> str:
    """'Flashpoint digest: 3 alerts, 2026-03-01 12:00-13:00 UTC' (plain text, one line)."""
    noun = "alert" if count == 1 else "alerts"
    if why == "digest":
        title = f"Flashpoint digest: {count} {noun}, {period.text}"
    else:
        title = f"Flashpoint: {count} {noun} held by quiet hours, {period.text}"
    if period.parts > 1:
        title += f" (part {period.part} of {period.parts})"
    return title


def digest_intro(alerts: Sequence[Alert], why: DigestWhy, period: DigestWindow) -> str:
    """One plain line under the title: what kind of message, for which desk."""
    first = alerts[0] if alerts else None
    if why == "digest":
        kind = f"{period.digest.capitalize()} digest" if period.digest else "Digest"
    else:
        kind = "Alerts held during quiet hours, sent as they ended"
    if first is None:
        return kind
    return f"{kind} for desk {first.desk_id} (subscription {first.subscription_id})"


def digest_channel(alerts: Sequence[Alert], kind: str) -> Channel:
    """The one channel of `kind` that every alert of a digest is for (else ValueError)."""
    if not alerts:
        raise ValueError("a digest needs at least one alert")
    channels = {alert.channel for alert in alerts}
    if len(channels) != 1:
        raise ValueError(f"a digest goes to one channel, got {sorted(map(str, channels))}")
    [channel] = channels
    if channel.kind != kind:
        raise ValueError(f"a {kind} notifier cannot send to {channel}")
    return channel


@dataclass(frozen=True)
class SurgeSampleView:
    title: str
    source: str
    url: str | None


@dataclass(frozen=True)
class SurgeView:
    """A surge notice as notifiers present it (unescaped, flattened)."""

    title: str
    summary: str
    signals_text: str
    window_text: str
    samples: list[SurgeSampleView]
    alert_id: str
    desk_id: str
    subscription_id: str

    @classmethod
    def of(cls, notice: SurgeNotice) -> SurgeView:
        surge = notice.surge
        hours = (surge.window_end - surge.window_start).total_seconds() / 3600
        summary = (
            f"{surge.count} escalation signals in {hours:g} h from {surge.articles} reports; "
            f"usually {surge.baseline_daily_mean:.1f} a day over the {surge.baseline_days} "
            f"days before (alert above {surge.threshold:g}, {surge.factor:g}× usual)"
        )
        samples = [
            SurgeSampleView(
                title=one_line(sample.title or sample.article_id, 150),
                source=one_line(sample.source or "", 100) or "source unknown",
                url=safe_url(sample.url),
            )
            for sample in notice.samples
        ]
        return cls(
            title=one_line(f"Surge in {surge.region.describe()}", 150),
            summary=summary,
            signals_text=", ".join(f"{item.signal} {item.count}" for item in surge.top_signals),
            window_text=(
                f"{_minute(surge.window_start):%Y-%m-%d %H:%M} – "
                f"{_minute(surge.window_end):%Y-%m-%d %H:%M} UTC"
            ),
            samples=samples,
            alert_id=notice.alert_id,
            desk_id=notice.desk_id,
            subscription_id=notice.subscription_id,
        )
