"""The worked example of TAXONOMY.md must classify exactly as the taxonomy says."""

from __future__ import annotations

import re

from classifiers import Classifier, RuleClassifier
from flashpoint.core.records import Article

from .conftest import classify

WORKED_EXAMPLE = (
    "Five soldiers were killed and a dozen wounded when their patrol struck a roadside bomb near "
    "Kadugli on Tuesday, the army said. Hours later the paramilitary forces shelled residential "
    "districts of the town, which they had besieged since March, despite a truce brokered last "
    "month. Witnesses reported columns of pickup trucks with fresh fighters arriving from the "
    "west, and local leaders warned of an imminent assault on the airport. The town was retaken "
    "by the army in 2023."
)


def test_worked_example_signals(classifier: RuleClassifier) -> None:
    result = classify(classifier, WORKED_EXAMPLE)
    assert result.signal_types() == {
        "explosive_device",
        "casualties",
        "shelling",
        "civilian_harm",
        "ceasefire_violation",
        "reinforcement",
        "offensive_warning",
    }
    for absent in ("territorial_change", "ceasefire_agreement", "offensive"):
        assert absent not in result.signal_types()


def test_worked_example_casualties_and_place(classifier: RuleClassifier) -> None:
    result = classify(classifier, WORKED_EXAMPLE)
    assert (result.casualties.killed, result.casualties.injured) == (5, 12)
    first = result.locations[0]
    assert (first.name, first.country, first.admin1) == ("Kadugli", "SD", "South Kordofan")
    assert first.lat is not None and abs(first.lat - 11.0) < 0.1
    assert first.lon is not None and abs(first.lon - 29.7) < 0.1


def test_worked_example_evidence_is_the_sentence(classifier: RuleClassifier) -> None:
    result = classify(classifier, WORKED_EXAMPLE)
    evidence = {signal.type: signal.evidence for signal in result.signals}
    assert evidence["explosive_device"].startswith("Five soldiers were killed")
    assert evidence["shelling"].startswith("Hours later the paramilitary forces shelled")
    assert evidence["offensive_warning"].startswith("Witnesses reported columns")
    assert all(0.0 <= signal.score <= 1.0 for signal in result.signals)
    assert result.severity == 4


def test_version_and_protocol() -> None:
    classifier = RuleClassifier()
    assert isinstance(classifier, Classifier)
    assert re.fullmatch(r"rules-[0-9a-f]{8}", classifier.version)
    assert RuleClassifier().version == classifier.version


def test_batch_keeps_order_and_ids(classifier: RuleClassifier) -> None:
    articles = [Article(id=f"a{i}", text=text) for i, text in enumerate(["", "Nothing.", "x"])]
    results = classifier.classify_batch(articles)
    assert [r.id for r in results] == ["a0", "a1", "a2"]
    assert all(r.signals == [] and r.severity == 0 for r in results)
    assert all(r.model == classifier.version for r in results)


def test_thresholds_are_per_signal(gazetteer: object) -> None:
    strict = RuleClassifier(thresholds={"armed_clash": 0.95})
    text = "Heavy fighting broke out between the army and rebels on Tuesday."
    assert "armed_clash" not in classify(strict, text).signal_types()
    assert "armed_clash" in classify(RuleClassifier(), text).signal_types()


def test_unknown_threshold_is_refused() -> None:
    try:
        RuleClassifier(thresholds={"riots": 0.5})
    except ValueError as exc:
        assert "riots" in str(exc)
    else:  # pragma: no cover - the assertion explains the failure
        raise AssertionError("an unknown signal id in thresholds must be refused")
