"""The wheel works outside the checkout: everything the classifier reads ships inside it.

Built with pip from this checkout, installed (without dependencies: they are this test's
own environment) into a folder of its own, and run from another directory, so nothing can
be read from the repository by accident.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT

ARTICLE = {
    "id": "installed-1",
    "title": "Shelling in Kadugli",
    "text": "Artillery shelled residential districts of Kadugli on Tuesday, killing three "
    "civilians, the army said.",
}


def test_the_installed_wheel_classifies_from_any_directory(tmp_path: Path) -> None:
    source, wheels = tmp_path / "source", tmp_path / "wheels"
    site, elsewhere = tmp_path / "site", tmp_path / "elsewhere"
    elsewhere.mkdir()
    # Build from a copy of the files git knows: a stale build/ folder in the checkout must
    # not slip into the wheel, and the build must not write into the checkout.
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        if (REPO_ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO_ROOT / name, source / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(source)],
        check=True,
        cwd=elsewhere,
    )
    [wheel] = wheels.glob("flashpoint-*.whl")
    subprocess.run([*pip, "install", "--no-deps", "--target", str(site), str(wheel)], check=True)
    assert (site / "classifiers" / "model" / "thresholds.yaml").is_file()

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
