"""The severity table of classifiers.severity."""

from __future__ import annotations

import pytest

from classifiers.severity import severity
from flashpoint.core.records import Casualties


@pytest.mark.parametrize(
    ("signals", "killed", "injured", "expected"),
    [
        (set(), None, None, 0),
        ({"ceasefire_agreement"}, None, None, 1),
        ({"withdrawal", "ceasefire_agreement"}, None, None, 1),
        ({"offensive_warning"}, None, None, 1),
        ({"armed_clash"}, None, None, 2),
        ({"reinforcement", "offensive_warning"}, None, None, 2),
        ({"casualties"}, None, 3, 2),
        ({"shelling"}, None, None, 3),
        ({"armed_clash", "casualties"}, 4, None, 3),
        ({"territorial_change", "ceasefire_agreement"}, None, None, 3),
        ({"armed_clash", "casualties"}, 12, None, 4),
        ({"shelling", "civilian_harm", "casualties"}, 1, None, 4),
        ({"civilian_harm", "casualties"}, None, 5, 4),
        ({"armed_clash", "casualties"}, 50, None, 5),
        ({"air_strike", "civilian_harm", "casualties"}, 20, None, 5),
        ({"ceasefire_agreement", "casualties"}, 0, 0, 2),
    ],
)
def test_severity(
    signals: set[str], killed: int | None, injured: int | None, expected: int
) -> None:
    assert severity(signals, Casualties(killed=killed, injured=injured)) == expected
