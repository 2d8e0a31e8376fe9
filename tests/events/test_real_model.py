"""With the real all-MiniLM-L6-v2 (ONNX): paraphrases join, other incidents do not.

Also one end-to-end run: the project's classifier on articles written here, then the
clustering stage, as the worker will chain them.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from classifiers import build_classifier
from classifiers.base import Classifier
from classifiers.embedding import OnnxEmbedder
from flashpoint.core.event_settings import EventSettings
from flashpoint.core.records import Article, ClassifiedArticle
from flashpoint.events.clustering import EventClusterer, report_text
from flashpoint.events.store import InMemoryEventStore

from .builders import KADUGLI, SOUTH_KORDOFAN, SUDAN, T0, Clock, classified


@pytest.fixture(scope="module")
def embedder() -> OnnxEmbedder:
    return OnnxEmbedder()


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return build_classifier()


MARKET = classified(
    "p1",
    "Artillery shells struck a crowded market in Kadugli on Monday morning, killing five "
    "people, residents said.",
    title="Kadugli market shelled",
    signals=["shelling", "casualties"],
    killed=5,
)
# The same incident in other words, from another outlet; its signals do not overlap.
PARAPHRASE = classified(
    "p2",
    "Paramilitary fighters fired mortar rounds into the busy central market of Kadugli on "
    "Monday, leaving five civilians dead, witnesses said.",
    title="Five dead as mortars hit Kadugli market",
    signals=["civilian_harm"],
    places=[KADUGLI, SOUTH_KORDOFAN, SUDAN],
    source="Sudan Daily",
    at=T0 + timedelta(hours=2),
)
# Another incident in the same town the same day; its signals do not overlap either.
REINFORCEMENT = classified(
    "p3",
    "The army flew fresh troops and armoured vehicles into Kadugli airport ahead of "
    "expected talks, officials said.",
    title="Army sends reinforcements to Kadugli",
    signals=["reinforcement"],
    at=T0 + timedelta(hours=3),
)


def test_paraphrases_are_similar_and_other_incidents_are_not(embedder: OnnxEmbedder) -> None:
    vectors = embedder.embed([report_text(item) for item in (MARKET, PARAPHRASE, REINFORCEMENT)])
    similarity = vectors @ vectors.T
    threshold = EventSettings().min_text_similarity

    assert np.linalg.norm(vectors, axis=1) == pytest.approx([1.0, 1.0, 1.0], abs=1e-4)
    assert similarity[0, 1] >= threshold + 0.05
    assert similarity[0, 2] <= threshold - 0.05
    assert similarity[1, 2] <= threshold - 0.05


def test_a_paraphrase_joins_by_text_and_another_incident_does_not(
    embedder: OnnxEmbedder,
) -> None:
    stage = EventClusterer(InMemoryEventStore(), embed=embedder.embed, clock=Clock())

    market = stage.add(MARKET)
    paraphrase = stage.add(PARAPHRASE)
    reinforcement = stage.add(REINFORCEMENT)

    assert market is not None and paraphrase is not None and reinforcement is not None
    assert paraphrase.event.event_id == market.event.event_id
    assert [s.article_id for s in paraphrase.event.sources] == ["p1", "p2"]
    assert reinforcement.kind == "new"


def test_classifier_then_events(classifier: Classifier, embedder: OnnxEmbedder) -> None:
    articles = [
        Article(
            id="k1",
            title="Kadugli market shelled, five killed",
            text="Artillery shells struck a crowded market in Kadugli on Monday morning, "
            "killing five people and wounding eleven, residents said. The paramilitary "
            "forces have besieged the town in South Kordofan for weeks.",
            source="Kordofan Wire",
            published_at=T0,
        ),
        Article(
            id="k2",
            title="Mortars hit Kadugli market",
            text="Paramilitary fighters fired mortar rounds into the busy central market of "
            "Kadugli on Monday. A doctor at the town hospital said eight people were "
            "killed, most of them traders.",
            source="Sudan Daily",
            published_at=T0 + timedelta(hours=3),
        ),
        Article(
            id="k3",
            title="Fighters pull back in South Kordofan",
            text="The army and the paramilitary forces agreed on Wednesday to a humanitarian "
            "truce around Kadugli, mediators announced, and fighters began pulling back "
            "from the market district.",
            source="Kordofan Wire",
            published_at=T0 + timedelta(hours=40),
        ),
    ]
    items = [
        ClassifiedArticle(
            article=article,
            classification=classification,
            classified_at=T0 + timedelta(hours=41),
        )
        for article, classification in zip(
            articles, classifier.classify_batch(articles), strict=True
        )
    ]
    stage = EventClusterer(InMemoryEventStore(), embed=embedder.embed, clock=Clock())

    updates = stage.add_many(items)

    assert all(update is not None for update in updates)
    first, second, truce = (u for u in updates if u is not None)
    assert first.kind == "new"
    assert second.event.event_id == truce.event.event_id == first.event.event_id
    assert [s.article_id for s in truce.event.sources] == ["k1", "k2", "k3"]
    # Two outlets disagree (5 and 8): the lower is stated, both stay as the range.
    figures = sorted(i.classification.casualties.killed or 0 for i in items[:2])
    assert truce.event.killed.stated == figures[0]
    assert (truce.event.killed.low, truce.event.killed.high) == (figures[0], figures[1])
    assert truce.kind == "de_escalation"
