"""Casualty figures on the ways real conflict reports phrase them.

The patterns come from reading real headlines (UCDP GED source headlines, dev half);
every sentence here is invented for the test.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from classifiers import Classifier, RuleClassifier, default_classifier
from classifiers.casualties import extract
from classifiers.rule_classifier import analyse
from classifiers.sentences import split_sentences
from flashpoint.core.records import Article

from .conftest import classify

HEADLINE = "At least seven people were killed and nine others injured in a market strike"
LEAD = (
    "At least seven people were killed and nine others injured when a missile hit a crowded "
    "market in the town on Sunday, the regional governor said. Rescue teams worked through "
    "the night."
)


def article(text: str, title: str | None = None) -> Article:
    return Article(
        id="p-1", text=text, title=title, published_at=datetime(2026, 11, 20, tzinfo=UTC)
    )


def totals(text: str, title: str | None = None) -> tuple[int | None, int | None]:
    found = analyse(article(text, title)).totals
    return found.killed, found.injured


def test_headline_repeated_in_lead_counts_once() -> None:
    assert totals(LEAD, HEADLINE) == (7, 9)


def test_headline_and_lead_through_the_classifier(classifier: RuleClassifier) -> None:
    result = classify(classifier, LEAD, title=HEADLINE)
    assert (result.casualties.killed, result.casualties.injured) == (7, 9)
    assert "casualties" in result.signal_types()


@pytest.mark.parametrize(
    ("title", "text"),
    [
        # terse headline, fuller lead: the comma does not carry "nine" over to the dead
        (
            "Seven killed, nine injured in shelling of border town",
            "At least seven people were killed and nine others were wounded when shells hit "
            "the border town on Monday.",
        ),
        (
            "Drone strike kills at least seven people, injures nine others",
            "The drone strike killed at least seven people and injured nine others, officials "
            "said.",
        ),
    ],
)
def test_terse_headline_and_lead_agree(title: str, text: str) -> None:
    assert totals(text, title) == (7, 9)


CASES: list[tuple[str, int | None, int | None]] = [
    # a listed figure before the verb, with a comma after it
    ("Five fighters killed, eight wounded in overnight clashes near the dam", 5, 8),
    ("Two servicemen killed, 14 wounded in the past day, the command said.", 2, 14),
    # military shorthand
    ("Two KIA, three WIA amid 20 enemy attacks in the past 24 hours - command", 2, 3),
    ("The brigade reports 1 KIA, 4 WIAs after the night raid.", 1, 4),
    # number words, present tense, bare verbs
    ("Militia raid kills eleven in eastern villages", 11, None),
    ("Herders kill 10 farmers in northern district", 10, None),
    ("Three soldiers die in rebel ambush on highway", 3, None),
    ("One DPR militiaman killed in shelling - militia spokesman", 1, None),
    ("Four reported killed in clashes on the frontier", 4, None),
    # the subject of an active verb is not the victim
    ("Two gunmen kill villagers in night raid", None, None),
    ("Two gunmen killed villagers in a night raid", None, None),
    # updates replace earlier figures
    ("The strike killed nine people. The death toll rose to 12 on Tuesday.", 12, None),
    ("The death toll rose to 12, officials said. Earlier they had reported 8 dead.", 12, None),
    (
        "A missile hit the station, killing nine. Rescuers found more victims, bringing the toll "
        "to 14.",
        14,
        None,
    ),
    # sub-groups are part of the total, also between commas
    ("Seven people, including three children, were killed in the strike.", 7, None),
    ("The air raid killed 11 civilians, including four women.", 11, None),
    # separate incidents add up
    (
        "A roadside bomb killed four soldiers in the north. In a separate attack, gunmen killed "
        "six people at a market in the south.",
        10,
        None,
    ),
    (
        "Two police officers died in an ambush on Monday. Separately, three civilians were "
        "killed by shelling elsewhere in the province.",
        5,
        None,
    ),
    # monitors' coding notes
    ("Rebels ambushed a convoy on the ridge road, resulting in 2 fatalities.", 2, None),
    ("Armed clash between the militia and the army near the bridge. Fatalities: 3", 3, None),
    ("The monitors recorded 6 fatalities in the district last week.", 6, None),
    # wounds and bodies
    ("A soldier died of wounds sustained in the ambush.", 1, None),
    ("Two soldiers died of their wounds in hospital on Tuesday.", 2, None),
    ("The bodies of 4 soldiers were found near the river after the battle.", 4, None),
    # communiqué claims of enemy dead
    ("Artillery destroyed more than 40 invaders and two tanks near the town.", 40, None),
    # dates and times are not figures
    ("Final death toll for 13/11/12", None, None),
    # a toll far from its verb, and after "among" the figure is the total
    ("The death toll from the shelling of the convoy near the city increased to 31.", 31, None),
    ("Two women and three children were among eight people killed in the raid.", 8, None),
    # one person, named by a singular noun; not "civilian deaths"
    ("Ukrainian soldier killed, another wounded in shelling", 1, None),
    ("Sniper kills militiaman near the front line", 1, None),
    ("The envoy urged both sides to avoid civilian deaths.", None, None),
    # background tolls of the whole war are not the incident's figure
    (
        "A car bomb killed 9 people in the capital. More than 300,000 people have been killed "
        "since the war began in 2011.",
        9,
        None,
    ),
    ("The five-year civil war has killed more than 250,000 people.", None, None),
]


@pytest.mark.parametrize(("text", "killed", "injured"), CASES)
def test_real_patterns(text: str, killed: int | None, injured: int | None) -> None:
    report = extract(split_sentences(text), reference_year=2026)
    assert (report.casualties.killed, report.casualties.injured) == (killed, injured)


FIRES = [
    "Unknown attackers gun down tribal elder in the provincial capital",
    "Army says it lost up to 200 servicemen in the northern direction in one day",
    "Northern province hit by two new deadly attacks",
    "Gunmen attack village, kill traditional ruler",
    "Shelling leaves one KIA, one WIA on the eastern front",
    "Nearly 9,000 killed since the start of the conflict, the monitors say",
]

QUIET = [
    "No casualties were reported after the shelling of the depot.",
    "Nobody was hurt when the drone was shot down over the city.",
    "Hundreds died in the 2014 siege of the airport, a new book recalls.",
    "Five people died in a road accident near the checkpoint.",
    "Three people drowned when floods hit the camp.",
    "The militia threatened to kill 20 hostages.",
    "The army shot down two drones over the city.",
    "The army destroyed 5 houses and 3 tanks in the village.",
]


def _fires(text: str) -> bool:
    analysis = analyse(article(text))
    best: dict[str, tuple[float, str]] = {}
    analysis.offer_casualty_signals(best)
    return "casualties" in best


@pytest.mark.parametrize("text", FIRES)
def test_casualties_mention_found(text: str) -> None:
    assert _fires(text)


@pytest.mark.parametrize("text", QUIET)
def test_no_casualties_mention(text: str) -> None:
    assert not _fires(text)


@pytest.fixture(scope="module")
def default_model() -> Classifier:
    return default_classifier()


# Wordings found among the real tune items (UCDP dev half) that reported a death or injury
# without the words the rules knew. Each sentence is invented.
@pytest.mark.parametrize(
    "sentence",
    [
        "Air force jets pound insurgent hideouts after a deadly mortar attack on the base",
        "Losses of the army in battles with the rebel forces amounted to 30 people in a day",
        "The battalion suffered heavy losses in the fighting near the dam, commanders said",
        "Police found a body with its hands bound on the road out of town",
        "A farmer was shot in his field by gunmen on motorbikes",
        "Killings and abductions overshadow the election in the northern districts",
        "Carnage at the bus station: survivors describe the attack",
        "Casualty reported after shelling of the eastern quarter",
    ],
)
def test_casualties_without_a_figure_are_reported(default_model: Classifier, sentence: str) -> None:
    assert "casualties" in default_model.classify_batch([article(sentence)])[0].signal_types()


@pytest.mark.parametrize(
    "sentence",
    [
        "The retailer suffered heavy losses in the third quarter",
        "The drone was shot down over the reservoir",
        "A sniper shot at the checkpoint but missed",
        "The oversight body found that the tender rules were broken",
        "No casualty was reported after the blast at the depot",
    ],
)
def test_those_wordings_do_not_fire_elsewhere(default_model: Classifier, sentence: str) -> None:
    assert "casualties" not in default_model.classify_batch([article(sentence)])[0].signal_types()
