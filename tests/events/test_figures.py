"""The corroborated casualty figure: table tests of `events.figures`."""

from __future__ import annotations

from datetime import timedelta

import pytest

from flashpoint.core.records import Casualties, EventSource, FigureRange
from flashpoint.events.figures import FigureReport, corroborated_figure, event_figures, outlet_of

from .builders import T0


def reports(*items: tuple[str, int, int | None]) -> list[FigureReport]:
    """(outlet, hours after T0, figure) triples."""
    return [FigureReport(outlet, T0 + timedelta(hours=h), value) for outlet, h, value in items]


@pytest.mark.parametrize(
    ("case", "items", "expected"),
    [
        ("no reports", [], FigureRange()),
        ("no report gives a figure", [("a", 0, None), ("b", 1, None)], FigureRange()),
        ("one report: its figure", [("a", 0, 5)], FigureRange(stated=5, low=5, high=5)),
        (
            "two outlets disagree: the lower",
            [("a", 0, 5), ("b", 1, 12)],
            FigureRange(stated=5, low=5, high=12),
        ),
        (
            "a second outlet backs the higher figure: it becomes stated",
            [("a", 0, 5), ("b", 1, 12), ("c", 2, 12)],
            FigureRange(stated=12, low=5, high=12),
        ),
        (
            "15 backs 12 (at-least counts): the second highest",
            [("a", 0, 5), ("b", 1, 12), ("c", 2, 15)],
            FigureRange(stated=12, low=5, high=15),
        ),
        (
            "one outlet's outlier is never stated",
            [("a", 0, 12), ("b", 1, 14), ("c", 2, 300)],
            FigureRange(stated=14, low=12, high=300),
        ),
        (
            "an outlet repeating itself does not corroborate itself",
            [("a", 0, 5), ("b", 1, 12), ("b", 2, 12)],
            FigureRange(stated=5, low=5, high=12),
        ),
        (
            "an outlet's update replaces its earlier figure",
            [("a", 0, 5), ("b", 1, 12), ("a", 3, 12)],
            FigureRange(stated=12, low=5, high=12),
        ),
        (
            "a revision down is taken (latest per outlet), the range keeps the old figure",
            [("a", 0, 15), ("b", 1, 15), ("a", 2, 12)],
            FigureRange(stated=12, low=12, high=15),
        ),
        (
            "latest is by time, not by arrival",
            [("a", 5, 20), ("b", 1, 20), ("a", 2, 8)],
            FigureRange(stated=20, low=8, high=20),
        ),
        (
            "reports without a figure are not zeros",
            [("a", 0, 7), ("b", 1, None), ("c", 2, 7)],
            FigureRange(stated=7, low=7, high=7),
        ),
        ("zero is a figure", [("a", 0, 0), ("b", 1, 3)], FigureRange(stated=0, low=0, high=3)),
    ],
)
def test_corroborated_figure(
    case: str, items: list[tuple[str, int, int | None]], expected: FigureRange
) -> None:
    assert corroborated_figure(reports(*items)) == expected, case


@pytest.mark.parametrize(
    ("corroboration", "stated"),
    [(1, 15), (2, 12), (3, 5), (4, 5)],
)
def test_corroboration_is_a_setting(corroboration: int, stated: int) -> None:
    items = reports(("a", 0, 5), ("b", 1, 12), ("c", 2, 15))

    assert corroborated_figure(items, corroboration).stated == stated


def test_corroboration_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        corroborated_figure([], 0)


def source(article_id: str, outlet: str | None, hours: int, killed: int | None) -> EventSource:
    return EventSource(
        article_id=article_id,
        source=outlet,
        published_at=T0 + timedelta(hours=hours),
        seen_at=T0 + timedelta(hours=hours),
        signals=["casualties"],
        severity=3,
        casualties=Casualties(killed=killed, injured=None),
    )


def test_outlets_are_publishers_and_a_report_without_one_counts_alone() -> None:
    assert outlet_of(source("x1", " Kordofan Wire ", 0, 1)) == outlet_of(
        source("x2", "kordofan wire", 0, 1)
    )
    assert outlet_of(source("x1", None, 0, 1)) != outlet_of(source("x2", None, 0, 1))


def test_event_figures_reads_killed_and_injured_from_sources() -> None:
    sources = [
        source("r1", "Wire A", 0, 5),
        source("r2", None, 1, 12),
        source("r3", None, 2, 12),
    ]
    sources[0] = sources[0].model_copy(update={"casualties": Casualties(killed=5, injured=20)})

    killed, injured = event_figures(sources)

    assert killed == FigureRange(stated=12, low=5, high=12)
    assert injured == FigureRange(stated=20, low=20, high=20)
