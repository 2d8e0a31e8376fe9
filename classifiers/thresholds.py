"""Per-signal score thresholds: `classifiers/model/thresholds.yaml`, validated when it loads,
and the one way they are chosen (`best_thresholds`), by `flashpoint train` and
`flashpoint calibrate`."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import numpy.typing as npt
import yaml

from flashpoint.core.errors import ConfigError
from flashpoint.core.records import SIGNAL_TYPES

# Shipped beside the model they were calibrated for, as package data: an install outside
# the checkout has them (`pip install .`). A desk may point the settings at its own file.
DEFAULT_THRESHOLDS_PATH = Path(__file__).resolve().parent / "model" / "thresholds.yaml"
THRESHOLD_GRID = np.round(np.arange(0.50, 0.951, 0.05), 2)
PLATEAU = 0.01


def load_thresholds(path: Path = DEFAULT_THRESHOLDS_PATH) -> dict[str, float]:
    """One threshold in (0, 1) for every signal id; `ConfigError` names the bad key."""
    try:
        document = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file (run flashpoint train)") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from None
    if not isinstance(document, dict) or not isinstance(document.get("thresholds"), dict):
        raise ConfigError(f"{path}: thresholds: expected a mapping of signal id to number")
    table = document["thresholds"]
    for key, value in table.items():
        if key not in SIGNAL_TYPES:
            raise ConfigError(f"{path}: thresholds.{key}: unknown signal id")
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
            raise ConfigError(f"{path}: thresholds.{key}: expected a number between 0 and 1")
    missing = [signal for signal in SIGNAL_TYPES if signal not in table]
    if missing:
        raise ConfigError(f"{path}: thresholds.{missing[0]}: missing")
    unexpected = set(document) - {"thresholds"}
    if unexpected:
        raise ConfigError(f"{path}: {sorted(unexpected)[0]}: unknown key")
    return {signal: float(table[signal]) for signal in SIGNAL_TYPES}


def best_thresholds(
    labels: npt.NDArray[np.float32], probabilities: npt.NDArray[np.float64]
) -> tuple[dict[str, float], dict[str, float]]:
    """Per signal, the middle of the grid thresholds whose F1 is within `PLATEAU` of the
    best, and the F1 there.

    `labels` and `probabilities` have one row per article and one column per signal. F1 is
    often flat over a range of thresholds and its maximum falls anywhere on that plateau by
    chance; the middle of the plateau is the choice least sensitive to that noise.
    """
    thresholds: dict[str, float] = {}
    scores: dict[str, float] = {}
    for column, signal in enumerate(SIGNAL_TYPES):
        y = labels[:, column] > 0.5
        f1s = []
        for threshold in THRESHOLD_GRID:
            predicted = probabilities[:, column] >= threshold
            tp = float(np.sum(predicted & y))
            fp = float(np.sum(predicted & ~y))
            fn = float(np.sum(~predicted & y))
            f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
        plateau = [i for i, f1 in enumerate(f1s) if f1 >= max(f1s) - PLATEAU]
        middle = plateau[(len(plateau) - 1) // 2]  # of an even plateau, the lower middle
        thresholds[signal] = float(THRESHOLD_GRID[middle])
        scores[signal] = f1s[middle]
    return thresholds, scores


def write_thresholds(thresholds: dict[str, float], path: Path, chosen_on: str) -> None:
    """Write thresholds as the configuration a desk may edit, saying where they came from."""
    note = (
        "Score thresholds per signal, one per TAXONOMY.md id: a signal fires when its best"
        f" sentence scores at least this. Validated when it loads. Written by {chosen_on}."
        " Tune by hand if needed (`flashpoint evaluate` shows the effect)."
    )
    lines = ["# " + line for line in textwrap.wrap(note, 86)]
    body = yaml.safe_dump({"thresholds": thresholds}, sort_keys=False)
    path.write_text("\n".join(lines) + "\n" + body)
