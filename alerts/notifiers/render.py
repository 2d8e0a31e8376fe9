"""What every notifier shows about an alert, as plain (unescaped) text.

Each notifier escapes these strings for its own medium (Slack mrkdwn, HTML, rich); the
helpers here only pick, order, shorten and flatten. Article-derived text is untrusted.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

from flashpoint.records import Alert

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
