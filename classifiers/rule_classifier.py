"""RuleClassifier: the first, rule-based `Classifier` (cue rules + extractors).

For each article: split the title and text into sentences, score every sentence with the
cue rules (`classifiers.cues`), keep per signal the best-scoring sentence as evidence,
extract casualty figures (`classifiers.casualties`), resolve places
(`classifiers.gazetteer`) and grade severity (`classifiers.severity`).

`casualties` fires when people are reported killed or injured (a figure, or "killing
civilians", or "heavy casualties"), never on "no casualties". A killed or injured group
of civilians ("three villagers died") also fires `civilian_harm`.

What it drops: signals under their threshold; every signal of a sports report (three or
more sports words in the article: a "clash" between two clubs is not a battle);
casualty figures from sentences the cue vetoes rule out (crime, sport).

Dates: a year before the article's `published_at` year dates a clause in the past; with
no `published_at`, the current year is the reference.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import cast

from flashpoint.records import (
    SIGNAL_TYPES,
    Article,
    Casualties,
    Classification,
    Signal,
    SignalType,
)

from . import casualties as casualty_rules
from . import cues, severity
from .gazetteer import Gazetteer, get_gazetteer
from .sentences import split_sentences

CASUALTY_SCORE_WITH_FIGURE = 0.9
CASUALTY_SCORE_WITHOUT_FIGURE = 0.7
CIVILIAN_CASUALTY_SCORE = 0.9
SPORTS_ARTICLE_MIN_WORDS = 3
MAX_EVIDENCE_CHARS = 1000


def rules_version() -> str:
    """ "rules-" + 8 hex digits of a hash over every rule table the classifier uses."""
    digest = hashlib.sha256(cues.rules_fingerprint().encode())
    tables = (
        casualty_rules.UNITS,
        casualty_rules.TENS,
        casualty_rules.SCALES,
        casualty_rules.VAGUE,
        sorted(casualty_rules.GROUPS.items()),
        sorted(casualty_rules.CIVILIAN_GROUPS),
        sorted(casualty_rules.QUALIFIERS),
        sorted(casualty_rules.KILLED_WORDS),
        sorted(casualty_rules.INJURED_WORDS),
        casualty_rules.NON_CONFLICT.pattern,
        casualty_rules.CONFLICT.pattern,
        casualty_rules.ZERO.pattern,
        severity.KILLED_LEVELS,
        sorted(severity.LEVEL_2),
        sorted(severity.LEVEL_3),
        sorted(severity.WARNING_ONLY),
        severity.MASS_CIVILIAN_HARM_KILLED,
        CASUALTY_SCORE_WITH_FIGURE,
        CASUALTY_SCORE_WITHOUT_FIGURE,
        CIVILIAN_CASUALTY_SCORE,
        SPORTS_ARTICLE_MIN_WORDS,
    )
    digest.update(repr(tables).encode())
    return "rules-" + digest.hexdigest()[:8]


class RuleClassifier:
    """Cue rules, casualty extractor, gazetteer and severity table, composed."""

    def __init__(
        self,
        *,
        thresholds: dict[str, float] | None = None,
        gazetteer: Gazetteer | None = None,
    ) -> None:
        self.thresholds = dict(cues.THRESHOLDS)
        if thresholds:
            unknown = set(thresholds) - set(SIGNAL_TYPES)
            if unknown:
                raise ValueError(f"unknown signal ids in thresholds: {sorted(unknown)}")
            self.thresholds.update(thresholds)
        self._gazetteer = gazetteer
        self._version = rules_version()

    @property
    def version(self) -> str:
        return self._version

    @property
    def gazetteer(self) -> Gazetteer:
        if self._gazetteer is None:
            self._gazetteer = get_gazetteer()
        return self._gazetteer

    def classify_batch(self, articles: Sequence[Article]) -> list[Classification]:
        return [self.classify(article) for article in articles]

    def classify(self, article: Article) -> Classification:
        """Classify one article."""
        reference_year = (article.published_at or datetime.now(UTC)).year
        sentences = [*split_sentences(article.title or ""), *split_sentences(article.text)]
        article_vetoes = _article_vetoes(article)

        best: dict[str, tuple[float, str]] = {}
        casualty_mentions: list[casualty_rules.CasualtyMention] = []
        for index, sentence in enumerate(sentences):
            for signal, hit in cues.score_sentence(
                sentence, reference_year=reference_year, extra_vetoes=article_vetoes
            ).items():
                _offer(best, signal, hit.score, sentence)
            if "casualties" in article_vetoes or "casualties" in cues.vetoed_signals(
                sentence.lower()
            ):
                continue
            casualty_mentions.extend(casualty_rules.find_mentions(sentence, index, reference_year))

        totals = casualty_rules.combine(casualty_mentions)
        for mention in casualty_mentions:
            if mention.count == 0:
                continue
            score = CASUALTY_SCORE_WITH_FIGURE if mention.count else CASUALTY_SCORE_WITHOUT_FIGURE
            _offer(best, "casualties", score, sentences[mention.sentence])
            if mention.civilian and "civilian_harm" not in article_vetoes:
                _offer(best, "civilian_harm", CIVILIAN_CASUALTY_SCORE, sentences[mention.sentence])

        signals = [
            Signal(
                type=cast(SignalType, signal),
                score=round(best[signal][0], 3),
                evidence=_evidence(best[signal][1]),
            )
            for signal in SIGNAL_TYPES
            if signal in best and best[signal][0] >= self.thresholds[signal]
        ]
        fired = {signal.type for signal in signals}
        if "casualties" not in fired:
            # Figures without a reported casualty (only zeros) stay; nothing else to drop.
            totals = Casualties(
                killed=totals.killed if totals.killed == 0 else None,
                injured=totals.injured if totals.injured == 0 else None,
            )
        return Classification(
            id=article.id,
            signals=signals,
            severity=severity.severity(fired, totals),
            locations=self.gazetteer.locate(article.text, article.title),
            casualties=totals,
            model=self._version,
        )


_SPORTS_WORDS = re.compile(
    r"\b(?:football|soccer|derby|league|cup|tournament|championship|stadium|striker|midfielder"
    r"|goalkeeper|coach|fixture|kick-?off|goals?|scored|referee|penalty|semi-?finals?"
    r"|quarter-?finals?|trophy|squad|rugby|cricket|basketball|tennis|olympics?|half-?time"
    r"|match(?:es)?|season|fans|club)\b"
)


def _article_vetoes(article: Article) -> frozenset[str]:
    text = f"{article.title or ''}\n{article.text}".lower()
    if len(set(_SPORTS_WORDS.findall(text))) >= SPORTS_ARTICLE_MIN_WORDS:
        return frozenset(SIGNAL_TYPES)
    return frozenset()


def _offer(best: dict[str, tuple[float, str]], signal: str, score: float, sentence: str) -> None:
    current = best.get(signal)
    if current is None or score > current[0]:
        best[signal] = (score, sentence)


def _evidence(sentence: str) -> str:
    if len(sentence) <= MAX_EVIDENCE_CHARS:
        return sentence
    return sentence[: MAX_EVIDENCE_CHARS - 1].rstrip() + "…"
