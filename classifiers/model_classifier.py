"""ModelClassifier: the fine-tuned signal model, read together with the cue rules.

For each article (`rule_classifier.analyse`): split into sentences and read each with the
cue rules, which know negation, denial, history and threats. A cheap gate picks the
candidate sentences: those with a cue hit or any word of conflict vocabulary; only they
go through the fine-tuned all-MiniLM-L6-v2 (`classifiers.signal_model`), in one batch for
all articles of a call, which gives each a probability per signal. A sentence's score for
a signal is that probability, or the cue's score where a cue fired, scores higher and the
model gives the signal at least `CUE_AGREEMENT`; the article's score is its best sentence,
which is the evidence.

Where the cue rules rule a signal's cue out in a sentence (negated, denied, history, only
threatened or demanded, a sentence veto such as a defused device), the model's score for
that signal in that sentence is dropped; when the model was sure of it (at least
`SURE`), the veto is recorded in `Classification.vetoed` with its reason, so no veto of a
confident reading goes unexplained. Article-level vetoes (a sports report, a civil-unrest
or crime report) are recorded the same way.

`casualties` (and civilian victims' `civilian_harm`) also come from the casualty
extractor, whose figures the contract reports. Thresholds come from configuration.

What it drops: sentences outside the gate (scored 0), signals ruled out as above, every
signal of a sports or civil-unrest report, signals under their threshold.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import cast

from flashpoint.core.records import SIGNAL_TYPES, Article, Classification, SignalType, Veto

from .gazetteer import Gazetteer, get_gazetteer
from .rule_classifier import Analysis, analyse, evidence, offer
from .signal_model import SignalModel
from .thresholds import DEFAULT_THRESHOLDS_PATH, load_thresholds

# Word stems of conflict reporting: a sentence with none of them cannot carry a signal.
GATE = re.compile(
    r"\b(?:kill|dead|death|die|wound|injur|casualt|fatalit|attack|strike|struck|raid|bomb"
    r"|shell|artiller|mortar|rocket|missile|drone|airstrike|air strike|air raid|warplane|jet"
    r"|helicopter|fight|clash|battle|offensive|assault|advanc|push|captur|seiz|retak|recaptur"
    r"|overr|storm|took control|liberat|fell|withdr|pull(?:ed|ing|s)? (?:out|back)|retreat"
    r"|ceasefire|cease-fire|truce|warn|threat|vow|ultimat|retaliat|deploy|reinforc|mobili"
    r"|troop|convoy|base|explo|blast|mine|ied|suicide|massacre|besieg|siege|violat|fire[ds]?"
    r"|firing|gun|grenade|munition|ambush|sniper|militant|insurgent|rebel|fighter|soldier"
    r"|forces|army|militia|destroy|hit|target|abduct|kidnap|execut|burn|torch|loot|evacuat"
    r"|hostilit|escalat|incursion|infiltrat|repel|repuls|landmine|operation|control|call(?:ed"
    r"|ing|s)? up|conscript|reservist|recruit|mov(?:ed|es|ing)|transfer|mass(?:ed|ing)|tank"
    r"|armou?r|units?\b|battalion|brigade|weapon|arms\b|peace|agreement|accord|pact|treaty"
    r"|deal\b|left\b|took|taken?s?\b|entered|flag|force|abandon|vacat|pound|salvo|engag|arriv"
    r"|contingent|blew|blown|detain|vehicle|front\b|pause|sent\b|send|deliver|howitzer)",
    re.IGNORECASE,
)

# `casualties` fires from the rules alone (the casualty extractor and its cues), so the
# signal and the figures in the contract always agree ("killed hundreds in 2003" stays
# history).
MODEL_SKIPS: frozenset[str] = frozenset({"casualties"})
# A probability at which a veto of the model's reading is recorded with its reason.
SURE = 0.9
# A cue lifts a sentence's score to its own only where the model gives the signal at least
# this: the cues catch wordings the model half-believes, but alone they also fire on "tear
# gas shells" and "police regained control". Chosen on the written dev set (there, 2/3 of
# the false cue hits and 2.5 % of the true ones score under 0.1), never on real text.
CUE_AGREEMENT = 0.1


class ModelClassifier:
    """The default classifier: see the module docstring."""

    def __init__(
        self,
        model: SignalModel,
        *,
        thresholds: dict[str, float] | None = None,
        thresholds_path: Path = DEFAULT_THRESHOLDS_PATH,
        gazetteer: Gazetteer | None = None,
    ) -> None:
        self.model = model
        self.thresholds = thresholds or load_thresholds(thresholds_path)
        self._gazetteer = gazetteer

    @property
    def version(self) -> str:
        return self.model.name

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
            for index in sentence_candidates(analysis)
        ]
        texts = [analyses[number].sentences[index] for number, index in candidates]
        scores = self.model.probabilities(texts) if texts else None
        best: list[dict[str, tuple[float, str]]] = [{} for _ in analyses]
        vetoed: list[dict[str, Veto]] = [{} for _ in analyses]
        for row, (number, index) in enumerate(candidates):
            analysis = analyses[number]
            sentence = analysis.sentences[index]
            hits = analysis.cue_hits[index]
            assert scores is not None
            for column, signal in enumerate(SIGNAL_TYPES):
                if signal in MODEL_SKIPS:
                    if signal in hits:
                        offer(best[number], signal, hits[signal].score, sentence)
                    continue
                probability = float(scores[row, column])
                reason = analysis.ruled_out[index].get(signal)
                if reason is None:
                    cue = hits[signal].score if signal in hits else 0.0
                    lifted = cue if probability >= CUE_AGREEMENT else 0.0
                    offer(best[number], signal, max(probability, lifted), sentence)
                elif probability >= SURE:
                    _record(vetoed[number], signal, probability, reason, sentence)
        results = []
        for analysis, article_best, article_vetoed in zip(analyses, best, vetoed, strict=True):
            analysis.offer_casualty_signals(article_best)
            for signal in analysis.vetoes & set(article_best):
                score, sentence = article_best[signal]
                if score >= SURE:
                    _record(article_vetoed, signal, score, "sport or civil-unrest report", sentence)
            classification = analysis.classification(
                article_best, self.thresholds, self.gazetteer, self.version
            )
            fired = classification.signal_types()
            classification.vetoed.extend(
                veto for signal, veto in article_vetoed.items() if signal not in fired
            )
            results.append(classification)
        return results


def _record(vetoed: dict[str, Veto], signal: str, score: float, reason: str, sentence: str) -> None:
    current = vetoed.get(signal)
    if current is None or score > current.score:
        vetoed[signal] = Veto(
            type=cast(SignalType, signal),
            score=round(score, 3),
            reason=reason,
            evidence=evidence(sentence),
        )


def sentence_candidates(analysis: Analysis) -> list[int]:
    """Indices of the sentences of one article that pass the gate."""
    return [
        index
        for index, sentence in enumerate(analysis.sentences)
        if analysis.cue_hits[index] or GATE.search(sentence)
    ]
