"""`flashpoint calibrate`: choose the per-signal thresholds on labelled real reporting.

The model is trained on sentences the team wrote; real reporting reads differently (a
storming told in a wire lead, a "losses" line in a communiqué), so thresholds chosen on
held-out written sentences (`flashpoint train`) sit where the written text wants them. The
*tune* sets are real items labelled by hand for this and nothing else: FA-KES articles not
in the FA-KES evaluation set, and UCDP headlines from the dev half (the evaluation items are
all from the held-out half). Their labels are in `classifiers/data/real/tune/`; their text
stays in ../shared. Every article is classified once with every threshold at a floor, and
each signal's threshold is the middle of the near-best F1 plateau on the grid
(`thresholds.best_thresholds`, the same rule training uses). A signal with fewer than
`MIN_POSITIVES` tune items keeps the threshold training chose for it (`fallback`, the model
card's): a threshold chosen on a dozen items
moves with one or two articles (two-fold on the tune items, a floor of 8 and of 20 tie:
macro F1 0.749 and 0.745), and at 11 and 15 items it rose to 0.95 and 0.90 and silenced the
taxonomy's own worked examples of `offensive_warning` and `reinforcement`.

The sets `flashpoint evaluate` reports are never read here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from flashpoint.core.records import SIGNAL_TYPES

from .evaluate import REAL_LABELS_DIR, Row, _article, load_fakes, load_ucdp
from .model_classifier import ModelClassifier
from .thresholds import best_thresholds

TUNE_DIR = REAL_LABELS_DIR / "tune"
FAKES_TUNE_LABELS = TUNE_DIR / "fakes_tune.jsonl"
UCDP_TUNE_LABELS = TUNE_DIR / "ucdp_tune.jsonl"
MIN_POSITIVES = 20
# Every signal scoring at least this is kept in the classification, so its score is known.
FLOOR = 0.001


@dataclass(frozen=True)
class Calibration:
    thresholds: dict[str, float]
    f1: dict[str, float]  # on the tune set at the chosen threshold (optimistic)
    positives: dict[str, int]
    kept: list[str]  # signals with too few tune items: the fallback (training's) threshold


def load_tune_sets(shared: Path) -> list[Row]:
    """The tune items, text from `shared` (the folder with fakes/ and ucdp/)."""
    return [
        *load_fakes(shared / "fakes" / "articles.jsonl", FAKES_TUNE_LABELS),
        *load_ucdp(shared / "ucdp" / "events.jsonl", UCDP_TUNE_LABELS),
    ]


def calibrate(
    classifier: ModelClassifier, rows: Sequence[Row], fallback: dict[str, float]
) -> Calibration:
    """Thresholds chosen on `rows`; signals with too few positives take `fallback`'s."""
    floor = {signal: FLOOR for signal in SIGNAL_TYPES}
    scoring = ModelClassifier(classifier.model, thresholds=floor, gazetteer=classifier.gazetteer)
    classifications = scoring.classify_batch([_article(row) for row in rows])
    labels = np.array(
        [[float(signal in row["signals"]) for signal in SIGNAL_TYPES] for row in rows],
        dtype=np.float32,
    )
    scores = np.zeros((len(rows), len(SIGNAL_TYPES)))
    for number, classification in enumerate(classifications):
        for signal in classification.signals:
            scores[number, SIGNAL_TYPES.index(signal.type)] = signal.score
    chosen, f1 = best_thresholds(labels, scores)
    positives = {signal: int(labels[:, i].sum()) for i, signal in enumerate(SIGNAL_TYPES)}
    kept = [signal for signal in SIGNAL_TYPES if positives[signal] < MIN_POSITIVES]
    thresholds = {
        signal: fallback[signal] if signal in kept else chosen[signal]
        for signal in SIGNAL_TYPES
    }
    return Calibration(thresholds, f1, positives, kept)
