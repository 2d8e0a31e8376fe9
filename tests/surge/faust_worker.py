"""A small Faust worker for `test_faust_table`: the surge detector over real Faust tables.

It is wired the way the lead wires the real worker: one agent reads a topic keyed by
region key and calls `SurgeDetector.observe(item, region_key=key)` inline; surge alerts go
to an output topic, followed by an ``observed`` record per article so the test knows
where the worker is. Configured by environment variables (``SURGE_TEST_*``); run with
``python -m tests.surge.faust_worker``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import datetime

import faust
from faust.worker import Worker

from flashpoint.core.records import ClassifiedArticle
from flashpoint.core.surge_settings import SurgeSettings
from flashpoint.surge.detector import SurgeDetector
from flashpoint.surge.faust_table import create_surge_tables

PARTITIONS = 2


def create_app(env: Mapping[str, str]) -> faust.App:
    app = faust.App(
        env["SURGE_TEST_APP_ID"],
        broker=f"kafka://{env['SURGE_TEST_BOOTSTRAP']}",
        processing_guarantee="at_least_once",
        broker_commit_interval=0.5,
        consumer_auto_offset_reset="earliest",
        topic_partitions=PARTITIONS,
        topic_replication_factor=1,
        datadir=env["SURGE_TEST_DATADIR"],
        store="memory://",
        web_enabled=False,
    )

    def topic(name: str, partitions: int) -> faust.TopicT:
        return app.topic(
            name,
            key_type=bytes,
            value_type=bytes,
            key_serializer="raw",
            value_serializer="raw",
            partitions=partitions,
        )

    regions_topic = topic(env["SURGE_TEST_REGIONS"], PARTITIONS)
    out_topic = topic(env["SURGE_TEST_OUT"], 1)
    settings = SurgeSettings()
    now = datetime.fromisoformat(env["SURGE_TEST_NOW"])
    detector = SurgeDetector(
        settings, lambda: now, store=create_surge_tables(app, settings, PARTITIONS)
    )

    @app.agent(regions_topic, concurrency=1)
    async def detect_surges(stream: faust.StreamT[bytes]) -> None:
        async for event in stream.events():
            item = ClassifiedArticle.model_validate_json(event.value)
            key = bytes(event.key).decode()
            for alert in detector.observe(item, region_key=key):
                await out_topic.send(key=b"alert", value=alert.model_dump_json().encode())
            observed = {"article": item.article.id, "region": key}
            await out_topic.send(key=b"observed", value=json.dumps(observed).encode())

    return app


if __name__ == "__main__":
    Worker(
        create_app(os.environ),
        loglevel="info",
        quiet=True,
        redirect_stdouts=False,
    ).execute_from_commandline()
