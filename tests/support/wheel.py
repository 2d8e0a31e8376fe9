"""Build this checkout's wheel and install it into a folder of its own, as a user would.

Built from a copy of the files git knows (a stale build/ folder in the checkout must not
slip into the wheel, and the build must not write into the checkout), with pip, from
another directory; installed without dependencies (they are the test environment's own).
Running with ``PYTHONPATH=<site>`` from a directory outside the checkout then imports
only what the wheel holds.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]


def install_wheel(checkout: Path, workdir: Path) -> Path:
    """The site folder the checkout's wheel was installed into (under `workdir`)."""
    source, wheels, site = workdir / "source", workdir / "wheels", workdir / "site"
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=checkout,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        if (checkout / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(checkout / name, source / name)
    subprocess.run(
        [*PIP, "wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(source)],
        check=True,
        cwd=workdir,
    )
    [wheel] = wheels.glob("flashpoint-*.whl")
    subprocess.run([*PIP, "install", "--no-deps", "--target", str(site), str(wheel)], check=True)
    return site
