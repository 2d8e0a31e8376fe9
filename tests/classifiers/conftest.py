"""Shared fixtures for the classifier tests: one classifier (and gazetteer) per session."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from classifiers import RuleClassifier
from classifiers.gazetteer import Gazetteer, get_gazetteer
from flashpoint.core.records import Article, Classification


@pytest.fixture(scope="session")
def gazetteer() -> Gazetteer:
    return get_gazetteer()


@pytest.fixture(scope="session")
def classifier(gazetteer: Gazetteer) -> RuleClassifier:
    return RuleClassifier(gazetteer=gazetteer)


def classify(classifier: RuleClassifier, text: str, title: str | None = None) -> Classification:
    """Classify one text as an article published in November 2026."""
    article = Article(
        id="t-1", text=text, title=title, published_at=datetime(2026, 11, 20, tzinfo=UTC)
    )
    return classifier.classify_batch([article])[0]
