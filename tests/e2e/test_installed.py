"""A worker started from the installed wheel, outside the checkout, delivers an alert.

The stack (broker, Slack API server, SMTP sink, database) is the e2e one; only the worker
differs: it runs from a directory outside the checkout with ``PYTHONPATH`` at the folder
the wheel was installed into (`installed_site`), so every module, migration, template and
model file it reads comes from the wheel.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import KADUGLI, Stack
from tests.support.worker import WorkerProcess, wait_for


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """The install is what this test is about, not the database: SQLite only."""
    return sqlite_url


def test_a_worker_from_the_installed_wheel_delivers_an_alert(
    stack: Stack, installed_site: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {
        **stack.env,
        "PYTHONPATH": str(installed_site),
        # A desk's own state folder, deeper than faust makes by itself.
        "FLASHPOINT_WORKER__DATA_DIR": str(tmp_path / "state" / "flashpoint" / "worker"),
    }
    where = subprocess.run(
        [sys.executable, "-c", "import flashpoint.cli, streams.app; print(streams.app.__file__)"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.strip().startswith(str(installed_site))

    worker = WorkerProcess(env, tmp_path / "installed-worker.log", cwd=elsewhere)
    worker.start()
    try:
        stack.publish_article("installed-kadugli", KADUGLI, title="Shelling in Kadugli")
        store = stack.store()
        wait_for(
            lambda: store.summary().deliveries_sent >= 2,
            timeout=120.0,
            worker=worker,
            what="a Slack and an email delivery from the installed worker",
        )
        [message] = stack.slack.messages
        assert message.channel == "#sudan-desk"
        [mail] = stack.smtp.messages
        assert "Kadugli" in str(mail.message["Subject"])
        assert worker.stop() == 0
    finally:
        worker.stop()
