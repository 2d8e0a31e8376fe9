"""Event threads: which message an event got on a channel, and what a follow-up says.

An alert whose `event` is set belongs to an incident. The first alert of an event on a
channel becomes the event's message there (a Slack parent, an email that starts a
thread); later alerts of the event follow up on it (a reply in the Slack thread, an email
with ``In-Reply-To``). `EventThreads` is where that first message is remembered, keyed by
the event id and the channel (``str(alert.channel)``, e.g. ``slack:#sudan-desk`` or
``email:desk@example.org``); `events.store.SqlEventStore` and `InMemoryEventStore`
implement it. The first `remember_message` wins and a second is refused, which is what
keeps an event from being announced twice on one channel, even by two workers.

`UpdateView` is the plain (unescaped, flattened) text of what a report changed about its
event, for each notifier to escape for its medium, like `render.AlertView`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from flashpoint.alerts.notifiers.render import MAX_SEVERITY, one_line
from flashpoint.core.records import Alert, EventUpdateKind, FigureRange

CHANGE_CHARS = 200

KIND_LABELS: dict[str, str] = {
    "new": "New event",
    "escalated": "Escalated",
    "de_escalation": "De-escalation",
    "report": "Another source",
}


class EventThreads(Protocol):
    """The message each event got on each channel (see the module docstring)."""

    def message_for(self, event_id: str, channel: str) -> str | None:
        """The external id remembered for the event on `channel`, or None."""
        ...

    def remember_message(self, event_id: str, channel: str, external_id: str) -> bool:
        """Remember the event's message on `channel`; False (and no change) if one exists."""
        ...


def figure_text(label: str, figure: FigureRange) -> str | None:
    """``12 killed``, or ``12 killed (reports 10–15)`` when the reports disagree."""
    if figure.stated is None:
        return None
    text = f"{figure.stated} {label}"
    low, high = figure.low, figure.high
    if low is not None and high is not None and low != high:
        text += f" (reports {low}–{high})"
    return text


@dataclass(frozen=True)
class UpdateView:
    """An alert's event update as notifiers present it (unescaped, flattened)."""

    event_id: str
    kind: EventUpdateKind
    changes: list[str]
    title: str  # the event's headline: its first report's title (stable across updates)
    severity: int
    killed: str | None
    injured: str | None
    signals: list[str]
    places: list[str]
    sources: int

    @classmethod
    def of(cls, alert: Alert) -> UpdateView | None:
        """The view of `alert.event`; None for an alert without an event."""
        update = alert.event
        if update is None:
            return None
        event = update.event
        first_title = event.sources[0].title if event.sources else None
        title = one_line(first_title or "", 150) or one_line(alert.headline, 150)
        places = []
        for location in event.locations:
            inside = ", ".join(part for part in (location.admin1, location.country) if part)
            places.append(one_line(f"{location.name} ({inside})", 200))
        return cls(
            event_id=event.event_id,
            kind=update.kind,
            changes=[one_line(change, CHANGE_CHARS) for change in update.changes if change],
            title=title or "(no headline)",
            severity=event.severity,
            killed=figure_text("killed", event.killed),
            injured=figure_text("injured", event.injured),
            signals=list(dict.fromkeys(event.signals)),
            places=list(dict.fromkeys(places)),
            sources=len(event.sources),
        )

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def severity_label(self) -> str:
        return f"Severity {self.severity}/{MAX_SEVERITY}"

    @property
    def changes_text(self) -> str:
        return "; ".join(self.changes)

    @property
    def summary(self) -> str:
        """``Escalated: severity 3 → 4; killed 5 → 12`` (the label alone without changes)."""
        return f"{self.label}: {self.changes_text}" if self.changes else self.label

    @property
    def casualties_text(self) -> str | None:
        return ", ".join(part for part in (self.killed, self.injured) if part) or None

    @property
    def sources_text(self) -> str:
        return "1 source" if self.sources == 1 else f"{self.sources} sources"

    @property
    def state_text(self) -> str:
        """The event as it stands: ``Severity 4/5 · 12 killed (reports 10–15) · 3 sources``."""
        parts = [self.severity_label, self.casualties_text, self.sources_text]
        return " · ".join(part for part in parts if part)


__all__ = ["EventThreads", "UpdateView", "figure_text"]
