"""classifiers stage: articles in, `Classification`s out (the `flashpoint classify` contract).

`ModelClassifier` (the default) scores candidate sentences with all-MiniLM-L6-v2
fine-tuned for the signals (`signal_model`, trained by `finetune`), read together with the
cue rules; `RuleClassifier` is the cue rules alone. Both are composed of plain modules:
`sentences` (splitter), `cues` (cue rules, the cheap gate), `context` (negation, denial,
history, irrealis, hedges),
`casualties` (figures), `gazetteer` (places), `severity` (0..5 table), `embedding`
(sentence embeddings for the event stage: ONNX Runtime or PyTorch), `thresholds`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import Classifier
from .rule_classifier import RuleClassifier

if TYPE_CHECKING:
    from flashpoint.core.settings import ClassifierSettings

    from .embedding import Embedder


def build_embedder(settings: ClassifierSettings) -> Embedder:
    """The sentence embedder the event stage compares reports with (onnx or torch)."""
    from .embedding import OnnxEmbedder, TorchEmbedder

    if settings.backend == "torch":
        return TorchEmbedder(settings.model_dir, batch_size=settings.batch_size)
    return OnnxEmbedder(
        settings.onnx_path,
        settings.model_dir,
        batch_size=settings.batch_size,
        threads=settings.threads,
    )


def build_classifier(settings: ClassifierSettings | None = None) -> Classifier:
    """The classifier the settings ask for: the fine-tuned model by default, or the rules."""
    from flashpoint.core.settings import ClassifierSettings

    from .model_classifier import ModelClassifier
    from .signal_model import OnnxSignalModel

    settings = settings or ClassifierSettings()
    if settings.backend == "rules":
        return RuleClassifier()
    model = OnnxSignalModel(
        settings.signal_model_path,
        settings.model_dir,
        batch_size=settings.batch_size,
        threads=settings.threads,
    )
    if settings.thresholds_path is None:
        return ModelClassifier(model)
    return ModelClassifier(model, thresholds_path=settings.thresholds_path)


def default_classifier() -> Classifier:
    """The classifier with default settings (the model, ONNX Runtime)."""
    return build_classifier()


__all__ = ["Classifier", "RuleClassifier", "build_classifier", "default_classifier"]
