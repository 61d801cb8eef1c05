"""`make bench` and `make chaos`: the harnesses in platform/bench/ and platform/chaos/ (see
their READMEs), run with the dev venv's Python against a running `make up`."""

from __future__ import annotations

import os
import subprocess

from ._paths import PLATFORM, PYTHON


def run(package: str, argv: list[str] | None = None) -> int:
    """`python -m <package> ARGV` from platform/, where the harness packages live."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(PLATFORM), os.environ.get("PYTHONPATH", "")) if p
    )}  # fmt: skip
    return subprocess.run(
        [str(PYTHON), "-m", package, *(argv or [])], cwd=PLATFORM, env=env, check=False
    ).returncode
