"""Benchmark: the default classifier on the 804 FA-KES articles, in one process.

    .venv/bin/python -m bench.classify [--runs 3] [--batch 32]

Per run, in the same process and on the same articles:
- classifier: `classify_batch` over batches of `--batch` articles; articles/s and
  sentences/s (every sentence of title and text), and the time spent inside the
  fine-tuned signal model, so that overhead = everything but the model;
- bare model: the same signal model scoring every sentence of the same articles.
Reports medians over runs, the ratio classifier/bare model, and peak memory (max RSS).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import time
from collections.abc import Sequence
from datetime import UTC, datetime

from classifiers import build_classifier
from classifiers.sentences import split_sentences
from classifiers.signal_model import Probabilities, SignalModel
from flashpoint.core.records import Article
from flashpoint.core.settings import ClassifierSettings
from tests.conftest import FAKES


class TimedModel:
    """Wraps the signal model and adds up the seconds spent in it."""

    def __init__(self, inner: SignalModel) -> None:
        self.inner = inner
        self.seconds = 0.0
        self.sentences = 0

    @property
    def name(self) -> str:
        return self.inner.name

    def probabilities(self, sentences: Sequence[str]) -> Probabilities:
        start = time.perf_counter()
        try:
            return self.inner.probabilities(sentences)
        finally:
            self.seconds += time.perf_counter() - start
            self.sentences += len(sentences)


def load_articles() -> list[Article]:
    articles = []
    for line in FAKES.read_text().splitlines():
        row = json.loads(line)
        month, day, year = (int(part) for part in row["published"].split("/"))
        articles.append(
            Article(
                id=row["id"],
                title=row["title"],
                text=row["text"],
                published_at=datetime(year, month, day, tzinfo=UTC),
            )
        )
    return articles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=32)
    options = parser.parse_args()
    settings = ClassifierSettings()
    articles = load_articles()
    sentences = [
        s for a in articles for s in (*split_sentences(a.title or ""), *split_sentences(a.text))
    ]
    from classifiers.model_classifier import ModelClassifier

    classifier = build_classifier(settings)
    assert isinstance(classifier, ModelClassifier)
    timed = TimedModel(classifier.model)
    classifier.model = timed
    classifier.classify_batch(articles[:8])  # warm up: gazetteer, sessions, caches
    rows = []
    for run in range(1, options.runs + 1):
        timed.seconds, timed.sentences = 0.0, 0
        start = time.perf_counter()
        for first in range(0, len(articles), options.batch):
            classifier.classify_batch(articles[first : first + options.batch])
        total = time.perf_counter() - start
        model_seconds, scored = timed.seconds, timed.sentences
        start = time.perf_counter()
        timed.inner.probabilities(sentences)
        bare = time.perf_counter() - start
        rows.append((total, model_seconds, scored, bare))
        print(
            f"run {run}: classifier {len(articles) / total:.1f} articles/s "
            f"({len(sentences) / total:.0f} sentences/s; {scored} of {len(sentences)} "
            f"sentences scored; model {model_seconds:.1f} s of {total:.1f} s); bare model "
            f"over every sentence {bare:.1f} s ({len(sentences) / bare:.0f} sentences/s)",
            flush=True,
        )
    total = statistics.median(r[0] for r in rows)
    model = statistics.median(r[1] for r in rows)
    bare = statistics.median(r[3] for r in rows)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"\n{len(articles)} FA-KES articles ({len(sentences)} sentences), {options.runs} runs, "
        f"{classifier.version}; {platform.machine()}, {os.cpu_count()} cores, "
        f"{datetime.now(UTC):%Y-%m-%d}\n"
    )
    print("| metric | median of runs |\n|---|---|")
    print(
        f"| classifier throughput | {len(articles) / total:.1f} articles/s, "
        f"{len(sentences) / total:.0f} sentences/s |"
    )
    print(f"| sentences through the model (gate) | {rows[-1][2]} of {len(sentences)} |")
    print(
        f"| bare model, every sentence | {bare:.1f} s ({len(sentences) / bare:.0f} sentences/s) |"
    )
    print(f"| classifier time / bare model time | {total / bare:.2f} |")
    print(
        f"| classifier overhead (all but the model) | {(total - model) / total:.1%} of its time |"
    )
    print(f"| peak memory (max RSS) | {peak_mib:.0f} MiB |")


if __name__ == "__main__":
    main()
