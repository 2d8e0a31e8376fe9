"""Casualty figures: number words, positions, groups, conservative merging, zeros."""

from __future__ import annotations

import pytest

from classifiers.casualties import extract, parse_number
from classifiers.sentences import split_sentences


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("seven", 7),
        ("twenty-one", 21),
        ("twenty one", 21),
        ("a dozen", 12),
        ("dozens", 12),
        ("tens", 10),
        ("scores", 20),
        ("hundreds", 100),
        ("thousands", 1000),
        ("one hundred and fifty", 150),
        ("two thousand", 2000),
        ("1,200", 1200),
        ("17", 17),
        ("2017", None),  # a year, not a figure
        ("several", None),
    ],
)
def test_parse_number(text: str, value: int | None) -> None:
    assert parse_number(text) == value


CASES: list[tuple[str, int | None, int | None]] = [
    ("Five soldiers were killed and a dozen wounded in the attack.", 5, 12),
    ("At least 12 people were killed in the strike.", 12, None),
    ("The blast killed at least 30 people and wounded 45 others.", 30, 45),
    ("An air strike killed seven civilians, the monitor said.", 7, None),
    ("Twenty-one fighters died in the battle.", 21, None),
    ("Dozens of people were killed and hundreds wounded.", 12, 100),
    ("Tens of soldiers were injured.", None, 10),
    ("Scores of villagers were killed.", 20, None),
    ("Three soldiers and two civilians were killed in the shelling.", 5, None),
    # separate groups in separate sentences add up
    (
        "Two guards were killed at the checkpoint. "
        "Three villagers died in the shelling that followed.",
        5,
        None,
    ),
    # a toll that rose replaces the earlier figure (an update, not a disagreement)
    ("The strike killed 12 people. The death toll later rose to 15.", 15, None),
    # the same group reported twice: the smallest figure
    ("The army said 20 fighters were killed. The rebels said 14 fighters died.", 14, None),
    # a sub-group adds nothing
    ("The blast killed twenty-one people, including five children.", 21, None),
    # "another" group adds up
    ("Four soldiers were killed on Monday. Another two soldiers died on Tuesday.", 6, None),
    # a figure and its total: the total
    ("Five soldiers were killed. The death toll from the attack rose to 9.", 9, None),
    # explicit zeros, silence, negation, history, hypotheticals
    ("No casualties were reported.", 0, 0),
    ("No one was killed, but three people were injured.", 0, 3),
    ("Nobody was hurt in the explosion.", 0, 0),
    ("The shelling damaged the mosque.", None, None),
    ("Hundreds of civilians died in a gas attack in Ghouta in August 2013.", None, None),
    ("Officials warned that a dam collapse could kill thousands.", None, None),
    ("The army denied that it killed 40 civilians.", None, None),
    ("A soldier was killed by a sniper.", 1, None),
    ("Three shells landed near the school and killed a child.", 1, None),
]


@pytest.mark.parametrize(("text", "killed", "injured"), CASES)
def test_extract(text: str, killed: int | None, injured: int | None) -> None:
    report = extract(split_sentences(text), reference_year=2026)
    assert (report.casualties.killed, report.casualties.injured) == (killed, injured)


def test_unquantified_mention_is_kept_without_a_figure() -> None:
    report = extract(["Government jets bombed the village, killing civilians."], 2026)
    assert report.casualties.killed is None
    assert [(m.kind, m.count, m.group) for m in report.mentions] == [("killed", None, "civilians")]
