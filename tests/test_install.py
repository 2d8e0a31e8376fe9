"""The wheel works outside the checkout: everything the classifier reads ships inside it.

The wheel is built and installed by `tests.support.wheel` (fixture `installed_site`) and
run from another directory, so nothing can be read from the repository by accident. The
worker started from it is in tests/e2e/test_installed.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ARTICLE = {
    "id": "installed-1",
    "title": "Shelling in Kadugli",
    "text": "Artillery shelled residential districts of Kadugli on Tuesday, killing three "
    "civilians, the army said.",
}


def test_the_wheel_installs_three_packages_and_the_data_they_read(installed_site: Path) -> None:
    # No generic top-level names (events, audit, config...) land in site-packages: the
    # stages live under `flashpoint`; `streams` and `classifiers` are the design card's.
    packages = {p.name for p in installed_site.iterdir() if (p / "__init__.py").is_file()}
    assert packages == {"flashpoint", "streams", "classifiers"}
    assert (installed_site / "classifiers" / "model" / "thresholds.yaml").is_file()
    assert (installed_site / "classifiers" / "model" / "signals.onnx").is_file()
    assert (installed_site / "flashpoint" / "audit" / "alembic.ini").is_file()
    assert (installed_site / "flashpoint" / "broker" / "pom.xml").is_file()
    assert list((installed_site / "flashpoint" / "alerts" / "templates").iterdir())


def test_the_installed_wheel_classifies_from_any_directory(
    installed_site: Path, tmp_path: Path
) -> None:
    site, elsewhere = installed_site, tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}
    where = subprocess.run(
        [sys.executable, "-c", "import classifiers, flashpoint; print(classifiers.__file__)"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.strip().startswith(str(site))
    done = subprocess.run(
        [sys.executable, "-m", "flashpoint.cli", "classify"],
        input=json.dumps(ARTICLE) + "\n",
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    [line] = done.stdout.splitlines()
    result = json.loads(line)
    assert result["id"] == "installed-1"
    assert "shelling" in {signal["type"] for signal in result["signals"]}
