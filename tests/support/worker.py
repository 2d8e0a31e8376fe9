"""Run `flashpoint worker` as a real subprocess for end-to-end tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from kafka import KafkaAdminClient

T = TypeVar("T")


class WorkerProcess:
    """A `flashpoint worker` child process with its own environment and log file."""

    def __init__(self, env: dict[str, str], log_path: Path, cwd: Path | None = None) -> None:
        self.env = env
        self.log_path = log_path
        self.cwd = cwd  # where it runs; `python -m` imports from there first
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, **overrides: str) -> None:
        env = {**os.environ, **self.env, **overrides}
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "flashpoint.cli",
                "worker",
                "--loglevel",
                "info",
                "--logfile",
                str(self.log_path.with_suffix(".faust.log")),
            ],
            env=env,
            cwd=self.cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        log.close()

    def kill(self) -> None:
        """SIGKILL: no shutdown, no offset commit."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> int:
        """SIGTERM and wait for a clean exit; returns the exit code."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(timeout=30)

    def assert_alive(self) -> None:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(
                f"worker exited with {self.process.returncode}:\n{self.log_tail()}"
            )

    def log_tail(self, chars: int = 6000) -> str:
        text = ""
        for path in (self.log_path, self.log_path.with_suffix(".faust.log")):
            if path.exists():
                text += f"--- {path.name}\n" + path.read_text(errors="replace")[-chars:]
        return text


def wait_for(
    probe: Callable[[], T | None],
    *,
    timeout: float,
    interval: float = 0.25,
    worker: WorkerProcess | None = None,
    what: str = "condition",
) -> T:
    """Poll `probe` until it returns something truthy; fail with the worker's log if not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker is not None:
            worker.assert_alive()
        value = probe()
        if value:
            return value
        time.sleep(interval)
    tail = worker.log_tail() if worker is not None else ""
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{tail}")


def stable_members(bootstrap: str, group: str) -> int:
    """How many consumers `group` has once it is stable (every member has its partitions);
    0 while it rebalances."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        described = admin.describe_groups([group]).get(group, {})
    finally:
        admin.close()
    if described.get("group_state") != "Stable":
        return 0
    return len(described.get("members") or [])
