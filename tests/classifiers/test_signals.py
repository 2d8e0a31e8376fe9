"""Each signal fires on a plain positive, and none fires on the "what does not" cases."""

from __future__ import annotations

import pytest

from classifiers import RuleClassifier

from .conftest import classify

POSITIVES: list[tuple[str, str]] = [
    ("armed_clash", "Heavy fighting broke out between the army and rebels near Bentiu on Monday."),
    ("armed_clash", "Soldiers and militiamen exchanged fire for three hours outside the town."),
    ("offensive", "The army launched a major offensive on Sunday to retake Wad Madani."),
    ("shelling", "Artillery shelled the eastern districts of Donetsk overnight."),
    ("shelling", "Mortar rounds landed near the front line on Friday, officials said."),
    ("air_strike", "Warplanes carried out air strikes on rebel positions south of Idlib."),
    ("air_strike", "A drone strike hit a car on the road to Gao, the army said."),
    ("air_strike", "Helicopters dropped barrel bombs on the town of Daraya."),
    ("explosive_device", "A roadside bomb exploded under a military truck near Mogadishu."),
    ("explosive_device", "A suicide bomber blew himself up at a checkpoint in Kabul."),
    ("civilian_harm", "Shells hit a hospital and several homes in the city on Tuesday."),
    ("civilian_harm", "Gunmen killed 12 villagers in an attack on a village in Plateau state."),
    ("casualties", "Three soldiers were killed and four wounded in the attack."),
    ("casualties", "The attack caused heavy casualties among the defenders."),
    ("territorial_change", "Rebels captured the town of Saraqib after a day of fighting."),
    ("territorial_change", "The village fell to the paramilitary forces on Thursday."),
    ("reinforcement", "The army sent reinforcements to the front line near Bakhmut."),
    ("reinforcement", "Russia has massed troops and tanks along the border, officials said."),
    ("offensive_warning", "The commander threatened to storm the city within 48 hours."),
    ("offensive_warning", "Residents fear an imminent assault on the town after the ultimatum."),
    ("ceasefire_violation", "The two sides accused each other of violating the ceasefire."),
    ("ceasefire_violation", "Shelling resumed on Sunday despite the truce, residents said."),
    ("ceasefire_agreement", "The warring parties agreed a 72-hour ceasefire on Monday."),
    ("ceasefire_agreement", "A truce between the army and the rebels took effect at midnight."),
    ("withdrawal", "Rebel fighters withdrew from their positions around the town on Friday."),
    ("withdrawal", "The army completed its withdrawal from the city on Wednesday."),
]


@pytest.mark.parametrize(("signal", "text"), POSITIVES)
def test_signal_fires_on_plain_positive(classifier: RuleClassifier, signal: str, text: str) -> None:
    result = classify(classifier, text)
    assert signal in result.signal_types(), result.signals
    evidence = next(s.evidence for s in result.signals if s.type == signal)
    assert evidence in text


NEGATIVES: list[tuple[str, str]] = [
    # history and background
    ("territorial_change", "The city, captured by the regime last January, was quiet on Monday."),
    ("territorial_change", "The town was retaken by the army in 2023."),
    ("territorial_change", "Ten years ago, government forces captured the eastern districts."),
    ("ceasefire_agreement", "Markets reopened under a truce signed in March."),
    ("ceasefire_agreement", "Shelling hit the town despite a ceasefire deal signed in March."),
    ("armed_clash", "The area has seen no fighting since 2019, residents said."),
    # denials and negation
    ("shelling", "The army denied shelling the market, calling the reports false."),
    ("air_strike", "Moscow rejected reports that its jets carried out air strikes on the town."),
    ("casualties", "Shells landed in an empty field and no casualties were reported."),
    ("casualties", "A fire broke out at the depot but no one was hurt."),
    ("shelling", "There was no shelling overnight for the first time in weeks."),
    # warnings are not attacks, demands are not withdrawals, failed talks are no deal
    ("offensive", "Local leaders warned of an imminent assault on the airport."),
    ("offensive", "The rebels threatened to launch an offensive on the capital."),
    ("withdrawal", "The opposition demanded the withdrawal of foreign troops from the region."),
    ("withdrawal", "The army refused to withdraw from the town."),
    ("ceasefire_agreement", "Talks on a ceasefire collapsed in Geneva on Sunday."),
    ("ceasefire_agreement", "The two sides failed to agree on a truce after a week of talks."),
    ("ceasefire_agreement", "The envoy called for an immediate ceasefire in the city."),
    # sports, protests, police, crime
    ("armed_clash", "Al-Hilal and Al-Merrikh clash in the league derby at the stadium on Friday."),
    ("armed_clash", "Protesters clashed with riot police who fired tear gas in the capital."),
    ("armed_clash", "Police clashed with a gang of robbers after a bank robbery downtown."),
    ("reinforcement", "Riot police were deployed around parliament ahead of the protest."),
    ("armed_clash", "Police exchanged fire with suspects during a raid on a drug gang hideout."),
    ("casualties", "Police killed two suspects in a raid on a drug gang hideout."),
    ("casualties", "A man was shot dead in a robbery at a petrol station, police said."),
    # defused device, air-dropped bombs, combatant-only losses
    ("explosive_device", "Engineers defused a roadside bomb found near the bridge."),
    ("shelling", "Helicopters dropped barrel bombs on the town of Daraya."),
    ("civilian_harm", "Five soldiers were killed in clashes with rebels near the base."),
    # other senses of the words
    ("armed_clash", "The two ministers clashed over the budget at the cabinet meeting."),
    ("offensive", "The minister launched a charm offensive in European capitals."),
    ("shelling", "Shell companies were used to move the money abroad."),
    ("territorial_change", "Rebels captured two soldiers during the raid."),
    ("territorial_change", "The ceremony took place in the town hall."),
    ("withdrawal", "The government withdrew from the talks on Monday."),
]


@pytest.mark.parametrize(("signal", "text"), NEGATIVES)
def test_signal_does_not_fire(classifier: RuleClassifier, signal: str, text: str) -> None:
    result = classify(classifier, text)
    assert signal not in result.signal_types(), result.signals


def test_hedged_report_scores_lower(classifier: RuleClassifier) -> None:
    plain = classify(classifier, "Warplanes carried out air strikes on the town.")
    hedged = classify(classifier, "Warplanes reportedly carried out air strikes on the town.")
    score = {s.type: s.score for s in plain.signals}["air_strike"]
    hedged_score = {s.type: s.score for s in hedged.signals}["air_strike"]
    assert 0.5 <= hedged_score < score


def test_best_scoring_sentence_is_the_evidence(classifier: RuleClassifier) -> None:
    text = (
        "Fighting was reported in the north. "
        "Heavy fighting broke out between the army and rebels near the airport."
    )
    result = classify(classifier, text)
    evidence = {s.type: s.evidence for s in result.signals}["armed_clash"]
    assert evidence.startswith("Heavy fighting")


def test_de_escalation_alone_stays_at_severity_one(classifier: RuleClassifier) -> None:
    result = classify(
        classifier,
        "The warring parties agreed a 72-hour ceasefire on Monday. "
        "Rebel fighters withdrew from their positions around the town on Friday.",
    )
    assert result.signal_types() == {"ceasefire_agreement", "withdrawal"}
    assert result.severity == 1
