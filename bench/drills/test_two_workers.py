"""Drills, not part of the suite: two workers in one group, one of them SIGKILLed.

    for run in 1 2 3 4 5; do .venv/bin/pytest -q -p no:cacheprovider bench/drills; done

Both workers use one PostgreSQL database, as a deployment of several workers would. The
first worker alone counts a quiet week of Kadugli reports (its surge tables hold every
region); the second joins. Then reports from ten towns go out and the first worker is
SIGKILLed, either between two halves of the burst (once the first half is delivered and
committed; the second half arrives while its partitions wait for its session to expire)
or in the middle of it. The survivor should take over all four partitions, deliver every
alert to Slack and email exactly once, and raise one surge on a later Kadugli burst whose
baseline is the week the dead worker counted (read back from the table's changelog).

They are drills because they do not pass every time (docs/BENCHMARKS.md has the counts
and the diagnosis). After the rebalance the survivor sometimes stops reading a partition
it took over (the group is stable, the committed offset stays behind the end), or commits
past an outbound record it never delivered (one alert reached Slack, its email was never
tried, and every offset is committed); and a message the killed worker had handed to Slack
or SMTP but not yet recorded can go out twice. Until that is mended, one worker per
consumer group is what the README claims.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition

from tests.e2e.conftest import KADUGLI, Stack
from tests.e2e.test_surge import (
    SURGE_SETTINGS,
    consumed,
    decided,
    publish_kadugli_burst,
    surge_messages,
)
from tests.support.postgres import PostgresServer
from tests.support.worker import WorkerProcess, stable_members, wait_for

WORKER_TIMEOUT = 180.0
# Five Sudanese and five Ukrainian towns in ten provinces: ten events, none a surge.
TOWNS = [
    "El Fasher",
    "Nyala",
    "El Geneina",
    "Wad Madani",
    "Kassala",
    "Kharkiv",
    "Kherson",
    "Sumy",
    "Odesa",
    "Zaporizhzhia",
]


@pytest.fixture
def database_url(postgres_server: PostgresServer) -> Iterator[str]:
    """Several workers share a server database; this test runs on PostgreSQL only."""
    url = postgres_server.create_database()
    yield url
    postgres_server.drop_database(url)


def report(town: str) -> str:
    return (
        f"Artillery shelled residential districts of {town} on Tuesday, killing four "
        "civilians and wounding nine others, local officials said."
    )


def town_alerts(stack: Stack) -> tuple[list[str], list[str]]:
    """The towns of the burst named by each Slack parent and each email, one per message."""

    def town_of(text: str) -> list[str]:
        return [town for town in TOWNS if f"{town} shelled" in text]

    slack = [t for m in stack.slack.parents() for t in town_of(str(m.body))]
    mails = [t for m in stack.smtp.messages for t in town_of(str(m.message["Subject"]))]
    return slack, mails


class TwoWorkers:
    """The stack's worker and a second one in its consumer group, and the test's steps."""

    def __init__(self, stack: Stack, tmp_path: Path) -> None:
        self.stack = stack
        self.first = stack.worker
        self.second = WorkerProcess(
            {
                **stack.env,
                "FLASHPOINT_WORKER__DATA_DIR": str(tmp_path / "worker-2"),
                "FLASHPOINT_WORKER__METRICS_PORT": "0",
            },
            tmp_path / "worker-2.log",
        )
        self.store = stack.store()
        self.now = datetime.now(UTC)
        self.week = [f"kadugli-day-{day}" for day in range(1, 8)]

    def count_a_quiet_week_then_join(self) -> None:
        """The first worker alone counts one Kadugli report a day for a week; then the
        second joins and the group is stable with both."""
        stack, store = self.stack, self.store
        self.first.start(**SURGE_SETTINGS)
        hour = self.now.replace(minute=0, second=0, microsecond=0)
        window_start = hour + timedelta(hours=1, days=-1)
        for day in range(1, 8):
            stack.publish_article(
                f"kadugli-day-{day}",
                KADUGLI,
                title=f"Kadugli, day {day}",
                published_at=(window_start - timedelta(days=day, hours=-12)).isoformat(),
            )
        wait_for(
            lambda: (
                all(decided(store, article_id) for article_id in self.week)
                and consumed(stack, "BY_REGION", 7)
            ),
            timeout=WORKER_TIMEOUT,
            worker=self.first,
            what="the quiet week counted by the first worker",
        )
        self.second.start(**SURGE_SETTINGS)
        group = stack.env["FLASHPOINT_WORKER__APP_ID"]
        wait_for(
            lambda: stable_members(stack.broker.bootstrap, group) == 2,
            timeout=WORKER_TIMEOUT,
            worker=self.second,
            what="the second worker in the group",
        )

    def publish(self, towns: list[str]) -> None:
        for town in towns:
            self.stack.publish_article(f"burst-{town}", report(town), title=f"{town} shelled")

    def wait_for_every_town(self) -> None:
        stack = self.stack
        try:
            wait_for(
                lambda: (
                    len(town_alerts(stack)[0]) == len(town_alerts(stack)[1]) == len(TOWNS)
                    and consumed(stack, "RAW", len(self.week) + len(TOWNS))
                    and consumed(stack, "OUTBOUND", len(TOWNS))
                ),
                timeout=WORKER_TIMEOUT,
                worker=self.second,
                what="every town's alert on Slack and by email after the kill",
            )
        except AssertionError as error:
            raise AssertionError(f"{self.where_things_stand()}\n{error}") from None

    def where_things_stand(self) -> str:
        """What reached Slack, email and the database, and each topic's offsets."""
        stack, store = self.stack, self.store
        slack, mails = town_alerts(stack)
        lines = [
            f"slack: {sorted(slack)}",
            f"email: {sorted(mails)}",
            "decided: " + str([t for t in TOWNS if decided(store, f"burst-{t}")]),
        ]
        for town in TOWNS:
            if town in slack and town in mails:
                continue
            history = store.get_article(f"burst-{town}")
            if history is None:
                lines.append(f"{town}: not in the audit history")
                continue
            matched = [d.channels for d in history.decisions if d.outcome == "matched"]
            alert_ids = sorted({d.alert_id for d in history.decisions})
            lines.append(f"{town}: alerts {alert_ids}, matched {matched}")
            for delivery in history.deliveries:
                outcomes = [(e.status, e.error) for e in delivery.events]
                lines.append(f"  {delivery.channel}: {delivery.status} {outcomes}")
        group = stack.env["FLASHPOINT_WORKER__APP_ID"]
        consumer = KafkaConsumer(bootstrap_servers=stack.broker.bootstrap)
        admin = KafkaAdminClient(bootstrap_servers=stack.broker.bootstrap)
        try:
            for key in ("RAW", "CLASSIFIED", "OUTBOUND", "BY_REGION"):
                topic = stack.env[f"FLASHPOINT_TOPICS__{key}"]
                parts = [TopicPartition(topic, p) for p in range(4)]
                ends = consumer.end_offsets(parts)
                committed = admin.list_group_offsets({group: parts}).get(group, {})
                lines.append(
                    f"{key}: "
                    + ", ".join(
                        f"p{tp.partition} {getattr(committed.get(tp), 'offset', None)}/{ends[tp]}"
                        for tp in parts
                    )
                )
        finally:
            consumer.close()
            admin.close()
        return "\n".join(lines)

    def check_exactly_once_and_the_surge(self) -> None:
        """One Slack parent and one email per town, whoever sent it (the survivor's
        replays were refused); then a Kadugli burst raises one surge whose baseline is the
        week the killed worker counted: one report a day."""
        stack = self.stack
        slack_parents, mails = town_alerts(stack)
        assert sorted(slack_parents) == sorted(mails) == sorted(TOWNS)
        message_ids = [m.message["Message-ID"] for m in stack.smtp.messages]
        assert len(set(message_ids)) == len(message_ids)

        publish_kadugli_burst(stack, self.now)
        wait_for(
            lambda: surge_messages(stack) and consumed(stack, "SURGES", 1),
            timeout=WORKER_TIMEOUT,
            worker=self.second,
            what="the surge message on Slack",
        )
        summary = self.store.summary()
        assert summary.deliveries_failed == 0
        assert summary.articles_classified == len(self.week) + len(TOWNS) + 5
        [message] = surge_messages(stack)
        card = str(message.blocks)
        found = re.search(
            r"(\d+) escalation signals in [\d.]+ h from (\d+) reports; usually ([\d.]+) a day",
            card,
        )
        assert found is not None, card
        count, reports, daily = int(found[1]), int(found[2]), float(found[3])
        assert daily == pytest.approx(count / reports, abs=0.05)
        self.second.assert_alive()


@pytest.mark.partitions(4)
def test_killed_between_two_halves_of_a_burst(stack: Stack, tmp_path: Path) -> None:
    workers = TwoWorkers(stack, tmp_path)
    try:
        workers.count_a_quiet_week_then_join()
        first_half, second_half = TOWNS[::2], TOWNS[1::2]
        workers.publish(first_half)
        wait_for(
            lambda: (
                sorted(town_alerts(stack)[0]) == sorted(town_alerts(stack)[1]) == sorted(first_half)
                and consumed(stack, "OUTBOUND", len(first_half))
            ),
            timeout=WORKER_TIMEOUT,
            worker=workers.second,
            what="the first half of the burst delivered by the two workers",
        )
        workers.first.kill()
        # Reports keep coming while the dead worker's partitions wait for its session to
        # expire; the survivor takes them over with what is queued on them.
        workers.publish(second_half)
        workers.wait_for_every_town()
        workers.check_exactly_once_and_the_surge()
    finally:
        workers.second.stop()


@pytest.mark.partitions(4)
def test_killed_in_the_middle_of_a_burst(stack: Stack, tmp_path: Path) -> None:
    workers = TwoWorkers(stack, tmp_path)
    try:
        workers.count_a_quiet_week_then_join()
        workers.publish(TOWNS)
        wait_for(
            lambda: len(town_alerts(stack)[0]) >= 2,
            timeout=WORKER_TIMEOUT,
            worker=workers.second,
            what="the burst under way (two towns on Slack)",
        )
        workers.first.kill()
        workers.wait_for_every_town()
        workers.check_exactly_once_and_the_surge()
    finally:
        workers.second.stop()
