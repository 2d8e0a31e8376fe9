"""The pipeline's routing stage without Kafka: batches, and desks changed while it runs."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
import sqlalchemy.exc

from classifiers.rule_classifier import RuleClassifier
from flashpoint.alerts.subscriptions import parse_subscription
from flashpoint.core.records import (
    Article,
    Classification,
    ClassifiedArticle,
    DeadLetter,
    EventUpdate,
)
from flashpoint.core.settings import Settings
from streams.pipeline import Pipeline, Routed, StageError, build_pipeline, each_apart
from tests.audit.builders import dead_letter
from tests.support.records import NOW, make_classified

KADUGLI = (
    "Five soldiers were killed when their patrol struck a roadside bomb near Kadugli on "
    "Tuesday, the army said."
)

SUBSCRIPTIONS = """
desks:
  - id: sudan
    name: Sudan desk
    subscriptions:
      - id: sudan-all
        regions: [{country: SD}]
        channels: {slack: ["#sudan-desk"]}
"""


@pytest.fixture
def pipeline(tmp_path: Path) -> Iterator[Pipeline]:
    path = tmp_path / "subscriptions.yaml"
    path.write_text(SUBSCRIPTIONS)
    built = build_pipeline(
        Settings(database_url=f"sqlite:///{tmp_path / 'audit.db'}", subscriptions_path=path),
        classifier=RuleClassifier(),
    )
    try:
        yield built
    finally:
        built.store.close()


def routed_to(pipeline: Pipeline, article_id: str) -> list[str]:
    alerts, _ = pipeline.route(make_classified(article_id=article_id))
    return sorted(f"{alert.subscription_id} {alert.channel}" for alert in alerts)


def test_a_batch_is_routed_in_order_and_each_article_joins_its_event(
    pipeline: Pipeline,
) -> None:
    items = [make_classified(article_id=f"art-{n}") for n in range(3)]

    results = pipeline.route_many(items)

    routed = [result for result in results if not isinstance(result, StageError)]
    assert len(routed) == len(results)
    assert [[a.article.id for a in alerts] for alerts, _ in routed] == [
        ["art-0"],
        ["art-1"],
        ["art-2"],
    ]
    events = [alerts[0].event for alerts, _ in routed]
    assert all(event is not None for event in events)
    assert [e.kind for e in events if e is not None] == ["new", "report", "report"]
    assert len({e.event.event_id for e in events if e is not None}) == 1


def test_a_subscription_added_while_running_takes_effect_without_a_restart(
    pipeline: Pipeline,
) -> None:
    assert routed_to(pipeline, "art-1") == ["sudan-all slack:#sudan-desk"]

    pipeline.desks.add_desk("kordofan", "Kordofan desk")
    pipeline.desks.add_subscription(
        "kordofan",
        parse_subscription(
            {
                "id": "kordofan-south",
                "regions": [{"country": "SD", "admin1": ["South Kordofan"]}],
                "channels": {"slack": ["#kordofan"]},
            },
            "test",
        ),
    )
    assert routed_to(pipeline, "art-2") == [
        "kordofan-south slack:#kordofan",
        "sudan-all slack:#sudan-desk",
    ]

    pipeline.desks.remove_subscription("sudan-all")
    assert routed_to(pipeline, "art-3") == ["kordofan-south slack:#kordofan"]
    assert pipeline.refresh_subscriptions() is False  # nothing changed since


class ChokesOn:
    """A classifier that raises on one article, as a tokenizer might on text it cannot read."""

    version = "chokes-1"

    def __init__(self, poisoned: str) -> None:
        self.poisoned = poisoned
        self.rules = RuleClassifier()

    def classify_batch(self, articles: Sequence[Article]) -> list[Classification]:
        if any(article.id == self.poisoned for article in articles):
            raise RecursionError("maximum recursion depth exceeded")
        return self.rules.classify_batch(articles)


def test_an_article_the_classifier_cannot_read_is_set_apart_and_the_batch_goes_on(
    pipeline: Pipeline,
) -> None:
    pipeline.classifier = ChokesOn("bad")
    articles = [Article(id=name, text=KADUGLI) for name in ("before", "bad", "after")]

    results = pipeline.classify(articles)

    assert [type(r).__name__ for r in results] == [
        "ClassifiedArticle",
        "StageError",
        "ClassifiedArticle",
    ]
    error = results[1]
    assert isinstance(error, StageError)
    assert error.reason == "classification failed"
    assert error.detail.startswith("RecursionError: maximum recursion depth")
    assert pipeline.store.get_article("after") is not None
    assert pipeline.store.get_article("bad") is None


def test_a_locked_database_is_not_blamed_on_the_article(pipeline: Pipeline) -> None:
    def locked(batch: Sequence[str]) -> list[str]:
        raise sqlalchemy.exc.OperationalError("INSERT", {}, Exception("database is locked"))

    with pytest.raises(sqlalchemy.exc.OperationalError):
        each_apart(locked, ["a", "b"], "classification failed")


def test_a_dead_letter_the_database_refuses_is_logged_and_the_worker_goes_on(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def refused(letter: DeadLetter) -> None:
        raise sqlalchemy.exc.DataError("INSERT", {}, Exception("text cannot contain NUL"))

    letter = dead_letter(5)
    assert pipeline.record_dead_letter(letter) is True
    monkeypatch.setattr(pipeline.store, "record_dead_letter", refused)
    with caplog.at_level(logging.ERROR):
        assert pipeline.record_dead_letter(letter) is False
    [logged] = [r.getMessage() for r in caplog.records if "dead letter" in r.getMessage()]
    assert "offset 5 not kept" in logged and "NUL" in logged

    def locked(letter: DeadLetter) -> None:
        raise sqlalchemy.exc.OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(pipeline.store, "record_dead_letter", locked)
    with pytest.raises(sqlalchemy.exc.OperationalError):  # waited out by the caller
        pipeline.record_dead_letter(letter)


def test_an_article_that_cannot_be_routed_is_set_apart(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_many = pipeline.clusterer.add_many

    def fragile(items: Sequence[ClassifiedArticle]) -> list[EventUpdate | None]:
        if any(item.article.id == "bad" for item in items):
            raise OverflowError("date value out of range")
        return add_many(items)

    monkeypatch.setattr(pipeline.clusterer, "add_many", fragile)
    items = [make_classified(article_id=name) for name in ("before", "bad", "after")]

    routed = pipeline.route_many(items)

    assert isinstance(routed[1], StageError)
    assert routed[1].reason == "routing failed"
    assert [len(r[0]) for r in (routed[0], routed[2]) if not isinstance(r, StageError)] == [1, 1]


FIRST_TOLL = (
    "Artillery shelled residential districts of Kadugli on Tuesday, killing five civilians, "
    "the army said."
)
REVISED_TOLL = FIRST_TOLL.replace("five", "seven")


def test_a_corrected_text_is_a_revision_routed_again_and_a_replay_is_not(
    pipeline: Pipeline,
) -> None:
    def classify_and_route(text: str) -> tuple[ClassifiedArticle, Routed]:
        [item] = pipeline.classify([Article(id="kadugli-1", title="Kadugli", text=text)])
        assert isinstance(item, ClassifiedArticle)
        return item, pipeline.route(item)

    first, (first_alerts, _) = classify_and_route(FIRST_TOLL)
    revised, (revised_alerts, _) = classify_and_route(REVISED_TOLL)
    replayed, (replayed_alerts, _) = classify_and_route(REVISED_TOLL)

    assert (first.revision, revised.revision, replayed.revision) == (0, 1, 1)
    assert revised.classification.casualties.killed == 7
    [one], [two], [three] = first_alerts, revised_alerts, replayed_alerts
    assert one.alert_id != two.alert_id  # a new alert for the desk
    assert two.alert_id == three.alert_id  # a replay: the ledger refuses it at delivery
    assert two.event is not None and one.event is not None
    assert two.event.event.event_id == one.event.event.event_id
    assert two.event.kind == "escalated"
    assert two.event.changes[:2] == ["revised report (revision 1)", "killed 5 → 7 in this report"]
    assert two.event.event.killed.stated == 7
    assert [s.casualties.killed for s in two.event.event.sources] == [7]
    assert three.event is not None and three.event.kind == "report"
    history = pipeline.store.get_article("kadugli-1")
    assert history is not None and len(history.classifications) == 2


def test_revisions_are_numbered_in_the_order_seen(pipeline: Pipeline) -> None:
    first = Article(id="a", text=FIRST_TOLL)
    second = Article(id="a", text=REVISED_TOLL)
    numbers = [
        pipeline.store.revision_of(article, NOW) for article in (first, first, second, first)
    ]
    assert numbers == [0, 0, 1, 0]
    assert pipeline.store.revision_of(Article(id="b", text=REVISED_TOLL), NOW) == 0
