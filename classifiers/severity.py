"""Severity 0..5 of a classified article, from its signals and casualty figures.

The highest row that applies wins:

| severity | when |
|---|---|
| 0 | no signal |
| 1 | only de-escalation (`ceasefire_agreement`, `withdrawal`) and/or `offensive_warning` |
| 2 | `armed_clash` or `reinforcement`, or people injured / killed without a figure |
| 3 | `shelling`, `air_strike`, `explosive_device`, `offensive`, `territorial_change`,
|   | `ceasefire_violation`, `civilian_harm`, or 1-9 killed |
| 4 | `civilian_harm` with anyone killed or injured, or 10-49 killed |
| 5 | 50 or more killed, or `civilian_harm` with 20 or more killed |

De-escalation signals never raise severity above 1 on their own; next to violence they
neither raise nor lower it (a withdrawal under fire is still fire). Injuries alone never
go above 2 unless `civilian_harm` fires.
"""

from __future__ import annotations

from collections.abc import Collection

from flashpoint.core.records import Casualties

WARNING_ONLY = frozenset({"ceasefire_agreement", "withdrawal", "offensive_warning"})
LEVEL_2 = frozenset({"armed_clash", "reinforcement", "casualties"})
LEVEL_3 = frozenset(
    {
        "shelling",
        "air_strike",
        "explosive_device",
        "offensive",
        "territorial_change",
        "ceasefire_violation",
        "civilian_harm",
    }
)
KILLED_LEVELS: tuple[tuple[int, int], ...] = ((50, 5), (10, 4), (1, 3))
MASS_CIVILIAN_HARM_KILLED = 20


def severity(signals: Collection[str], casualties: Casualties) -> int:
    """The severity of an article with these fired signal ids and casualty totals."""
    if not signals:
        return 0
    killed = casualties.killed or 0
    injured = casualties.injured or 0
    level = 1 if set(signals) <= WARNING_ONLY else 0
    if set(signals) & LEVEL_2 or injured:
        level = max(level, 2)
    if set(signals) & LEVEL_3:
        level = max(level, 3)
    for floor, value in KILLED_LEVELS:
        if killed >= floor:
            level = max(level, value)
            break
    if "civilian_harm" in signals:
        if killed or injured:
            level = max(level, 4)
        if killed >= MASS_CIVILIAN_HARM_KILLED:
            level = 5
    return min(level, 5)
