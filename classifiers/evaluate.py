"""`flashpoint evaluate`: how well a classifier does on a labelled development set.

The development set (`classifiers/data/dev.jsonl`, never used for training) has per
paragraph: `signals`, `casualties` {killed, injured}, `locations` [{name, country,
admin1}] and a `category`. Reported:

- per signal precision, recall and F1 (article level), and the macro F1;
- false alarms: the share of protest, riot, crime and police paragraphs given any signal;
- locations: of the labelled places, the share whose country, and whose country and
  admin1, appear among the extracted places;
- casualties: the share of paragraphs whose (killed, injured) pair matches exactly.

`fakes_governorate_accuracy` scores the top extracted place of each FA-KES article
against its `location_label` (a Syrian governorate or city).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from flashpoint.records import SIGNAL_TYPES, Article, Classification

from .base import Classifier
from .gazetteer import Gazetteer
from .textnorm import name_key

DEFAULT_DEV_PATH = Path(__file__).resolve().parent / "data" / "dev.jsonl"
FALSE_ALARM_CATEGORIES = frozenset({"protest", "riot", "crime", "police"})
_ADMIN1_SUFFIX = re.compile(
    r"\b(?:governorate|province|oblast|state|region|division|prefecture|district|city)\b"
)


@dataclass(frozen=True)
class SignalScore:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class Evaluation:
    articles: int
    signals: dict[str, SignalScore]
    false_alarm_rate: float
    false_alarm_articles: int
    country_accuracy: float
    admin1_accuracy: float
    places: int
    casualty_exact_match: float
    misses: list[str] = field(default_factory=list)

    @property
    def macro_f1(self) -> float:
        return sum(score.f1 for score in self.signals.values()) / len(self.signals)


def load_dev(path: Path = DEFAULT_DEV_PATH) -> list[dict[str, object]]:
    with path.open(encoding="utf-8") as stream:
        return [json.loads(line) for line in stream if line.strip()]


def _article(row: dict[str, object]) -> Article:
    published = row.get("published_at")
    return Article(
        id=str(row["id"]),
        text=str(row["text"]),
        title=str(row["title"]) if row.get("title") else None,
        published_at=datetime.fromisoformat(str(published)) if published else None,
    )


def admin1_key(name: str | None) -> str:
    """Compare admin1 names loosely: "Kharkiv Oblast" = "Kharkiv", "Idlib Governorate" = "Idlib"."""
    if not name:
        return ""
    return name_key(_ADMIN1_SUFFIX.sub(" ", name.lower()))


def evaluate(classifier: Classifier, rows: Sequence[dict[str, object]]) -> Evaluation:
    predictions = classifier.classify_batch([_article(row) for row in rows])
    return score(rows, predictions)


def score(rows: Sequence[dict[str, object]], predictions: Sequence[Classification]) -> Evaluation:
    counts = {signal: [0, 0, 0] for signal in SIGNAL_TYPES}  # tp, fp, fn
    alarm_rows = alarms = 0
    places = country_hits = admin1_hits = casualty_hits = 0
    misses: list[str] = []
    for row, predicted in zip(rows, predictions, strict=True):
        gold = set(row["signals"])  # type: ignore[call-overload]
        found = predicted.signal_types()
        for signal in SIGNAL_TYPES:
            if signal in found and signal in gold:
                counts[signal][0] += 1
            elif signal in found:
                counts[signal][1] += 1
                misses.append(f"{row['id']}: false {signal}")
            elif signal in gold:
                counts[signal][2] += 1
                misses.append(f"{row['id']}: missed {signal}")
        if row.get("category") in FALSE_ALARM_CATEGORIES:
            alarm_rows += 1
            alarms += bool(found)
        extracted = {(loc.country, admin1_key(loc.admin1)) for loc in predicted.locations}
        for place in row.get("locations") or []:  # type: ignore[attr-defined]
            places += 1
            country_hits += any(country == place["country"] for country, _ in extracted)
            admin1_hits += (place["country"], admin1_key(place.get("admin1"))) in extracted
        want = row.get("casualties") or {}
        got = predicted.casualties
        casualty_hits += (got.killed, got.injured) == (want.get("killed"), want.get("injured"))  # type: ignore[attr-defined]
    signals = {}
    for signal, (tp, fp, fn) in counts.items():
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        signals[signal] = SignalScore(precision, recall, f1, tp + fn)
    return Evaluation(
        articles=len(rows),
        signals=signals,
        false_alarm_rate=alarms / alarm_rows if alarm_rows else 0.0,
        false_alarm_articles=alarm_rows,
        country_accuracy=country_hits / places if places else 0.0,
        admin1_accuracy=admin1_hits / places if places else 0.0,
        places=places,
        casualty_exact_match=casualty_hits / len(rows) if rows else 0.0,
        misses=misses,
    )


@dataclass(frozen=True)
class FakesLocationAccuracy:
    articles: int
    lenient: float  # Damascus also accepts Rif Dimashq (FA-KES has no label for it)
    strict: float
    misses: Counter[tuple[str | None, str | None]]  # (label's governorate, top admin1)


def fakes_governorate_accuracy(gazetteer: Gazetteer, path: Path) -> FakesLocationAccuracy:
    """Top extracted place's admin1 against each FA-KES article's `location_label`."""
    with path.open(encoding="utf-8") as stream:
        rows = [json.loads(line) for line in stream if line.strip()]
    lenient = strict = 0
    misses: Counter[tuple[str | None, str | None]] = Counter()
    for row in rows:
        places = [
            p for p in gazetteer.lookup(row["location_label"]) if p.country == "SY" and p.admin1
        ]
        want = places[0].admin1 if places else None
        locations = gazetteer.locate(row["text"], row["title"])
        got = locations[0].admin1 if locations else None
        strict += got == want
        hit = got == want or (want == "Damascus" and got == "Rif Dimashq")
        lenient += hit
        if not hit:
            misses[(want, got)] += 1
    return FakesLocationAccuracy(len(rows), lenient / len(rows), strict / len(rows), misses)
