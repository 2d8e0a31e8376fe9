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
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

from flashpoint.core.records import (
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
UNREST_ARTICLE_MIN_WORDS = 2
MAX_EVIDENCE_CHARS = 1000


def rules_version() -> str:
    """ "rules-" + 8 hex digits of a hash over the source of every rule module.

    The whole source, not a list of tables: a new table or pattern in any of them changes
    the version without anyone having to remember to register it.
    """
    from . import context, sentences

    digest = hashlib.sha256()
    for module in (cues, context, casualty_rules, severity, sentences, sys.modules[__name__]):
        digest.update(Path(str(module.__file__)).read_bytes())
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
        analysis = analyse(article)
        best: dict[str, tuple[float, str]] = {}
        for sentence, hits in zip(analysis.sentences, analysis.cue_hits, strict=True):
            for signal, hit in hits.items():
                offer(best, signal, hit.score, sentence)
        analysis.offer_casualty_signals(best)
        return analysis.classification(best, self.thresholds, self.gazetteer, self._version)


@dataclass(frozen=True)
class Analysis:
    """What the rules find in one article: the input of every classifier's scoring.

    `cue_hits[i]` are the cue hits of `sentences[i]` after negation, denial, history and
    threat vetoes, `ruled_out[i]` the signals whose cues those vetoes dropped; `vetoes`
    are the signals ruled out for the whole article (sport, civil unrest); `mentions`
    the casualty figures, with their `totals`.
    """

    article: Article
    sentences: list[str]
    cue_hits: list[dict[str, cues.CueHit]]
    ruled_out: list[dict[str, str]]
    vetoes: frozenset[str]
    mentions: list[casualty_rules.CasualtyMention]
    totals: Casualties

    def offer_casualty_signals(self, best: dict[str, tuple[float, str]]) -> None:
        """`casualties` (and `civilian_harm` for civilian victims) from the figures found."""
        for mention in self.mentions:
            if mention.count == 0:
                continue
            score = CASUALTY_SCORE_WITH_FIGURE if mention.count else CASUALTY_SCORE_WITHOUT_FIGURE
            offer(best, "casualties", score, self.sentences[mention.sentence])
            if mention.civilian and "civilian_harm" not in self.vetoes:
                offer(
                    best, "civilian_harm", CIVILIAN_CASUALTY_SCORE, self.sentences[mention.sentence]
                )

    def classification(
        self,
        best: dict[str, tuple[float, str]],
        thresholds: dict[str, float],
        gazetteer: Gazetteer,
        version: str,
    ) -> Classification:
        """Signals over their thresholds, severity, places and figures, as the contract says."""
        signals = [
            Signal(
                type=cast(SignalType, signal),
                score=round(best[signal][0], 3),
                evidence=evidence(best[signal][1]),
            )
            for signal in SIGNAL_TYPES
            if signal in best
            and signal not in self.vetoes
            and best[signal][0] >= thresholds[signal]
        ]
        fired = {signal.type for signal in signals}
        totals = self.totals
        if "casualties" not in fired:
            # Figures without a reported casualty (only zeros) stay; nothing else to drop.
            totals = Casualties(
                killed=totals.killed if totals.killed == 0 else None,
                injured=totals.injured if totals.injured == 0 else None,
            )
        return Classification(
            id=self.article.id,
            signals=signals,
            severity=severity.severity(fired, totals),
            locations=gazetteer.locate(self.article.text, self.article.title),
            casualties=totals,
            model=version,
        )


def analyse(article: Article) -> Analysis:
    """Split, score every sentence with the cue rules and extract casualty figures."""
    reference_year = (article.published_at or datetime.now(UTC)).year
    sentences = [*split_sentences(article.title or ""), *split_sentences(article.text)]
    vetoes = article_vetoes(article)
    hits: list[dict[str, cues.CueHit]] = []
    ruled_out: list[dict[str, str]] = []
    mentions: list[casualty_rules.CasualtyMention] = []
    for index, sentence in enumerate(sentences):
        reading = cues.read_sentence(sentence, reference_year=reference_year, extra_vetoes=vetoes)
        hits.append(reading.hits)
        ruled_out.append(reading.ruled_out)
        if "casualties" in vetoes or "casualties" in cues.vetoed_signals(sentence.lower()):
            continue
        mentions.extend(casualty_rules.find_mentions(sentence, index, reference_year))
    return Analysis(
        article, sentences, hits, ruled_out, vetoes, mentions, casualty_rules.combine(mentions)
    )


_SPORTS_WORDS = re.compile(
    r"\b(?:football|soccer|derby|league|cup|tournament|championship|stadium|striker|midfielder"
    r"|goalkeeper|coach|fixture|kick-?off|goals?|scored|referee|penalty|semi-?finals?"
    r"|quarter-?finals?|trophy|squad|rugby|cricket|basketball|tennis|olympics?|half-?time"
    r"|match(?:es)?|season|fans|club)\b"
)


def article_vetoes(article: Article) -> frozenset[str]:
    """Signals ruled out for the whole article: every one, for sports and civil-unrest reports.

    A sports report is one with three or more sports words. A civil-unrest or crime report
    (protesters and police, riots, robbers, courts) is one with two or more distinct such
    words and no armed actor (army, militia, rebels…) and no weapon of war (artillery,
    missiles, air strikes, roadside or car bombs) anywhere: its "clashes", "torched"
    buildings and "seized" warehouses are not escalation signals.
    """
    text = f"{article.title or ''}\n{article.text}".lower()
    if len(set(_SPORTS_WORDS.findall(text))) >= SPORTS_ARTICLE_MIN_WORDS:
        return frozenset(SIGNAL_TYPES)
    unrest = set(cues.PROTEST.findall(text)) | set(cues.CRIME.findall(text))
    if (
        len(unrest) >= UNREST_ARTICLE_MIN_WORDS
        and not cues.MILITARY.search(text)
        and not _WEAPONS_OF_WAR.search(text)
    ):
        return frozenset(SIGNAL_TYPES)
    return frozenset()


_WEAPONS_OF_WAR = re.compile(
    r"\b(?:artillery|shell(?:s|ed|ing)|mortars?|rockets?|missiles?|air ?-?strikes?|air raids?"
    r"|warplanes?|fighter jets?|drone strikes?|barrel bombs?|ieds?|roadside bombs?|car bombs?"
    r"|suicide (?:bomb\w*|attack\w*)|landmines?|grenades?)\b"
)


def offer(best: dict[str, tuple[float, str]], signal: str, score: float, sentence: str) -> None:
    current = best.get(signal)
    if current is None or score > current[0]:
        best[signal] = (score, sentence)


def evidence(sentence: str) -> str:
    if len(sentence) <= MAX_EVIDENCE_CHARS:
        return sentence
    return sentence[: MAX_EVIDENCE_CHARS - 1].rstrip() + "…"
