"""`flashpoint train`: rebuild the per-signal heads from `classifiers/data/train.jsonl`.

Reproducible: the data are read in file order, the embeddings are deterministic, the
solver (lbfgs) is deterministic, folds use a fixed seed, and weights are rounded before
they are hashed into the version. The development set (`dev.jsonl`) is never read here.

Thresholds: out-of-fold probabilities from a 5-fold cross-validation over the training
sentences pick, per signal, the threshold with the best F1; they are written to
`config/thresholds.yaml`, where a person may tune them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import yaml

from flashpoint.records import SIGNAL_TYPES

from . import cues
from .embedding import Embedder
from .heads import DEFAULT_HEADS_PATH, Heads, cue_vector, features

DEFAULT_TRAIN_PATH = Path(__file__).resolve().parent / "data" / "train.jsonl"
# Training sentences carry no date; cue rules date clauses against this year.
TRAIN_REFERENCE_YEAR = 2026
REGULARISATION_C = 16.0
FOLDS = 5
SEED = 20261125
# An article takes its best sentence of ~10, so thresholds start at 0.6 to keep
# article-level false alarms down (see docs/EVALUATION.md for how this was chosen).
THRESHOLD_GRID = np.round(np.arange(0.60, 0.91, 0.05), 2)


@dataclass(frozen=True)
class TrainingSet:
    texts: list[str]
    labels: npt.NDArray[np.int8]  # sentences × signals
    digest: str


@dataclass(frozen=True)
class TrainingResult:
    heads: Heads
    thresholds: dict[str, float]
    cross_validated_f1: dict[str, float]


def load_training_set(path: Path = DEFAULT_TRAIN_PATH) -> TrainingSet:
    raw = path.read_bytes()
    texts: list[str] = []
    rows: list[list[int]] = []
    for number, line in enumerate(raw.decode("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        record = json.loads(line)
        unknown = set(record["labels"]) - set(SIGNAL_TYPES)
        if unknown:
            raise ValueError(f"{path}:{number}: unknown signal ids {sorted(unknown)}")
        texts.append(record["text"])
        rows.append([int(signal in record["labels"]) for signal in SIGNAL_TYPES])
    digest = "train-" + hashlib.sha256(raw).hexdigest()[:8]
    return TrainingSet(texts, np.array(rows, dtype=np.int8), digest)


def sentence_features(embedder: Embedder, texts: list[str]) -> npt.NDArray[np.float32]:
    hits = [
        {
            s: hit.score
            for s, hit in cues.score_sentence(t, reference_year=TRAIN_REFERENCE_YEAR).items()
        }
        for t in texts
    ]
    cue_rows = np.vstack([cue_vector(h) for h in hits])
    return features(embedder.embed(texts), cue_rows)


def _fit(
    x: npt.NDArray[np.float32], y: npt.NDArray[np.int8]
) -> tuple[npt.NDArray[np.float64], float]:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=REGULARISATION_C, solver="lbfgs", max_iter=5000)
    model.fit(x, y)
    return model.coef_[0].astype(np.float64), float(model.intercept_[0])


def _best_threshold(y: npt.NDArray[np.int8], p: npt.NDArray[np.float64]) -> tuple[float, float]:
    best = (0.5, -1.0)
    for threshold in THRESHOLD_GRID:
        predicted = p >= threshold
        tp = float(np.sum(predicted & (y == 1)))
        fp = float(np.sum(predicted & (y == 0)))
        fn = float(np.sum(~predicted & (y == 1)))
        f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        if f1 > best[1] + 1e-9:
            best = (float(threshold), f1)
    return best


def train(embedder: Embedder, training: TrainingSet) -> TrainingResult:
    """Fit one head per signal on every sentence; cross-validate the thresholds."""
    from sklearn.model_selection import KFold

    x = sentence_features(embedder, training.texts)
    weights = np.zeros((len(SIGNAL_TYPES), x.shape[1]))
    bias = np.zeros(len(SIGNAL_TYPES))
    thresholds: dict[str, float] = {}
    cv_f1: dict[str, float] = {}
    folds = list(KFold(n_splits=FOLDS, shuffle=True, random_state=SEED).split(x))
    for column, signal in enumerate(SIGNAL_TYPES):
        y = training.labels[:, column]
        weights[column], bias[column] = _fit(x, y)
        out_of_fold = np.zeros(len(y))
        for fit_rows, held_rows in folds:
            w, b = _fit(x[fit_rows], y[fit_rows])
            out_of_fold[held_rows] = 1 / (1 + np.exp(-(x[held_rows] @ w + b)))
        thresholds[signal], cv_f1[signal] = _best_threshold(y, out_of_fold)
    heads = Heads.build(weights, bias, embedder.name, training.digest)
    return TrainingResult(heads, thresholds, cv_f1)


def write_artifacts(
    result: TrainingResult,
    heads_path: Path = DEFAULT_HEADS_PATH,
    thresholds_path: Path | None = None,
) -> None:
    heads_path.parent.mkdir(parents=True, exist_ok=True)
    heads_path.write_text(result.heads.to_json() + "\n")
    if thresholds_path is not None:
        lines = [
            "# Score thresholds per signal, one per TAXONOMY.md id: a signal fires when its",
            "# best sentence scores at least this. Written by `flashpoint train` from a",
            "# 5-fold cross-validation on the training sentences; tune by hand if needed",
            "# (`flashpoint evaluate` shows the effect). Validated when it loads.",
        ]
        body = yaml.safe_dump({"thresholds": result.thresholds}, sort_keys=False)
        thresholds_path.write_text("\n".join(lines) + "\n" + body)
