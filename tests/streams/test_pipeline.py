"""The pipeline's routing stage without Kafka: batches, and desks changed while it runs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from alerts.subscriptions import parse_subscription
from classifiers.rule_classifier import RuleClassifier
from flashpoint.settings import Settings
from streams.pipeline import Pipeline, build_pipeline
from tests.support.records import make_classified

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
    [(alerts, _)] = pipeline.route_many([make_classified(article_id=article_id)])
    return sorted(f"{alert.subscription_id} {alert.channel}" for alert in alerts)


def test_a_batch_is_routed_in_order_and_each_article_joins_its_event(
    pipeline: Pipeline,
) -> None:
    items = [make_classified(article_id=f"art-{n}") for n in range(3)]

    routed = pipeline.route_many(items)

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
