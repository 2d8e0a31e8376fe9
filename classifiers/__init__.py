"""classifiers stage: articles in, `Classification`s out (the `flashpoint classify` contract).

Today one implementation, `RuleClassifier`, composed of plain modules that a later
model-based classifier reuses: `sentences` (splitter), `cues` (per-signal cue rules, the
cheap "cue gate"), `context` (negation, denial, history, irrealis, hedges), `casualties`
(killed/injured figures), `gazetteer` (places), `severity` (0..5 table).
"""

from __future__ import annotations

from .base import Classifier
from .rule_classifier import RuleClassifier


def default_classifier() -> Classifier:
    """The classifier the pipeline uses unless told otherwise (rules, for now)."""
    return RuleClassifier()


__all__ = ["Classifier", "RuleClassifier", "default_classifier"]
