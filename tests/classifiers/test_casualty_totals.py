"""How an article's killed/injured totals are combined (docs/LABELING.md, "Figures").

Invented sentences showing the patterns of long war reports and of headlines: vague
amounts next to precise tolls, "others" after a killed figure, comma lists in headlines,
"meanwhile" incidents, parts of a total ("among the dead"), one group under two names.
"""

from __future__ import annotations

import pytest

from classifiers.casualties import extract


def _totals(*sentences: str) -> tuple[int | None, int | None]:
    report = extract(list(sentences), 2016)
    return report.casualties.killed, report.casualties.injured


@pytest.mark.parametrize(
    ("sentences", "expected"),
    [
        # a vague amount is a lower bound: the precise toll of the same people replaces it
        (
            (
                "Dozens of people died in the gas attack on the town.",
                "The monitor put the death toll at 61.",
            ),
            (61, None),
        ),
        (
            (
                "The shelling killed nine people and wounded dozens of others.",
                "Health officials later said 41 people were wounded in the shelling.",
            ),
            (9, 41),
        ),
        # "N others" after a killed figure are people in general, not a group of their own
        (
            (
                "A rocket hit the market, killing four people and wounding 23 others.",
                "State radio said dozens others were wounded.",
            ),
            (4, 23),
        ),
        # a headline with no commas: the figure after "killed" belongs to "injured"
        (("7 persons killed 35 others injured in mortar fire on the district",), (7, 35)),
        (("Boy killed two others injured as shell lands in a school yard",), (1, 2)),
        # comma lists in headlines add up
        (("Nine soldiers, 14 rebels killed in fighting near the dam",), (23, None)),
        (("Four policemen, 11 civilians, killed in northern province: governor",), (15, None)),
        (("Three villagers, one soldier killed as clashes flare",), (4, None)),
        (("Farmer and soldier killed in cross-border shelling",), (2, None)),
        # a sentence opened by "meanwhile" reports another incident
        (
            (
                "Two children were killed when a barrel bomb hit their home in the old town.",
                "Meanwhile, five civilians were killed in air raids on villages to the north.",
            ),
            (7, None),
        ),
        # "another" adds to every figure before it, unless it repeats one
        (
            (
                "Snipers killed a civilian and wounded three others in the old quarter.",
                "A further two civilians were wounded near the bridge.",
            ),
            (1, 5),
        ),
        (
            (
                "The clashes left 31 dead and 50 wounded on Monday, the monitor said.",
                "Another 50 were wounded.",
            ),
            (31, 50),
        ),
        # parts of a total: "N women were among the dead"
        (
            (
                "The toll from the air strike on the town has risen to 74, the monitor said.",
                "There were also 19 women among the dead.",
            ),
            (74, None),
        ),
        # "members" of a named group are that group's fighters, not another group
        (
            (
                "Government forces kill 27 militants in an ambush near the highway",
                "The army killed 27 members of the armed faction in the operation.",
            ),
            (27, None),
        ),
        (
            (
                "Air strike kills 6 fighters of the local brigade",
                "Six members of the brigade were killed, the group said.",
            ),
            (6, None),
        ),
        # two different people in one sentence still add up
        (("Two soldiers and two civilians were killed in the blast.",), (4, None)),
        # "two young people" is a figure; an age is not
        (("Two young people killed by a landmine near the border",), (2, None)),
        (("A 52-year-old man was killed by a sniper.",), (1, None)),
        (("The shell wounded three people, including a 52-year-old man.",), (None, 3)),
        # a singular person after the verb is one
        (("Drone strike kills Palestinian near the fence",), (1, None)),
        (("Security forces kill suspected gunman in the mountains",), (1, None)),
        # "kills 12, injures 40": the comma is glued to the number
        (("Shelling kills 12, injures 40 in the eastern city",), (12, 40)),
    ],
)
def test_article_totals(
    sentences: tuple[str, ...], expected: tuple[int | None, int | None]
) -> None:
    assert _totals(*sentences) == expected


def test_a_word_after_a_colon_is_not_the_verbs_object() -> None:
    # "killed: officials" names the source, so "one rebel" before "killed" is the figure
    assert _totals("Two border guards, one rebel killed: officials") == (3, None)


def test_vague_amount_alone_still_counts() -> None:
    assert _totals("Dozens of people were killed in the bombardment of the suburb.") == (12, None)


def test_conflicting_precise_reports_keep_the_smallest() -> None:
    assert _totals(
        "The monitor said 20 people were killed in the car bombing.",
        "State media put the death toll at 14.",
    ) == (14, None)
