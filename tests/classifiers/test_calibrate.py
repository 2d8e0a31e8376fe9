"""Thresholds chosen on labelled real reporting: the tune items, never the evaluation items."""

from __future__ import annotations

import json

import pytest

from classifiers import default_classifier
from classifiers.calibrate import (
    FAKES_TUNE_LABELS,
    MIN_POSITIVES,
    UCDP_TUNE_LABELS,
    calibrate,
    load_tune_sets,
)
from classifiers.evaluate import REAL_LABELS_DIR, load_jsonl, split_of
from classifiers.model_classifier import ModelClassifier
from classifiers.signal_model import DEFAULT_SIGNAL_MODEL_PATH, card_path
from classifiers.thresholds import load_thresholds
from flashpoint.core.records import SIGNAL_TYPES

from ..conftest import SHARED


def ids(path: object) -> set[str]:
    return {row["id"] for row in load_jsonl(path)}  # type: ignore[arg-type]


def test_tune_items_are_never_evaluation_items() -> None:
    assert not ids(FAKES_TUNE_LABELS) & ids(REAL_LABELS_DIR / "fakes_signals.jsonl")
    assert {split_of(i) for i in ids(UCDP_TUNE_LABELS)} == {"dev"}
    assert {split_of(i) for i in ids(REAL_LABELS_DIR / "ucdp_signals.jsonl")} == {"test"}


def test_tune_labels_use_the_taxonomy() -> None:
    for path in (FAKES_TUNE_LABELS, UCDP_TUNE_LABELS):
        for row in load_jsonl(path):
            assert set(row["signals"]) <= set(SIGNAL_TYPES), row["id"]
            assert row["kind"] in {"report", "roundup", "list", "non_english"}


@pytest.fixture(scope="module")
def model() -> ModelClassifier:
    classifier = default_classifier()
    assert isinstance(classifier, ModelClassifier)
    return classifier


def test_the_shipped_thresholds_are_the_calibrated_ones(model: ModelClassifier) -> None:
    """Changing the model, the rules or the tune labels without `flashpoint calibrate`
    fails here, as the training data digest does for the model."""
    rows = load_tune_sets(SHARED / "data")
    assert len(rows) >= 480
    result = calibrate(model, rows, training_thresholds())
    assert result.thresholds == load_thresholds()
    assert result.kept == [s for s in SIGNAL_TYPES if result.positives[s] < MIN_POSITIVES]


def test_a_signal_with_few_tune_items_keeps_the_training_threshold(
    model: ModelClassifier,
) -> None:
    rows = load_tune_sets(SHARED / "data")[:40]
    odd = dict(training_thresholds(), withdrawal=0.65)
    result = calibrate(model, rows, odd)
    assert "withdrawal" in result.kept
    assert result.thresholds["withdrawal"] == 0.65


def training_thresholds() -> dict[str, float]:
    card = json.loads(card_path(DEFAULT_SIGNAL_MODEL_PATH).read_text())
    thresholds: dict[str, float] = card["thresholds"]
    return thresholds
