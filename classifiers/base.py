"""The classifier interface every scorer implements (rules today, a model later).

A classifier turns a batch of `Article`s into one `Classification` each, in order. It
never raises for odd text: an article with nothing to report gets a classification with
no signals, severity 0 and no locations.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from flashpoint.core.records import Article, Classification


@runtime_checkable
class Classifier(Protocol):
    """Turns articles into classifications; `version` goes into `Classification.model`."""

    @property
    def version(self) -> str:
        """A version string such as ``"rules-1a2b3c4d"``: changes whenever the rules do."""
        ...

    def classify_batch(self, articles: Sequence[Article]) -> list[Classification]:
        """One classification per article, in the same order."""
        ...
