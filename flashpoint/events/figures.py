"""Casualty figures of one incident across its reports: the figure we state, and the range.

TAXONOMY's rule is "when reports disagree, take the most conservative figure and keep the
others as evidence". For an incident that evolves, "the lowest figure ever reported" is
not conservative, it is stale: tolls rise as bodies are found and the wounded die, and an
early "5 killed" is superseded once several outlets say "at least 12". Nor is the newest
or the highest figure conservative: one outlet's 40 may be a rumour or a different count.

The rule here, the **corroborated figure**:

    stated = the highest figure N that at least `corroboration` (default 2) outlets report
             at or above, counting each outlet once, by its latest report;
             with fewer outlets than that, the lowest of their latest figures.

Equivalently: take each outlet's latest figure, sort them high to low, and state the
`corroboration`-th one (or the last, if there are fewer). Why this is the conservative
reading of evolving reports:

- Figures are "at least" counts (TAXONOMY codes "at least N" as N), so an outlet that says
  15 also says 12: a figure is backed by every outlet at or above it. We state the highest
  figure two independent outlets back, never one that a single outlet alone claims.
- With two outlets that disagree (5 and 12) we state the lower, 5: the rule's literal case.
  When a second outlet reaches 12 (or the first revises to 12), we state 12: the toll can
  rise, but only on corroboration.
- An outlet counts once and by its latest report: a newsroom repeating or revising its
  own figure (15, then corrected to 12) neither corroborates itself nor keeps a figure it
  withdrew. Outlets are `EventSource.source` (the publisher); a report without one
  counts as its own outlet.

`low` and `high` are the lowest and highest figures any report gave (every report, also
superseded ones): the evidence kept beside the stated figure. Reports without a figure
are not zeros and are left out ("no figure" is not "nobody died").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from flashpoint.core.records import EventSource, FigureRange

DEFAULT_CORROBORATION = 2


@dataclass(frozen=True, slots=True)
class FigureReport:
    """One report's figure: which outlet, when, and the number (None: no figure given)."""

    outlet: str
    at: datetime
    value: int | None


def corroborated_figure(
    reports: Iterable[FigureReport], corroboration: int = DEFAULT_CORROBORATION
) -> FigureRange:
    """The stated figure and the range of `reports` (see the module docstring).

    Reports are taken in order; for one outlet, the latest `at` wins, and of equal times
    the one that comes later in `reports`.
    """
    if corroboration < 1:
        raise ValueError("corroboration must be at least 1")
    latest: dict[str, tuple[datetime, int]] = {}
    values: list[int] = []
    for report in reports:
        if report.value is None:
            continue
        values.append(report.value)
        at = _aware(report.at)
        previous = latest.get(report.outlet)
        if previous is None or at >= previous[0]:
            latest[report.outlet] = (at, report.value)
    if not values:
        return FigureRange()
    per_outlet = sorted((value for _, value in latest.values()), reverse=True)
    stated = per_outlet[min(corroboration, len(per_outlet)) - 1]
    return FigureRange(stated=stated, low=min(values), high=max(values))


def outlet_of(source: EventSource) -> str:
    """The outlet a report counts for: its publisher, else the report itself."""
    return f"outlet:{source.source.strip().casefold()}" if source.source else source.article_id


def source_time(source: EventSource) -> datetime:
    """When a report was made: its publication time, else when the pipeline saw it."""
    return _aware(source.published_at or source.seen_at)


def event_figures(
    sources: Sequence[EventSource], corroboration: int = DEFAULT_CORROBORATION
) -> tuple[FigureRange, FigureRange]:
    """The (killed, injured) figures of an event with these reports."""
    killed = corroborated_figure(
        (FigureReport(outlet_of(s), source_time(s), s.casualties.killed) for s in sources),
        corroboration,
    )
    injured = corroborated_figure(
        (FigureReport(outlet_of(s), source_time(s), s.casualties.injured) for s in sources),
        corroboration,
    )
    return killed, injured


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
