"""The event clustering stage: classified articles in, `EventUpdate`s out.

Reports of one incident (nearby places, close in time, overlapping signals or similar
wording) join one `Event`, which keeps its reports, its first and last report times, the
union of their signals, the highest severity any gave, and casualty figures as they
evolve (the corroborated figure and the range, `events.figures`). The matching rule is
`EventSettings`' docstring; `events.places` says how places compare.

Each report yields one `EventUpdate`, whose `kind` tells the notifiers what to do:

- ``new``: the report started an event (post a parent message);
- ``escalated``: severity rose, a stated casualty figure rose, or an escalation signal new
  to the event appeared (update the parent, reply in its thread);
- ``de_escalation``: the report brought `ceasefire_agreement` or `withdrawal`, new to the
  event (reply in the thread). Escalation wins when one report does both: a withdrawal
  under fire is still fire, and the change list says both;
- ``report``: another source, nothing material changed (`changes` may still say that a
  figure's range widened or the stated figure was revised down).

What it drops, and why:

- an article with no signals: `add` returns None, there is nothing to alert;
- a replay of an article already in an event (Kafka delivery is at-least-once): nothing
  changes, and `add` returns the event as it stands, kind ``report``, no changes. The first
  version of an article wins; a reclassification under the same article id is a replay;
- places beyond a report's first `places_per_report` (the classifier puts the place the
  story is about first; later ones are often context), for matching and for the event;
- matching against events first reported more than `window_hours` before the newest
  report seen (they are expired from the candidate index: the search stays bounded). A
  report older than that starts its own event.

A report with no place in any country cannot be near anything: it starts its own event
(desks may still route it by its signals), and nothing joins it by place later.

What it records: every report joins exactly one event, through the `EventStore` (its
`save` is one transaction), before the update is returned, so a restart resumes threads.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from flashpoint.core.clock import utc_now
from flashpoint.core.event_settings import EventSettings
from flashpoint.core.records import (
    DE_ESCALATION_SIGNALS,
    ClassifiedArticle,
    Event,
    EventSource,
    EventUpdate,
    EventUpdateKind,
    FigureRange,
    Location,
)
from flashpoint.events.figures import event_figures
from flashpoint.events.places import closeness, place_kind
from flashpoint.events.store import EventStore, StoredEvent, Vector

# Turns texts into one embedding row each (e.g. `OnnxEmbedder().embed`); rows are
# L2-normalised here, so any scale will do.
Embed = Callable[[list[str]], npt.NDArray[Any]]
Clock = Callable[[], datetime]

LEAD_CHARS = 300
# An event lists at most this many places (the first reported); matching uses them all.
MAX_EVENT_PLACES = 32
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")


def event_id_for(article_id: str) -> str:
    """An event's id, from the article that started it: a replay gives the same id."""
    return "ev-" + hashlib.sha256(article_id.encode("utf-8")).hexdigest()[:16]


def report_text(item: ClassifiedArticle) -> str:
    """The title and lead of an article: what its embedding is computed from.

    The lead is the text's first sentences up to `LEAD_CHARS` characters (at least the
    first sentence's first `LEAD_CHARS`). A title the text already starts with is not
    repeated.
    """
    article = item.article
    text = " ".join(article.text.split())
    lead = text[:LEAD_CHARS]
    end = 0
    for match in _SENTENCE_END.finditer(text):
        if match.end() > LEAD_CHARS:
            break
        end = match.end()
    if end:
        lead = text[:end]
    elif len(text) > LEAD_CHARS:
        lead = lead.rsplit(" ", 1)[0]
    title = " ".join((article.title or "").split())
    if not title or text.startswith(title):
        return lead
    return f"{title}. {lead}"


def report_time(item: ClassifiedArticle) -> datetime:
    """When a report was made: published, else classified; never after it was classified.

    A publication time after classification is a feed's error (a wrong time zone), and
    would keep an event open into the future.
    """
    classified = _aware(item.classified_at)
    published = item.article.published_at
    if published is None:
        return classified
    return min(_aware(published), classified)


def report_places(item: ClassifiedArticle, limit: int) -> list[Location]:
    """The places a report is matched and filed by: its first `limit` that are not whole
    countries, then the countries it names (kept for routing; never used to match)."""
    locations = item.classification.locations
    places = [loc for loc in locations if place_kind(loc) != "country"][:limit]
    whole_countries = [loc for loc in locations if place_kind(loc) == "country"]
    return _merge_places([], places + whole_countries)


@dataclass(frozen=True)
class _Match:
    stored: StoredEvent
    score: float


class EventClusterer:
    """Groups classified articles into events (see the module docstring for the rules).

    `store` keeps events between calls and restarts; `embed` (optional) gives title+lead
    embeddings for the text-similarity rule, without it only signal overlap relates
    reports; `clock` stamps `seen_at` and `EventUpdate.at`. One instance per stream
    partition and one thread: a report must see every event saved before it.
    """

    def __init__(
        self,
        store: EventStore,
        settings: EventSettings | None = None,
        *,
        embed: Embed | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.store = store
        self.settings = settings or EventSettings()
        self.embed = embed
        self.clock = clock
        self.window = timedelta(hours=self.settings.window_hours)
        self._watermark: datetime | None = None

    def add(self, item: ClassifiedArticle) -> EventUpdate | None:
        """File one classified article; its update, or None when it has no signals."""
        return self.add_many([item])[0]

    def add_many(self, items: Sequence[ClassifiedArticle]) -> list[EventUpdate | None]:
        """File several articles in order, embedding them in one call to the model."""
        todo = [
            i
            for i, item in enumerate(items)
            if item.classification.signals and self.store.event_of(item.article.id) is None
        ]
        vectors: dict[int, Vector] = {}
        if self.embed is not None and todo:
            rows = _normalise(self.embed([report_text(items[i]) for i in todo]))
            vectors = {i: rows[n] for n, i in enumerate(todo)}
        return [self._add(item, vectors.get(i)) for i, item in enumerate(items)]

    # -- one report ---------------------------------------------------------------

    def _add(self, item: ClassifiedArticle, vector: Vector | None) -> EventUpdate | None:
        classification = item.classification
        if not classification.signals:
            return None
        now = self.clock()
        article_id = item.article.id
        joined = self.store.event_of(article_id)
        if joined is not None:
            stored = self.store.stored(joined)
            if stored is not None:
                return self._again(stored, item, now)
        if vector is None and self.embed is not None:
            vector = _normalise(self.embed([report_text(item)]))[0]

        at = report_time(item)
        self._expire(at)
        places = report_places(item, self.settings.places_per_report)
        source = _source_of(item, now)
        match = self._best_match(places, source.signals, vector, at)
        if match is None:
            stored = self._start(source, places, vector, at)
            self.store.save(stored, source)
            return EventUpdate(event=stored.event, article_id=article_id, kind="new", at=now)
        stored = self._join(match.stored, source, places, vector, at)
        kind, changes = describe(match.stored.event, stored.event, source.signals)
        self.store.save(stored, source)
        return EventUpdate(
            event=stored.event, article_id=article_id, kind=kind, changes=changes, at=now
        )

    def _again(self, stored: StoredEvent, item: ClassifiedArticle, now: datetime) -> EventUpdate:
        """An article already in the event: a replay changes nothing ("report"); a newer
        revision (a corrected text) replaces its report, and the event is recomputed."""
        old = stored.event
        article_id = item.article.id
        previous = next((s for s in old.sources if s.article_id == article_id), None)
        if previous is None or item.revision <= previous.revision:
            return EventUpdate(event=old, article_id=article_id, kind="report", at=now)
        source = _source_of(item, now)
        sources = [source if s.article_id == article_id else s for s in old.sources]
        killed, injured = event_figures(sources, self.settings.figure_corroboration)
        event = old.model_copy(
            update={
                "signals": list(dict.fromkeys(s for each in sources for s in each.signals)),
                "severity": max(s.severity for s in sources),
                "killed": killed,
                "injured": injured,
                "sources": sources,
            }
        )
        kind, changes = describe(old, event, source.signals)
        revised = [
            f"{label} {before} → {after} in this report"
            for label, before, after in (
                ("killed", previous.casualties.killed, source.casualties.killed),
                ("injured", previous.casualties.injured, source.casualties.injured),
            )
            if before != after
        ]
        self.store.save(StoredEvent(event, stored.centroid, stored.centroid_reports), source)
        return EventUpdate(
            event=event,
            article_id=article_id,
            kind=kind,
            changes=[f"revised report (revision {item.revision})", *revised, *changes],
            at=now,
        )

    def _expire(self, at: datetime) -> None:
        """Advance the newest report time seen, and expire events a window behind it."""
        if self._watermark is None or at > self._watermark:
            self._watermark = at
            self.store.expire(at - self.window)

    def _best_match(
        self, places: list[Location], signals: list[str], vector: Vector | None, at: datetime
    ) -> _Match | None:
        settings = self.settings
        matchable = [p for p in places if place_kind(p) != "country"]
        if not matchable:
            return None
        countries = {p.country.upper() for p in matchable}
        best: _Match | None = None
        for stored in self.store.candidates(countries, at - self.window, at + self.window):
            event = stored.event
            near = closeness(event.locations, matchable, settings.max_distance_km)
            if near is None:
                continue
            shared = set(signals) & set(event.signals)
            similarity = _similarity(vector, stored.centroid)
            de_escalation = (
                settings.de_escalation_joins_by_place
                and bool(set(signals) & DE_ESCALATION_SIGNALS)
                and bool(set(event.signals) - DE_ESCALATION_SIGNALS)
            )
            related = (
                len(shared) >= settings.min_signal_overlap
                or (similarity is not None and similarity >= settings.min_text_similarity)
                or de_escalation
            )
            if not related:
                continue
            jaccard = len(shared) / len(set(signals) | set(event.signals))
            score = near + jaccard + max(similarity or 0.0, 0.0)
            if best is None or _better(score, event, best):
                best = _Match(stored, score)
        return best

    def _start(
        self, source: EventSource, places: list[Location], vector: Vector | None, at: datetime
    ) -> StoredEvent:
        killed, injured = event_figures([source], self.settings.figure_corroboration)
        event = Event(
            event_id=event_id_for(source.article_id),
            first_seen=at,
            last_seen=at,
            signals=list(source.signals),
            severity=source.severity,
            locations=places[:MAX_EVENT_PLACES],
            killed=killed,
            injured=injured,
            sources=[source],
        )
        return StoredEvent(
            event=event, centroid=vector, centroid_reports=0 if vector is None else 1
        )

    def _join(
        self,
        stored: StoredEvent,
        source: EventSource,
        places: list[Location],
        vector: Vector | None,
        at: datetime,
    ) -> StoredEvent:
        old = stored.event
        sources = [*old.sources, source]
        killed, injured = event_figures(sources, self.settings.figure_corroboration)
        event = Event(
            event_id=old.event_id,
            first_seen=min(old.first_seen, at),
            last_seen=max(old.last_seen, at),
            signals=list(dict.fromkeys([*old.signals, *source.signals])),
            severity=max(old.severity, source.severity),
            locations=_merge_places(old.locations, places)[:MAX_EVENT_PLACES],
            killed=killed,
            injured=injured,
            sources=sources,
        )
        centroid, count = stored.centroid, stored.centroid_reports
        if vector is not None:
            if centroid is None or count == 0 or centroid.shape != vector.shape:
                centroid, count = vector, 1
            else:
                centroid = ((centroid * count + vector) / (count + 1)).astype(np.float32)
                count += 1
        return StoredEvent(event=event, centroid=centroid, centroid_reports=count)


def _source_of(item: ClassifiedArticle, now: datetime) -> EventSource:
    classification = item.classification
    return EventSource(
        article_id=item.article.id,
        title=item.article.title,
        url=item.article.url,
        source=item.article.source,
        published_at=item.article.published_at,
        seen_at=now,
        signals=list(dict.fromkeys(signal.type for signal in classification.signals)),
        severity=classification.severity,
        casualties=classification.casualties,
        revision=item.revision,
    )


def describe(
    before: Event, after: Event, report_signals: Sequence[str]
) -> tuple[EventUpdateKind, list[str]]:
    """The kind of update and the changes in words, from an event before and after a report.

    Changes come in this order: severity, killed, injured, new escalation signals, new
    de-escalation signals ("ceasefire agreement reported", "withdrawal reported").
    """
    changes: list[str] = []
    escalated = False
    if after.severity > before.severity:
        changes.append(f"severity {before.severity} → {after.severity}")
        escalated = True
    for label, old, new in (
        ("killed", before.killed, after.killed),
        ("injured", before.injured, after.injured),
    ):
        change, rose = _figure_change(label, old, new)
        if change:
            changes.append(change)
            escalated = escalated or rose
    added = [s for s in report_signals if s not in before.signals]
    for signal in added:
        if signal not in DE_ESCALATION_SIGNALS:
            changes.append(f"new signal: {signal}")
            escalated = True
    de_escalated = False
    for signal in added:
        if signal in DE_ESCALATION_SIGNALS:
            changes.append(f"{signal.replace('_', ' ')} reported")
            de_escalated = True
    kind: EventUpdateKind = "report"
    if escalated:
        kind = "escalated"
    elif de_escalated:
        kind = "de_escalation"
    return kind, changes


def _figure_change(label: str, old: FigureRange, new: FigureRange) -> tuple[str | None, bool]:
    """Words for a figure's change, and whether the stated figure rose."""
    if new.stated is not None and old.stated is None:
        return f"{label} {new.stated} (first figure)", True
    if new.stated is not None and old.stated is not None and new.stated != old.stated:
        if new.stated > old.stated:
            return f"{label} {old.stated} → {new.stated}", True
        return f"{label} {old.stated} → {new.stated} (revised down)", False
    if (new.low, new.high) != (old.low, old.high) and new.low is not None:
        return f"{label} {new.stated}, reports range {new.low}–{new.high}", False
    return None, False


def _better(score: float, event: Event, best: _Match) -> bool:
    """Higher score wins; then the more recent event; then the smaller id (deterministic)."""
    other = best.stored.event
    if score != best.score:
        return score > best.score
    if event.first_seen != other.first_seen:
        return event.first_seen > other.first_seen
    return event.event_id < other.event_id


def _similarity(vector: Vector | None, centroid: Vector | None) -> float | None:
    if vector is None or centroid is None or vector.shape != centroid.shape:
        return None
    norm = float(np.linalg.norm(centroid))
    if norm == 0.0:
        return None
    return float(np.dot(vector, centroid) / norm)


def _normalise(rows: npt.NDArray[Any]) -> npt.NDArray[np.float32]:
    matrix = np.atleast_2d(np.asarray(rows, dtype=np.float32))
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    result: npt.NDArray[np.float32] = (matrix / np.clip(norms, 1e-12, None)).astype(np.float32)
    return result


def _merge_places(existing: Sequence[Location], added: Sequence[Location]) -> list[Location]:
    """`existing` then the `added` places not already there (same name and country)."""
    out = list(existing)
    seen = {(p.name.casefold(), p.country.upper()) for p in existing}
    for place in added:
        key = (place.name.casefold(), place.country.upper())
        if key not in seen:
            seen.add(key)
            out.append(place)
    return out


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
