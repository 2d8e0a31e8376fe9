"""Benchmark: the FA-KES articles through the real broker and worker, publish → audit.

    .venv/bin/python -m bench.pipeline [--runs 3] [--rate 10] [--workers N] [--postgres]

Each run starts fresh workers (own topics, consumer group and audit database) on one
broker, with a Syria desk subscribed to everything and delivering to a local Slack Web
API server, so every stage runs for real. `--workers N` starts N workers in one consumer
group (the topics get 2N partitions, at least 3); `--postgres` puts the audit database on
the machine's PostgreSQL (tests/support/postgres.py starts it) instead of a SQLite file,
as several workers on several hosts would share it. Two phases per run:

- throughput: all 804 articles published at once; articles/s from the first send to
  the last classification recorded in the audit store;
- latency: the same articles re-published (new ids) at a steady `--rate` per second,
  well under capacity; per article, the time from the broker's acknowledgement of the
  publish to (a) its classification recorded in the audit store and (b) its first
  alert delivery recorded. p50/p95/p99 over all articles of the run.

Prints one line per run and the medians over runs as a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from kafka import KafkaProducer
from sqlalchemy import select

from flashpoint.audit.models import ArticleRow, DeliveryEventRow
from flashpoint.audit.store import AuditStore
from flashpoint.broker.local import LocalBroker, create_topics
from flashpoint.core.clock import as_utc
from flashpoint.core.records import alert_id_for
from tests.conftest import FAKES, REPO_ROOT, free_port, topic_env
from tests.support.postgres import PostgresServer, start_postgres
from tests.support.slack_server import DEFAULT_TOKEN, SlackServer
from tests.support.worker import WorkerProcess, stable_members, wait_for

SUBSCRIPTIONS = """
desks:
  - id: syria
    name: Syria desk
    subscriptions:
      - id: syria-all
        regions: [{country: SY}]
        channels: {slack: ["#syria-desk"]}
"""


@dataclass
class RunResult:
    throughput: float
    classified_ms: list[float]
    delivered_ms: list[float]


def load_fakes() -> list[dict[str, str]]:
    articles = []
    for line in FAKES.read_text().splitlines():
        row = json.loads(line)
        month, day, year = (int(part) for part in row["published"].split("/"))
        articles.append(
            {
                "id": row["id"],
                "title": row["title"],
                "text": row["text"],
                "source": row["source"],
                "published_at": f"{year:04d}-{month:02d}-{day:02d}",
            }
        )
    return articles


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def classified_times(store: AuditStore, ids: set[str]) -> dict[str, datetime]:
    with store.engine.connect() as connection:
        rows = connection.execute(select(ArticleRow.article_id, ArticleRow.classified_at))
        return {article_id: at for article_id, at in rows if article_id in ids}


def all_classified(store: AuditStore, ids: set[str]) -> dict[str, datetime] | None:
    """Classification times of `ids`, once every one of them is recorded."""
    times = classified_times(store, ids)
    return times if len(times) == len(ids) else None


def delivered_times(store: AuditStore) -> dict[str, datetime]:
    """First delivery per alert id."""
    with store.engine.connect() as connection:
        rows = connection.execute(select(DeliveryEventRow.alert_id, DeliveryEventRow.at))
        first: dict[str, datetime] = {}
        for alert_id, at in rows:
            first[alert_id] = min(at, first.get(alert_id, at))
        return first


def one_run(
    broker: LocalBroker,
    slack: SlackServer,
    articles: list[dict[str, str]],
    rate: float,
    workdir: Path,
    *,
    workers: int = 1,
    postgres: PostgresServer | None = None,
) -> RunResult:
    prefix = "b" + uuid.uuid4().hex[:8]
    subscriptions = workdir / "subscriptions.yaml"
    subscriptions.write_text(SUBSCRIPTIONS)
    if postgres is not None:
        database_url = postgres.create_database()
    else:
        database_url = f"sqlite:///{workdir / f'{prefix}.db'}"
    partitions = max(3, 2 * workers)
    env = {
        **topic_env(prefix),
        "FLASHPOINT_KAFKA__BOOTSTRAP": broker.bootstrap,
        "FLASHPOINT_DATABASE_URL": database_url,
        "FLASHPOINT_SUBSCRIPTIONS_PATH": str(subscriptions),
        "FLASHPOINT_WORKER__DATA_DIR": str(workdir / prefix),
        "FLASHPOINT_SLACK__TOKEN": DEFAULT_TOKEN,
        "FLASHPOINT_SLACK__BASE_URL": slack.base_url,
        # Slack's own pace (one message a second per channel) would make every burst queue
        # for minutes on the one desk channel; the local server has no limit, so measure
        # the pipeline itself. The pace is a property of Slack, tested in tests/alerts.
        "FLASHPOINT_SLACK__MIN_INTERVAL_S": "0",
        "FLASHPOINT_TOPICS__PARTITIONS": str(partitions),
        "FLASHPOINT_WORKER__METRICS_PORT": "0",
    }
    raw_topic = env["FLASHPOINT_TOPICS__RAW"]
    create_topics(
        broker.bootstrap,
        {
            env[f"FLASHPOINT_TOPICS__{name}"]: partitions
            for name in ("RAW", "DLQ", "CLASSIFIED", "OUTBOUND", "AUDIT", "BY_REGION", "SURGES")
        },
    )
    pool = [
        WorkerProcess(
            {**env, "FLASHPOINT_WORKER__DATA_DIR": str(workdir / prefix / str(number))},
            workdir / f"{prefix}-{number}.log",
        )
        for number in range(workers)
    ]
    for one in pool:
        one.start()
    worker = pool[0]
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap, acks="all", linger_ms=5)
    store = AuditStore.open(database_url)
    try:
        # Warm up: the worker has joined its group once this one article is classified.
        warm = {"id": f"{prefix}-warmup", "text": articles[0]["text"]}
        producer.send(raw_topic, key=warm["id"].encode(), value=json.dumps(warm).encode()).get(60)
        wait_for(
            lambda: (
                classified_times(store, {warm["id"]})
                and stable_members(broker.bootstrap, env["FLASHPOINT_WORKER__APP_ID"]) == workers
            ),
            timeout=180,
            worker=worker,
            what="the warm-up article and every worker in the group",
        )

        burst_ids = {f"{prefix}-burst-{a['id']}" for a in articles}
        started = datetime.now(UTC)
        for article in articles:
            key = f"{prefix}-burst-{article['id']}"
            producer.send(
                raw_topic, key=key.encode(), value=json.dumps({**article, "id": key}).encode()
            )
        producer.flush()
        done = wait_for(
            lambda: all_classified(store, burst_ids),
            timeout=900,
            interval=1.0,
            worker=worker,
            what="the burst",
        )
        last = max(as_utc(at) for at in done.values())
        throughput = len(articles) / (last - started).total_seconds()

        sent_at: dict[str, datetime] = {}
        interval = 1.0 / rate
        next_send = time.monotonic()
        for article in articles:
            key = f"{prefix}-paced-{article['id']}"
            producer.send(
                raw_topic, key=key.encode(), value=json.dumps({**article, "id": key}).encode()
            ).get(30)
            sent_at[key] = datetime.now(UTC)
            next_send += interval
            time.sleep(max(0.0, next_send - time.monotonic()))
        paced = wait_for(
            lambda: all_classified(store, set(sent_at)),
            timeout=300,
            interval=1.0,
            worker=worker,
            what="the paced articles",
        )
        time.sleep(3)  # let the last deliveries land
        delivered = delivered_times(store)
        classified_ms = [
            (as_utc(paced[key]) - at).total_seconds() * 1000 for key, at in sent_at.items()
        ]
        delivered_ms = [
            (as_utc(delivered[alert_id_for(key)]) - at).total_seconds() * 1000
            for key, at in sent_at.items()
            if alert_id_for(key) in delivered
        ]
        return RunResult(throughput, classified_ms, delivered_ms)
    finally:
        producer.close()
        store.close()
        for one in pool:
            one.stop()
        if postgres is not None:
            postgres.drop_database(database_url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rate", type=float, default=10.0, help="paced articles per second")
    parser.add_argument("--limit", type=int, default=0, help="use only the first N articles")
    parser.add_argument("--workers", type=int, default=1, help="workers in the consumer group")
    parser.add_argument("--postgres", action="store_true", help="audit database on PostgreSQL")
    options = parser.parse_args()
    postgres = start_postgres() if options.postgres else None
    articles = load_fakes()
    if options.limit:
        articles = articles[: options.limit]
    results: list[RunResult] = []
    with tempfile.TemporaryDirectory() as temp, SlackServer() as slack:
        workdir = Path(temp)
        broker = LocalBroker(
            lib_dir=REPO_ROOT / ".kafka" / "lib",
            run_dir=workdir / "kafka",
            port=free_port(),
            controller_port=free_port(),
        )
        broker.start()
        try:
            for number in range(1, options.runs + 1):
                result = one_run(
                    broker,
                    slack,
                    articles,
                    options.rate,
                    workdir,
                    workers=options.workers,
                    postgres=postgres,
                )
                results.append(result)
                print(
                    f"run {number}: {result.throughput:.1f} articles/s; classified p50 "
                    f"{percentile(result.classified_ms, 50):.0f} ms, p95 "
                    f"{percentile(result.classified_ms, 95):.0f} ms; "
                    f"{len(result.delivered_ms)} alerts delivered",
                    flush=True,
                )
        finally:
            broker.stop()

    def median(metric: str, q: float | None = None) -> float:
        values = [
            getattr(r, metric) if q is None else percentile(getattr(r, metric), q) for r in results
        ]
        return statistics.median(values)

    database = "PostgreSQL" if postgres is not None else "SQLite"
    print(
        f"\n{len(articles)} FA-KES articles, {options.runs} runs, paced at {options.rate}/s, "
        f"{options.workers} worker(s), {database}; "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"{datetime.now(UTC):%Y-%m-%d}\n"
    )
    print("| metric | median of runs |\n|---|---|")
    burst = f"sustained throughput (burst of {len(articles)})"
    print(f"| {burst} | {median('throughput'):.1f} articles/s |")
    for label, metric in (
        ("publish → classification recorded", "classified_ms"),
        ("publish → alert delivered (Slack API)", "delivered_ms"),
    ):
        for q in (50, 95, 99):
            print(f"| {label}, p{q} | {median(metric, q):.0f} ms |")


if __name__ == "__main__":
    main()
