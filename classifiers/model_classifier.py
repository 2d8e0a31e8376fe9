"""ModelClassifier: cue rules + all-MiniLM-L6-v2 embeddings + per-signal heads.

For each article (`rule_classifier.analyse`): split into sentences and score each with
the cue rules, which already drop negated, denied, historical and merely threatened
events. A cheap gate picks the candidate sentences: those with a cue hit or any word of
conflict vocabulary; only they are embedded, in one batch for all articles of a call.
Each head turns a sentence's embedding and cue scores into a probability per signal;
the article's score for a signal is its best sentence, which is the evidence. Where the
cue rules read a signal's cue as negated, denied, historical or only threatened, the
head's score for that signal in that sentence is dropped: the model may add what the
cues miss, never overrule their reading of context.
`casualties` (and civilian victims' `civilian_harm`) also come from the casualty
extractor, whose figures the contract reports. Thresholds come from configuration.

What it drops: sentences outside the gate (scored 0), every signal of a sports report,
signals under their threshold.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from flashpoint.records import SIGNAL_TYPES, Article, Classification

from .embedding import Embedder
from .gazetteer import Gazetteer, get_gazetteer
from .heads import DEFAULT_HEADS_PATH, Heads, cue_vector, features
from .rule_classifier import Analysis, analyse, offer
from .thresholds import DEFAULT_THRESHOLDS_PATH, load_thresholds

# Word stems of conflict reporting: a sentence with none of them cannot carry a signal.
GATE = re.compile(
    r"\b(?:kill|dead|wound|injur|casualt|attack|strike|struck|raid|bomb|shell|artiller|mortar"
    r"|rocket|missile|drone|airstrike|air strike|air raid|warplane|fight|clash|battle|offensive"
    r"|assault|captur|seiz|retak|recaptur|overr|storm|withdr|pull(?:ed|ing|s)? (?:out|back)"
    r"|retreat|ceasefire|cease-fire|truce|warn|threat|vow|ultimat|retaliat|deploy|reinforc"
    r"|mobili|explo|blast|mine|ied|suicide|massacre|besieg|violat)",
    re.IGNORECASE,
)


# `casualties` fires from the casualty extractor alone, so the signal and the figures in
# the contract always agree (and "killed hundreds in 2003" stays history).
MODEL_SKIPS: frozenset[str] = frozenset({"casualties"})


class ModelClassifier:
    """The default classifier: see the module docstring."""

    def __init__(
        self,
        embedder: Embedder,
        *,
        heads: Heads | None = None,
        heads_path: Path = DEFAULT_HEADS_PATH,
        thresholds: dict[str, float] | None = None,
        thresholds_path: Path = DEFAULT_THRESHOLDS_PATH,
        gazetteer: Gazetteer | None = None,
    ) -> None:
        self.embedder = embedder
        self.heads = heads or Heads.load(heads_path)
        self.thresholds = thresholds or load_thresholds(thresholds_path)
        self._gazetteer = gazetteer
        self._version = f"{embedder.name}/{self.heads.version}"

    @property
    def version(self) -> str:
        return self._version

    @property
    def gazetteer(self) -> Gazetteer:
        if self._gazetteer is None:
            self._gazetteer = get_gazetteer()
        return self._gazetteer

    def classify_batch(self, articles: Sequence[Article]) -> list[Classification]:
        analyses = [analyse(article) for article in articles]
        candidates = [
            (number, index)
            for number, analysis in enumerate(analyses)
            for index, sentence in enumerate(analysis.sentences)
            if analysis.cue_hits[index] or GATE.search(sentence)
        ]
        scores = self.score_sentences(analyses, candidates)
        best: list[dict[str, tuple[float, str]]] = [{} for _ in analyses]
        for row, (number, index) in enumerate(candidates):
            analysis = analyses[number]
            sentence = analysis.sentences[index]
            for column, signal in enumerate(SIGNAL_TYPES):
                if signal in MODEL_SKIPS or signal in analysis.ruled_out[index]:
                    continue
                offer(best[number], signal, float(scores[row, column]), sentence)
        results = []
        for analysis, article_best in zip(analyses, best, strict=True):
            analysis.offer_casualty_signals(article_best)
            results.append(
                analysis.classification(
                    article_best, self.thresholds, self.gazetteer, self._version
                )
            )
        return results

    def score_sentences(
        self, analyses: list[Analysis], candidates: list[tuple[int, int]]
    ) -> np.typing.NDArray[np.float64]:
        """Head probabilities for the candidate sentences, one row each."""
        if not candidates:
            return np.zeros((0, len(SIGNAL_TYPES)))
        texts = [analyses[number].sentences[index] for number, index in candidates]
        cue_rows = np.vstack(
            [
                cue_vector({s: h.score for s, h in analyses[n].cue_hits[i].items()})
                for n, i in candidates
            ]
        )
        return self.heads.scores(features(self.embedder.embed(texts), cue_rows))
