"""The fine-tuned signal model at run time: sentences in, a probability per signal out.

`OnnxSignalModel` runs the int8 ONNX file that `flashpoint train` writes
(`classifiers/model/signals.onnx`, see `classifiers.finetune`) with ONNX Runtime on the
CPU, tokenizing with `transformers` from the all-MiniLM-L6-v2 folder (fine-tuning does not
change the vocabulary). Its model card (`signals.json`, beside it) must list the same
signal ids as the taxonomy, in order: a model trained for other signals is refused.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

from flashpoint.core.errors import ConfigError
from flashpoint.core.records import SIGNAL_TYPES

from .embedding import TOKENIZER_DIR, SortedTokenizer, file_digest

DEFAULT_SIGNAL_MODEL_PATH = Path(__file__).resolve().parent / "model" / "signals.onnx"
Probabilities = npt.NDArray[np.float64]


def card_path(model_path: Path) -> Path:
    """The model card beside the weights: version, data digest, settings, thresholds."""
    return model_path.with_suffix(".json")


class SignalModel(Protocol):
    """Scores sentences: one row per sentence, one column per signal (`SIGNAL_TYPES`)."""

    @property
    def name(self) -> str:
        """The model's version, for `Classification.model` and the audit history."""
        ...

    def probabilities(self, sentences: Sequence[str]) -> Probabilities:
        """Sigmoid probabilities, in input order."""
        ...


class OnnxSignalModel:
    """The fine-tuned all-MiniLM-L6-v2 (int8) through ONNX Runtime."""

    def __init__(
        self,
        path: Path = DEFAULT_SIGNAL_MODEL_PATH,
        model_dir: Path | None = None,
        *,
        max_tokens: int = 64,
        batch_size: int = 32,
        threads: int = 0,
    ) -> None:
        import onnxruntime

        self.path = path
        card = card_path(path)
        try:
            signals = json.loads(card.read_text())["signals"]
        except (OSError, ValueError, KeyError) as error:
            raise ConfigError(f"{card}: cannot read the model card: {error}") from None
        if signals != list(SIGNAL_TYPES):
            raise ConfigError(f"{card}: trained for other signals; run flashpoint train")
        self._tokens = SortedTokenizer(model_dir or TOKENIZER_DIR, max_tokens, batch_size)
        options = onnxruntime.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        self._session = onnxruntime.InferenceSession(
            str(path), options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {item.name for item in self._session.get_inputs()}

    @cached_property
    def name(self) -> str:
        return f"signals-{file_digest(self.path)}"

    def probabilities(self, sentences: Sequence[str]) -> Probabilities:
        result = np.zeros((len(sentences), len(SIGNAL_TYPES)))
        for indices, encoded in self._tokens.batches(sentences):
            feeds = {k: v.astype(np.int64) for k, v in encoded.items() if k in self._inputs}
            if "token_type_ids" in self._inputs and "token_type_ids" not in feeds:
                feeds["token_type_ids"] = np.zeros_like(feeds["input_ids"])
            logits = self._session.run(None, feeds)[0].astype(np.float64)
            result[indices] = 1.0 / (1.0 + np.exp(-logits))
        return result
