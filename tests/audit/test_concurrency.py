"""Several workers and CLIs may open a brand-new audit database at the same moment."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from flashpoint.audit.store import AuditStore
from tests.audit.builders import classified, delivery

OPENER = """
import sys, time
from pathlib import Path
from flashpoint.audit.store import AuditStore
url, ready, go = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
ready.touch()
while not go.exists():
    time.sleep(0.005)
AuditStore.open(url).close()
"""


def test_processes_opening_a_new_database_at_once_all_succeed(
    new_database: Callable[[], str], tmp_path: Path
) -> None:
    for round_ in range(2):
        url = new_database()
        go = tmp_path / f"go{round_}"
        ready = [tmp_path / f"ready{round_}-{n}" for n in range(4)]
        children = [
            subprocess.Popen(
                [sys.executable, "-c", OPENER, url, str(flag), str(go)],
                stderr=subprocess.PIPE,
                text=True,
            )
            for flag in ready
        ]
        deadline = time.monotonic() + 60
        while not all(flag.exists() for flag in ready) and time.monotonic() < deadline:
            time.sleep(0.01)
        go.touch()
        for child in children:
            _, err = child.communicate(timeout=60)
            assert child.returncode == 0, err


def test_threads_opening_a_new_database_at_once_all_succeed(
    new_database: Callable[[], str],
) -> None:
    for _round in range(3):
        url = new_database()
        barrier = threading.Barrier(4)
        errors: list[BaseException] = []

        def open_it(
            url: str = url,
            barrier: threading.Barrier = barrier,
            errors: list[BaseException] = errors,
        ) -> None:
            barrier.wait()
            try:
                AuditStore.open(url).close()
            except BaseException as exc:  # collected and asserted below
                errors.append(exc)

        threads = [threading.Thread(target=open_it) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert errors == []


def test_one_store_records_from_many_threads(store: AuditStore) -> None:
    def work(n: int) -> None:
        store.record_classification(classified(f"a{n % 10}"))  # replays collide on purpose
        store.record_delivery(delivery(f"a{n % 10}", "ukraine", "sent"))
        assert store.already_sent(delivery(f"a{n % 10}", "ukraine", "sent").delivery_key)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(work, range(80)))

    summary = store.summary()
    assert (summary.articles_classified, summary.deliveries_sent) == (10, 10)
