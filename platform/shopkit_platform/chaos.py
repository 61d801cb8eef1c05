"""`make chaos [CHAOS_FAULTS=...]`: the fault-injection run in platform/chaos/ (see its README),
run with the dev venv's Python against a running `make up`."""

from __future__ import annotations

import os
import subprocess

from ._paths import PLATFORM, PYTHON


def main(argv: list[str] | None = None) -> int:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(PLATFORM), os.environ.get("PYTHONPATH", "")) if p
    )}  # fmt: skip
    return subprocess.run(
        [str(PYTHON), "-m", "chaos", *(argv or [])], cwd=PLATFORM, env=env, check=False
    ).returncode
