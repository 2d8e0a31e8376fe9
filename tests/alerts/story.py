"""An incident told report by report, as the clustering stage would: alerts with `event` set.

    story = Story()
    first = story.report("new", article_id="art-1", severity=3, killed=5)
    worse = story.report("escalated", ["severity 3 → 4"], article_id="art-2", severity=4)
    same_on_email = on(worse, "email", "desk@example.org")

Each report joins the event (its sources, signals, highest severity, killed figure: the
latest stated, with the range of all reports) and comes back as an alert for one channel.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flashpoint.core.records import (
    Alert,
    Channel,
    ChannelKind,
    Event,
    EventSource,
    EventUpdate,
    EventUpdateKind,
    FigureRange,
)
from tests.support.records import NOW, make_alert


class Story:
    def __init__(self, event_id: str = "ev-kadugli-1") -> None:
        self.event_id = event_id
        self.sources: list[EventSource] = []
        self.signals: list[str] = []
        self.severity = 0
        self.killed: list[int] = []
        self.stated_killed: int | None = None

    def report(
        self,
        kind: EventUpdateKind,
        changes: Sequence[str] = (),
        *,
        channel: ChannelKind = "slack",
        target: str = "#sudan-desk",
        subscription_id: str = "sudan-all",
        **article: Any,
    ) -> Alert:
        """The alert for one more report of the incident (`article`: make_alert's fields)."""
        alert = make_alert(channel, target, subscription_id=subscription_id, **article)
        found = alert.classification
        if all(source.article_id != alert.article.id for source in self.sources):
            self.sources.append(
                EventSource(
                    article_id=alert.article.id,
                    title=alert.article.title,
                    url=alert.article.url,
                    source=alert.article.source,
                    seen_at=NOW,
                    signals=list(dict.fromkeys(signal.type for signal in found.signals)),
                    severity=found.severity,
                    casualties=found.casualties,
                )
            )
        self.severity = max(self.severity, found.severity)
        self.signals += [s.type for s in found.signals if s.type not in self.signals]
        if found.casualties.killed is not None:
            self.killed.append(found.casualties.killed)
            self.stated_killed = found.casualties.killed
        event = Event(
            event_id=self.event_id,
            first_seen=NOW,
            last_seen=NOW,
            signals=list(self.signals),
            severity=self.severity,
            locations=found.locations,
            killed=FigureRange(
                stated=self.stated_killed,
                low=min(self.killed, default=None),
                high=max(self.killed, default=None),
            ),
            sources=list(self.sources),
        )
        update = EventUpdate(
            event=event, article_id=alert.article.id, kind=kind, changes=list(changes), at=NOW
        )
        return alert.model_copy(update={"event": update})


def on(alert: Alert, kind: ChannelKind, target: str, subscription_id: str | None = None) -> Alert:
    """The same alert for another channel (and subscription)."""
    changes: dict[str, Any] = {"channel": Channel(kind=kind, target=target)}
    if subscription_id is not None:
        changes["subscription_id"] = subscription_id
    return alert.model_copy(update=changes)
