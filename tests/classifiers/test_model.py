"""The model-backed classifier: offline embeddings, both backends, heads, thresholds."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from classifiers import build_classifier
from classifiers.embedding import OnnxEmbedder, TorchEmbedder, default_model_dir
from classifiers.heads import DEFAULT_HEADS_PATH, Heads
from classifiers.model_classifier import ModelClassifier
from classifiers.thresholds import load_thresholds
from classifiers.train import load_training_set, train
from flashpoint.errors import ConfigError
from flashpoint.records import SIGNAL_TYPES, Article
from flashpoint.settings import ClassifierSettings

WORKED_EXAMPLE = (
    "Five soldiers were killed and a dozen wounded when their patrol struck a roadside bomb "
    "near Kadugli on Tuesday, the army said. Hours later the paramilitary forces shelled "
    "residential districts of the town, which they had besieged since March, despite a truce "
    "brokered last month. Witnesses reported columns of pickup trucks with fresh fighters "
    "arriving from the west, and local leaders warned of an imminent assault on the airport. "
    "The town was retaken by the army in 2023."
)


@pytest.fixture(scope="module")
def onnx() -> OnnxEmbedder:
    return OnnxEmbedder()


@pytest.fixture(scope="module")
def sentences() -> list[str]:
    return load_training_set().texts[::12]


def test_nothing_is_fetched_from_a_hub(onnx: OnnxEmbedder) -> None:
    assert os.environ.get("HF_HUB_OFFLINE") == "1"
    assert onnx.model_dir == default_model_dir()
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


def test_model_classifier_reads_the_worked_example_as_taxonomy_does(onnx: OnnxEmbedder) -> None:
    [result] = ModelClassifier(onnx).classify_batch([Article(id="k", text=WORKED_EXAMPLE)])
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
    assert re.fullmatch(r"minilm-onnx-[0-9a-f]{8}/heads-[0-9a-f]{8}", result.model)


def test_the_default_classifier_is_the_model() -> None:
    classifier = build_classifier(ClassifierSettings())
    assert isinstance(classifier, ModelClassifier)
    assert build_classifier(ClassifierSettings(backend="rules")).version.startswith("rules-")


def test_training_is_reproducible_and_matches_the_shipped_heads(onnx: OnnxEmbedder) -> None:
    training = load_training_set()
    first, second = train(onnx, training), train(onnx, training)
    assert first.heads.version == second.heads.version
    assert first.thresholds == second.thresholds
    shipped = Heads.load(DEFAULT_HEADS_PATH)
    assert shipped.training_data == training.digest
    assert np.allclose(shipped.weights, first.heads.weights, atol=1e-3)
    assert load_thresholds() == first.thresholds


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
