"""`flashpoint run`: a fresh local stack with the sample articles flowing through it.

Starts a broker and a worker of its own under `.flashpoint/run/` (wiped first, so
every run starts clean and shows every alert), publishes the articles with the
ordinary ingest stage, waits until each one is classified or dead-lettered and
every delivery has settled, prints the audit summary, and stops everything.
Alerts appear on the console as the worker delivers them (Slack and email too,
when they are configured).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from flashpoint.audit.store import AuditStore
from flashpoint.audit.views import AuditSummary
from flashpoint.broker.local import LocalBroker, create_topics
from flashpoint.core.errors import FlashpointError
from flashpoint.core.settings import REPO_ROOT, Settings
from flashpoint.ingest.publish import ingest_lines, make_producer, read_lines

console = Console()


def run_demo(settings: Settings, articles: Path, timeout_s: float) -> int:
    """Run the whole pipeline once over `articles`; return the process exit code."""
    state = REPO_ROOT / ".flashpoint" / "run"
    shutil.rmtree(state, ignore_errors=True)
    state.mkdir(parents=True)
    host, _, port = settings.kafka.bootstrap.rpartition(":")
    broker = LocalBroker(
        lib_dir=settings.kafka.home / "lib",
        run_dir=state / "kafka",
        port=int(port),
        controller_port=settings.kafka.controller_port,
        heap=settings.kafka.heap,
    )
    if broker.is_ready(timeout_s=1):
        console.print(
            f"[red]A Kafka broker already answers at {broker.bootstrap}.[/red] "
            "Stop it (flashpoint kafka stop) or set FLASHPOINT_KAFKA__BOOTSTRAP."
        )
        return 1
    database_url = f"sqlite:///{state / 'audit.db'}"
    env = {
        **os.environ,
        "FLASHPOINT_DATABASE_URL": database_url,
        "FLASHPOINT_WORKER__DATA_DIR": str(state / "worker"),
        "FLASHPOINT_CONSOLE_ALERTS": "true",
    }
    worker: subprocess.Popen[bytes] | None = None
    try:
        with console.status("Starting Kafka 4.3.1 (KRaft) on loopback…"):
            broker.start(timeout_s=settings.kafka.start_timeout_s)
            create_topics(broker.bootstrap, settings.topics.all())
        console.print(f"[green]✓[/green] Kafka at {broker.bootstrap} (log {broker.log_file})")
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "flashpoint.cli",
                "worker",
                "--loglevel",
                "info",
                "--logfile",
                str(state / "worker.log"),
            ],
            env=env,
            stdin=subprocess.DEVNULL,
        )
        console.print(f"[green]✓[/green] worker started (log {state / 'worker.log'})")
        with articles.open("rb") as stream:
            report = ingest_lines(
                read_lines(stream),
                make_producer(broker.bootstrap),
                source=str(articles),
                raw_topic=settings.topics.raw,
                dlq_topic=settings.topics.dlq,
                max_text_chars=settings.worker.max_text_chars,
            )
        console.print(
            f"[green]✓[/green] published {report.published} articles; "
            f"{len(report.invalid)} invalid lines went to {settings.topics.dlq}"
        )
        for line in report.invalid:
            console.print(f"    line {line.line}: {line.reason} {line.detail}".rstrip())
        expected = report.published + len(report.invalid)
        summary = _wait_until_settled(AuditStore.open(database_url), expected, worker, timeout_s)
    except FlashpointError as error:
        console.print(f"[red]error:[/red] {error}")
        return 1
    finally:
        if worker is not None:
            _stop(worker)
        broker.stop()
    _print_summary(summary)
    if not (settings.slack_enabled or settings.email_enabled):
        console.print(
            "Slack and SMTP are not configured, so alerts were printed here and their Slack "
            "and email deliveries are recorded as failed (not configured). Set "
            "FLASHPOINT_SLACK__TOKEN / FLASHPOINT_SMTP__HOST to deliver for real."
        )
    console.print("\nExplore the history:")
    console.print(
        f"  FLASHPOINT_DATABASE_URL={database_url} .venv/bin/flashpoint audit list",
        soft_wrap=True,
    )
    return 0


def _wait_until_settled(
    store: AuditStore, expected: int, worker: subprocess.Popen[bytes], timeout_s: float
) -> AuditSummary:
    """Wait until every input is classified or dead-lettered and deliveries stop changing."""
    deadline = time.monotonic() + timeout_s
    previous: AuditSummary | None = None
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise FlashpointError(f"the worker exited with code {worker.returncode}")
        summary = store.summary()
        inputs_done = summary.articles_classified + summary.dead_letters_total >= expected
        delivered = summary.deliveries_sent + summary.deliveries_failed
        if inputs_done and delivered >= summary.deliveries_due and summary == previous:
            return summary
        previous = summary
        time.sleep(1.0)
    raise FlashpointError(f"the articles did not settle within {timeout_s:.0f} s")


def _stop(worker: subprocess.Popen[bytes]) -> None:
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def _print_summary(summary: AuditSummary) -> None:
    table = Table(title="Audit summary", show_header=False)
    table.add_row("articles classified", str(summary.articles_classified))
    table.add_row("  with escalation signals", str(summary.articles_with_signals))
    table.add_row(
        "routing: matched / suppressed", f"{summary.alerts_matched} / {summary.alerts_suppressed}"
    )
    table.add_row(
        "deliveries sent / failed", f"{summary.deliveries_sent} / {summary.deliveries_failed}"
    )
    table.add_row("replays refused (duplicates)", str(summary.duplicates_refused))
    for reason, count in sorted(summary.dead_letters.items()):
        table.add_row(f"dead-lettered: {reason}", str(count))
    console.print(table)
