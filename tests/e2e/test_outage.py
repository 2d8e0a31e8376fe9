"""Slack and the mail server down during a burst: every alert arrives once, late not never.

Through the real broker, the local Slack Web API server answering HTTP 500, and aiosmtpd
stopped (connections refused). The deliveries wait in the outbox (`alerts.outbox`) and go
out when the services are back. The outage here lasts as long as the burst takes to reach
the outbox; hours-long outages and the 24-hour limit are tested with a moved clock in
tests/alerts/test_outbox.py.
"""

from __future__ import annotations

import sqlite3
import threading
import time

import psycopg

from flashpoint.audit.database import SQLITE_BUSY_TIMEOUT_MS
from tests.e2e.conftest import Stack
from tests.support.postgres import conninfo
from tests.support.worker import wait_for

WORKER_TIMEOUT = 120.0
# Towns far apart: each report is its own event, so each alert is one Slack parent.
TOWNS = ["Kadugli", "El Fasher", "Nyala", "El Geneina", "Wad Madani", "Kassala"]


def report(number: int, town: str) -> str:
    return (
        f"Paramilitary forces shelled residential districts of {town} on Tuesday, killing "
        f"{number + 3} civilians and wounding {number + 10} others, local officials said."
    )


def test_a_slack_and_mail_outage_delays_every_alert_and_loses_none(stack: Stack) -> None:
    stack.slack.down_for(3600, status=500)
    stack.smtp.stop()
    stack.worker.start(
        FLASHPOINT_WORKER__OUTBOX_INTERVAL_S="1",
        FLASHPOINT_WORKER__OUTBOX_RETRY_MAX_S="2",
        FLASHPOINT_WORKER__DELIVERY_ATTEMPTS="2",
    )
    for number, town in enumerate(TOWNS):
        stack.publish_article(f"outage-{number}", report(number, town), title=f"{town} shelled")
    deliveries = 2 * len(TOWNS)  # the Sudan desk: Slack and email

    store = stack.store()
    wait_for(
        lambda: store.summary().deliveries_retrying == deliveries,
        timeout=WORKER_TIMEOUT,
        worker=stack.worker,
        what=f"{deliveries} deliveries waiting in the outbox",
    )
    assert stack.slack.messages == [] and stack.smtp.messages == []

    stack.smtp.start()
    stack.slack.down_for(0)
    wait_for(
        lambda: store.summary().deliveries_sent == deliveries,
        timeout=WORKER_TIMEOUT,
        worker=stack.worker,
        what=f"{deliveries} deliveries sent after the outage",
    )
    summary = store.summary()
    assert (summary.deliveries_failed, summary.deliveries_retrying) == (0, 0)
    # Nothing lost, nothing twice: one Slack parent and one email per article.
    assert len(stack.slack.parents()) == len(TOWNS)
    assert len(stack.slack.messages) == len(TOWNS)
    mails = stack.smtp.messages
    assert len(mails) == len(TOWNS)
    assert len({mail.message["Message-ID"] for mail in mails}) == len(TOWNS)
    stack.worker.assert_alive()


def hold_the_database(url: str, locked: threading.Event) -> None:
    """Another writer holds the database longer than SQLite's busy timeout (10 s). On
    PostgreSQL, which waits for a lock as long as it takes, the worker's connections are
    also cut (as when the server restarts), so its next statements fail and are retried."""
    hold_s = SQLITE_BUSY_TIMEOUT_MS / 1000 + 6
    if url.startswith("sqlite:///"):
        connection = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        connection.execute("BEGIN EXCLUSIVE")
        locked.set()
        time.sleep(hold_s)
        connection.execute("ROLLBACK")
        connection.close()
        return
    with psycopg.connect(conninfo(url)) as holder:
        holder.execute("LOCK TABLE articles, deliveries, outbox IN ACCESS EXCLUSIVE MODE")
        holder.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        locked.set()
        time.sleep(hold_s)
        holder.rollback()


def test_a_database_locked_or_cut_off_delays_the_burst_and_loses_nothing(
    stack: Stack,
) -> None:
    stack.worker.start()
    stack.publish_article("before-lock", report(0, TOWNS[0]), title="before the lock")
    store = stack.store()
    wait_for(
        lambda: store.summary().deliveries_sent == 2,
        timeout=WORKER_TIMEOUT,
        worker=stack.worker,
        what="the first article delivered",
    )
    store.close()  # the test's own connections are not the worker's
    locked = threading.Event()
    holder = threading.Thread(target=hold_the_database, args=(stack.database_url, locked))
    holder.start()
    assert locked.wait(10)
    for number, town in enumerate(TOWNS[1:], start=1):
        stack.publish_article(f"locked-{number}", report(number, town), title=f"{town} shelled")
    holder.join()
    store = stack.store()
    deliveries = 2 * len(TOWNS)
    wait_for(
        lambda: store.summary().deliveries_sent == deliveries,
        timeout=WORKER_TIMEOUT,
        worker=stack.worker,
        what=f"{deliveries} deliveries after the lock",
    )
    assert len(stack.slack.messages) == len(TOWNS)
    assert len(stack.smtp.messages) == len(TOWNS)
    assert store.summary().deliveries_failed == 0
    stack.worker.assert_alive()
    log = stack.worker.log_path.read_text(errors="replace")
    log += stack.worker.log_path.with_suffix(".faust.log").read_text(errors="replace")
    assert "database unavailable" in log
