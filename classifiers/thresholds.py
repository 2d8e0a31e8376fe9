"""Per-signal score thresholds from `config/thresholds.yaml`, validated when they load."""

from __future__ import annotations

from pathlib import Path

import yaml

from flashpoint.errors import ConfigError
from flashpoint.records import SIGNAL_TYPES

DEFAULT_THRESHOLDS_PATH = Path(__file__).resolve().parent.parent / "config" / "thresholds.yaml"


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
