"""`flashpoint evaluate`: how well a classifier does, on written and on real text.

Three sets, scored the same way (`score`):

- `dev`: `classifiers/data/dev.jsonl`, paragraphs the team wrote (never trained on), with
  signals, casualty figures, places and a `category` (hard negatives among them);
- `fakes`: real FA-KES articles (text in `../shared/data/fakes`), signals and figures
  labelled by hand by id in `classifiers/data/real/fakes_signals.jsonl`, place = the
  article's `location_label` (a Syrian governorate);
- `ucdp`: real UCDP GED headlines (text in `../shared/data/ucdp`), signals and the figures
  the text states labelled by hand in `classifiers/data/real/ucdp_signals.jsonl`; places
  are UCDP's own (country, admin1, coordinates). `ucdp-reports` leaves out the roundups
  and lists that name no incident (the labels' `kind`).

Real texts are labelled by id only (docs/LABELING.md); their text is read from
`../shared` at run time and never copied into the project. None of them is trained on.

Reported per set: precision, recall and F1 per signal and their macro average (over the
signals the set has); false alarms on hard negatives (protest, riot, crime, police);
places: the share of labelled places whose country is among the extracted ones, whose
country and admin1 are, and (where the label has coordinates precise to 25 km) whose point
is within 25 km of an extracted one; figures: killed and injured exact, over the items
whose label states that figure, and the (killed, injured) pair exact over all items.

`place_coverage` scores the top place of every UCDP headline (not only the labelled ones):
the share given a country, and how often that country is UCDP's.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flashpoint.core.geo import haversine_km
from flashpoint.core.records import SIGNAL_TYPES, Article, Classification, Location

from .base import Classifier
from .gazetteer import Gazetteer, same_admin1

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_DEV_PATH = DATA_DIR / "dev.jsonl"
REAL_LABELS_DIR = DATA_DIR / "real"
FALSE_ALARM_CATEGORIES = frozenset({"protest", "riot", "crime", "police"})
NEAR_KM = 25.0
# FA-KES labels a governorate by a lower-case English name.
FAKES_GOVERNORATES = {
    "aleppo": "Aleppo",
    "damascus": "Damascus",
    "daraa": "Daraa",
    "deir ezzor": "Deir ez-Zor",
    "hama": "Hama",
    "hasakeh": "Al-Hasakah",
    "homs": "Homs",
    "idlib": "Idlib",
    "lattakia": "Latakia",
    "quneitra": "Quneitra",
    "raqqa": "Raqqa",
    "tartous": "Tartus",
}

Row = dict[str, Any]


@dataclass(frozen=True)
class SignalScore:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class Evaluation:
    name: str
    articles: int
    signals: dict[str, SignalScore]
    false_alarm_rate: float
    false_alarm_articles: int
    places: int
    country_accuracy: float
    admin1_accuracy: float
    near_places: int
    near_accuracy: float
    casualty_exact_match: float
    killed_items: int
    killed_exact: float
    injured_items: int
    injured_exact: float
    misses: list[str] = field(default_factory=list)

    @property
    def macro_f1(self) -> float:
        """Mean F1 over the signals this set has examples of."""
        present = [score.f1 for score in self.signals.values() if score.support]
        return sum(present) / len(present) if present else 0.0

    @property
    def macro_precision(self) -> float:
        present = [score.precision for score in self.signals.values() if score.support]
        return sum(present) / len(present) if present else 0.0

    @property
    def macro_recall(self) -> float:
        present = [score.recall for score in self.signals.values() if score.support]
        return sum(present) / len(present) if present else 0.0


def load_jsonl(path: Path) -> list[Row]:
    with path.open(encoding="utf-8") as stream:
        return [json.loads(line) for line in stream if line.strip()]


def load_dev(path: Path = DEFAULT_DEV_PATH) -> list[Row]:
    return load_jsonl(path)


def split_of(item_id: str) -> str:
    """ "dev" or "test": a fixed half of a real set by a hash of the id. Rules for places and
    figures were developed on the dev half of UCDP; the test half is held out."""
    digest = hashlib.sha1(("flashpoint-split:" + item_id).encode()).hexdigest()
    return "dev" if int(digest[:8], 16) % 2 == 0 else "test"


def _labels(path: Path) -> dict[str, Row]:
    return {row["id"]: row for row in load_jsonl(path)} if path.exists() else {}


def load_ucdp(
    events_path: Path, labels_path: Path = REAL_LABELS_DIR / "ucdp_signals.jsonl"
) -> list[Row]:
    """The labelled UCDP headlines as scoring rows (text from `events_path`)."""
    labels = _labels(labels_path)
    rows = []
    for event in load_jsonl(events_path):
        label = labels.get(event["id"])
        if label is None:
            continue
        precise = event.get("where_prec") is not None and event["where_prec"] <= 2
        rows.append(
            {
                "id": event["id"],
                "text": event["text"],
                "published_at": event.get("date"),
                "signals": label["signals"],
                "casualties": {"killed": label.get("killed"), "injured": label.get("injured")},
                "locations": [
                    {
                        "country": event["country"],
                        "admin1": event.get("admin1"),
                        "lat": event["lat"] if precise else None,
                        "lon": event["lon"] if precise else None,
                    }
                ],
                "kind": label.get("kind", "report"),
            }
        )
    return rows


def load_fakes(
    articles_path: Path, labels_path: Path = REAL_LABELS_DIR / "fakes_signals.jsonl"
) -> list[Row]:
    """The labelled FA-KES articles as scoring rows (text from `articles_path`)."""
    labels = _labels(labels_path)
    rows = []
    for article in load_jsonl(articles_path):
        label = labels.get(article["id"])
        if label is None:
            continue
        month, day, year = (int(part) for part in article["published"].split("/"))
        rows.append(
            {
                "id": article["id"],
                "title": article["title"],
                "text": article["text"],
                "published_at": datetime(year, month, day, tzinfo=UTC).isoformat(),
                "signals": label["signals"],
                "casualties": {"killed": label.get("killed"), "injured": label.get("injured")},
                "locations": [
                    {
                        "country": "SY",
                        "admin1": FAKES_GOVERNORATES.get(article["location_label"]),
                    }
                ],
                "kind": label.get("kind", "report"),
            }
        )
    return rows


def _article(row: Row) -> Article:
    published = row.get("published_at")
    when = datetime.fromisoformat(str(published)) if published else None
    if when is not None and when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return Article(
        id=str(row["id"]),
        text=str(row["text"]),
        title=str(row["title"]) if row.get("title") else None,
        published_at=when,
    )


def evaluate(classifier: Classifier, rows: Sequence[Row], name: str = "dev") -> Evaluation:
    predictions = classifier.classify_batch([_article(row) for row in rows])
    return score(rows, predictions, name)


def _near(place: Row, found: Iterable[Location]) -> bool:
    return any(
        loc.lat is not None
        and loc.lon is not None
        and haversine_km(place["lat"], place["lon"], loc.lat, loc.lon) <= NEAR_KM
        for loc in found
    )


def score(
    rows: Sequence[Row], predictions: Sequence[Classification], name: str = "dev"
) -> Evaluation:
    counts = {signal: [0, 0, 0] for signal in SIGNAL_TYPES}  # tp, fp, fn
    alarm_rows = alarms = 0
    places = country_hits = admin1_hits = near_places = near_hits = 0
    pair_hits = killed_items = killed_hits = injured_items = injured_hits = 0
    misses: list[str] = []
    for row, predicted in zip(rows, predictions, strict=True):
        gold = set(row["signals"])
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
        for place in row.get("locations") or []:
            places += 1
            same_country = [loc for loc in predicted.locations if loc.country == place["country"]]
            country_hits += bool(same_country)
            admin1_hits += any(
                same_admin1(place["country"], place.get("admin1"), loc.admin1)
                for loc in same_country
            )
            if place.get("lat") is not None and place.get("lon") is not None:
                near_places += 1
                near_hits += _near(place, predicted.locations)
        want = row.get("casualties") or {}
        got = predicted.casualties
        pair_hits += (got.killed, got.injured) == (want.get("killed"), want.get("injured"))
        if want.get("killed") is not None:
            killed_items += 1
            killed_hits += got.killed == want["killed"]
        if want.get("injured") is not None:
            injured_items += 1
            injured_hits += got.injured == want["injured"]
    signals = {}
    for signal, (tp, fp, fn) in counts.items():
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        signals[signal] = SignalScore(precision, recall, f1, tp + fn)
    return Evaluation(
        name=name,
        articles=len(rows),
        signals=signals,
        false_alarm_rate=alarms / alarm_rows if alarm_rows else 0.0,
        false_alarm_articles=alarm_rows,
        places=places,
        country_accuracy=country_hits / places if places else 0.0,
        admin1_accuracy=admin1_hits / places if places else 0.0,
        near_places=near_places,
        near_accuracy=near_hits / near_places if near_places else 0.0,
        casualty_exact_match=pair_hits / len(rows) if rows else 0.0,
        killed_items=killed_items,
        killed_exact=killed_hits / killed_items if killed_items else 0.0,
        injured_items=injured_items,
        injured_exact=injured_hits / injured_items if injured_items else 0.0,
        misses=misses,
    )


@dataclass(frozen=True)
class PlaceCoverage:
    """Top place of each headline against UCDP's country: how often given, how often right."""

    split: str
    headlines: int
    given: float
    right_when_given: float
    among_places: float


def place_coverage(gazetteer: Gazetteer, events_path: Path) -> list[PlaceCoverage]:
    """`PlaceCoverage` of every UCDP headline: the dev half, the held-out test half, all."""
    events = load_jsonl(events_path)
    tallies: dict[str, Counter[str]] = {"dev half": Counter(), "test half": Counter()}
    for event in events:
        tally = tallies[f"{split_of(event['id'])} half"]
        found = gazetteer.locate(event["text"])
        tally["headlines"] += 1
        if found:
            tally["given"] += 1
            tally["right"] += found[0].country == event["country"]
        tally["among"] += any(loc.country == event["country"] for loc in found)
    tallies["all"] = tallies["dev half"] + tallies["test half"]
    return [
        PlaceCoverage(
            split,
            t["headlines"],
            t["given"] / t["headlines"] if t["headlines"] else 0.0,
            t["right"] / t["given"] if t["given"] else 0.0,
            t["among"] / t["headlines"] if t["headlines"] else 0.0,
        )
        for split, t in tallies.items()
    ]


@dataclass(frozen=True)
class FakesLocationAccuracy:
    articles: int
    lenient: float  # Damascus also accepts Rif Dimashq (FA-KES has no label for it)
    strict: float
    misses: Counter[tuple[str | None, str | None]]  # (label's governorate, top admin1)


def fakes_governorate_accuracy(gazetteer: Gazetteer, path: Path) -> FakesLocationAccuracy:
    """Top extracted place's admin1 against each FA-KES article's `location_label`."""
    rows = load_jsonl(path)
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
