"""Surge alerts through the real broker: a week of quiet, then a burst, then one alert.

The worker counts every escalation report per region in Faust windowed tables (fed by
the region-keyed topic), raises a surge when the last 24 hours exceed `factor` times the
trailing 7-day daily mean, and routes it to the desks whose regions include it: one Slack
card and one email to the Sudan desk, a suppression for the Ukraine desk, all audited.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition

from flashpoint.audit.store import AuditStore
from tests.e2e.conftest import KADUGLI, Stack
from tests.support.slack_server import PostedMessage
from tests.support.worker import wait_for

WORKER_TIMEOUT = 120.0
SURGE_SETTINGS = {
    "FLASHPOINT_SURGE__FACTOR": "2",
    "FLASHPOINT_SURGE__MIN_COUNT": "3",
    "FLASHPOINT_WORKER__COMMIT_INTERVAL_S": "0.5",
}


def decided(store: AuditStore, article_id: str) -> bool:
    history = store.get_article(article_id)
    return history is not None and bool(history.decisions)


def surge_messages(stack: Stack) -> list[PostedMessage]:
    return [m for m in stack.slack.messages if (m.text or "").startswith("[Surge]")]


def consumed(stack: Stack, topic_key: str, expected: int) -> bool:
    """Whether the worker has committed every one of `expected` records on a topic."""
    topic = stack.env[f"FLASHPOINT_TOPICS__{topic_key}"]
    group = stack.env["FLASHPOINT_WORKER__APP_ID"]
    consumer = KafkaConsumer(bootstrap_servers=stack.broker.bootstrap)
    admin = KafkaAdminClient(bootstrap_servers=stack.broker.bootstrap)
    try:
        partitions = [
            TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        ends = consumer.end_offsets(partitions)
        committed = admin.list_group_offsets({group: partitions}).get(group, {})
    finally:
        consumer.close()
        admin.close()
    if sum(ends.values()) < expected:
        return False
    return all(
        end == 0 or (tp in committed and committed[tp].offset >= end) for tp, end in ends.items()
    )


def publish_kadugli_burst(stack: Stack, now: datetime) -> None:
    """Five Kadugli reports in the half hour before `now`, from five wires."""
    for n in range(5):
        stack.publish_article(
            f"kadugli-burst-{n}",
            KADUGLI,
            title=f"Kadugli shelled again ({n})",
            source=f"Wire {n}",
            url=f"https://news.example.org/kadugli/{n}",
            published_at=(now - timedelta(minutes=30 - n)).isoformat(),
        )


def test_a_burst_after_a_quiet_week_raises_one_surge_alert(stack: Stack) -> None:
    stack.worker.start(**SURGE_SETTINGS)
    store: AuditStore = stack.store()
    now = datetime.now(UTC)
    window_start = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1, days=-1)
    # One report a day for the 7 days before the 24-hour window: the usual tempo.
    for day in range(1, 8):
        published = window_start - timedelta(days=day) + timedelta(hours=12)
        stack.publish_article(
            f"kadugli-day-{day}",
            KADUGLI,
            title=f"Kadugli, day {day}",
            published_at=published.isoformat(),
        )
    baseline = [f"kadugli-day-{day}" for day in range(1, 8)]
    wait_for(
        lambda: all(decided(store, article_id) for article_id in baseline),
        timeout=WORKER_TIMEOUT,
        worker=stack.worker,
        what="the week's reports to be routed",
    )
    # Then five reports in the last hour: the same signals, five times the daily tempo.
    # With factor 2 the third one crosses the line; the fourth and fifth must not alert
    # again (once per window).
    publish_kadugli_burst(stack, now)

    wait_for(
        lambda: surge_messages(stack),
        timeout=WORKER_TIMEOUT,
        worker=stack.worker,
        what="the surge message on Slack",
    )
    # Every report counted and every surge handled: nothing more can come.
    wait_for(
        lambda: consumed(stack, "BY_REGION", 12) and consumed(stack, "SURGES", 1),
        timeout=WORKER_TIMEOUT,
        worker=stack.worker,
        what="the surge topics to be consumed",
    )

    [message] = surge_messages(stack)
    assert message.channel == "#sudan-desk"
    assert (message.text or "").startswith("[Surge] Surge in South Kordofan (SD): ")
    card = str(message.blocks)
    assert "over the 7 days before" in card
    assert "https://news.example.org/kadugli/" in card  # the latest reports, linked
    emails = [
        m
        for m in stack.smtp.messages
        if m.message["Subject"] == "[Flashpoint] Surge in South Kordofan (SD)"
    ]
    assert [m.rcpt_tos for m in emails] == [["sudan-desk@example.org"]]

    surge_id = emails[0].message["X-Flashpoint-Surge"]
    # The surge's decisions are filed under its newest report (which one depends on the
    # order the two raw partitions were read in).
    [history] = [
        history
        for n in range(5)
        if (history := store.get_article(f"kadugli-burst-{n}")) is not None
        and any(d.alert_id == surge_id for d in history.decisions)
    ]
    decisions = {d.desk_id: d for d in history.decisions if d.alert_id == surge_id}
    assert decisions["sudan"].outcome == "matched"
    assert decisions["sudan"].channels == ["slack:#sudan-desk", "email:sudan-desk@example.org"]
    assert decisions["ukraine"].outcome == "suppressed"
    assert "outside the subscription's regions" in decisions["ukraine"].reason
    assert sorted(d.status for d in history.deliveries if d.alert_id == surge_id) == [
        "sent",
        "sent",
    ]
