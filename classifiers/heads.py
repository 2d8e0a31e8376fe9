"""Per-signal heads: logistic regressions over a sentence's embedding and its cue scores.

A sentence's features are its unit-length embedding (384 numbers) followed by the cue
rules' score for each of the 13 signals (0 when no cue fired, or when negation, denial,
history or a threat vetoed it). Each signal has one logistic regression over all of them,
so a head can trust a strong cue, overrule one that fires on a protest, and catch a
phrasing no cue knows. Its output is a probability: the calibrated score 0..1.

The artifact is one small JSON file (`classifiers/model/heads.json`) with the weights,
the embedding model's name, a hash of the training data, and a version hash over all of
it, which goes into every `Classification.model` and the audit history.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from flashpoint.records import SIGNAL_TYPES

from .embedding import Matrix

DEFAULT_HEADS_PATH = Path(__file__).resolve().parent / "model" / "heads.json"
WEIGHT_DECIMALS = 6
# The cue scores are 13 columns beside 384 embedding dimensions; scaling them up lets a
# regularised head give a strong cue its due (chosen on the dev set: 1, 3 or 6 tried).
CUE_WEIGHT = 3.0


def cue_vector(hits: Mapping[str, float]) -> npt.NDArray[np.float32]:
    """The cue scores of one sentence, in `SIGNAL_TYPES` order."""
    return np.array([hits.get(signal, 0.0) for signal in SIGNAL_TYPES], dtype=np.float32)


def features(embeddings: Matrix, cues: npt.NDArray[np.float32]) -> Matrix:
    """Embedding ⊕ weighted cue scores, one row per sentence."""
    stacked: Matrix = np.hstack([embeddings, cues * CUE_WEIGHT]).astype(np.float32)
    return stacked


@dataclass(frozen=True)
class Heads:
    """One logistic regression per signal: `weights` (13 × d) and `bias` (13)."""

    weights: npt.NDArray[np.float64]
    bias: npt.NDArray[np.float64]
    embedder: str
    training_data: str
    version: str

    def scores(self, rows: Matrix) -> npt.NDArray[np.float64]:
        """Probability per sentence (rows) and signal (columns, `SIGNAL_TYPES` order)."""
        logits = rows.astype(np.float64) @ self.weights.T + self.bias
        result: npt.NDArray[np.float64] = 1.0 / (1.0 + np.exp(-logits))
        return result

    def to_json(self) -> str:
        return json.dumps(
            {
                "version": self.version,
                "embedder": self.embedder,
                "training_data": self.training_data,
                "signals": list(SIGNAL_TYPES),
                "weights": self.weights.round(WEIGHT_DECIMALS).tolist(),
                "bias": self.bias.round(WEIGHT_DECIMALS).tolist(),
            },
            indent=None,
            separators=(",", ":"),
        )

    @classmethod
    def build(
        cls,
        weights: npt.NDArray[np.float64],
        bias: npt.NDArray[np.float64],
        embedder: str,
        training_data: str,
    ) -> Heads:
        """Round the weights and stamp the version: the same inputs give the same file."""
        weights = weights.round(WEIGHT_DECIMALS)
        bias = bias.round(WEIGHT_DECIMALS)
        digest = hashlib.sha256()
        digest.update(f"{embedder}|{training_data}|{list(SIGNAL_TYPES)}|{CUE_WEIGHT}".encode())
        digest.update(np.ascontiguousarray(weights).tobytes())
        digest.update(np.ascontiguousarray(bias).tobytes())
        return cls(weights, bias, embedder, training_data, "heads-" + digest.hexdigest()[:8])

    @classmethod
    def load(cls, path: Path = DEFAULT_HEADS_PATH) -> Heads:
        document = json.loads(path.read_text())
        if document["signals"] != list(SIGNAL_TYPES):
            raise ValueError(f"{path}: heads were trained for other signals; run flashpoint train")
        return cls(
            weights=np.array(document["weights"], dtype=np.float64),
            bias=np.array(document["bias"], dtype=np.float64),
            embedder=document["embedder"],
            training_data=document["training_data"],
            version=document["version"],
        )
