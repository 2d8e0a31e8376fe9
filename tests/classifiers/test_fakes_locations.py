"""Location accuracy and throughput on FA-KES (804 real articles about the Syrian war).

The corpus lives outside the repository, in ../shared (its text stays out of the
project). `location_label` names a governorate or city; it is resolved through the
gazetteer to a governorate, and the top extracted location's admin1 must match it.
FA-KES has no label for Rif Dimashq (Damascus countryside): its annotators filed Ghouta,
Douma and Darayya under "damascus", so for that label both Damascus and Rif Dimashq count
("lenient"); the strict score (Damascus != Rif Dimashq) is printed and held too.

FA-KES is the development set of the place extraction, so every rule the gazetteer uses to
reach this score must be a general one, for any conflict, and none names an article or a
Syrian place. They are, with the gazetteer's docstrings for the detail:

* transliteration variants (`textnorm.variant_key`): the Arabic article dropped or glued
  ("Deir Ezzor", "Deir Ezour"), q/k, gh/g, final "h", two vowel classes ("Idleb", "Efrin",
  "Menbij", "Tadmor"); only for places of the country the article is about, in countries
  whose names are transliterated from a non-Latin script;
* a possessive that lost its apostrophe ("Aleppos"); a suffix that completes a known
  name ("Damascus countryside", "Kyiv oblast"); named landmark regions with their admin1
  (Eastern Ghouta, Qalamoun, Golan Heights, Nuba Mountains, as Donbas and Darfur were);
* no place from a group or person name ("Ahrar al-Sham", "Jaish al-Islam", "Abu ..."), a
  demonym ("Iraqi"), or a word the text also writes in lower case ("Missile");
* country context without demonyms for the article's main country ("Russian forces took a
  village near Pokrovsk" is in Ukraine); compound modifiers are metonymy ("U.S.-led");
* ranking: the headline's first place, else the lead's first place of the main country,
  is what the story is about (a "BEIRUT" dateline is not); headline mentions count three
  times; a town and its admin1 reinforce each other.

What is left (about 65 of 804, printed with -s as label -> top admin1): articles naming
several governorates where the label is one of the others (about two thirds), articles
whose labelled governorate is never named, articles naming no Syrian place below the
country, and duplicated articles that carry different labels.
"""

from __future__ import annotations

import json
from pathlib import Path

from classifiers import RuleClassifier
from classifiers.evaluate import fakes_governorate_accuracy
from classifiers.gazetteer import Gazetteer
from flashpoint.core.records import Article

FAKES = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "fakes" / "articles.jsonl"
# Measured 0.919 (lenient) / 0.878 (strict); before the rules above: 0.846 / 0.813.
ACCURACY_FLOOR = 0.909
STRICT_ACCURACY_FLOOR = 0.868


def load() -> list[dict[str, str]]:
    assert FAKES.exists(), f"FA-KES corpus missing at {FAKES}"
    with FAKES.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def test_location_accuracy_on_fakes(gazetteer: Gazetteer) -> None:
    result = fakes_governorate_accuracy(gazetteer, FAKES)
    assert result.articles == 804
    print(
        f"FA-KES top-location governorate accuracy: {result.lenient:.3f} "
        f"(strict, Damascus != Rif Dimashq: {result.strict:.3f})"
    )
    print(
        "misses, label -> top admin1:",
        ", ".join(f"{w} -> {g}: {n}" for (w, g), n in result.misses.most_common()),
    )
    assert result.lenient >= ACCURACY_FLOOR
    assert result.strict >= STRICT_ACCURACY_FLOOR


def test_a_war_corpus_reads_as_one(classifier: RuleClassifier) -> None:
    articles = [Article(id=r["id"], title=r["title"], text=r["text"]) for r in load()]
    results = classifier.classify_batch(articles)
    assert len(results) == len(articles)
    assert sum(1 for r in results if r.signals) > len(articles) * 0.9
