"""The SDK wheel, built reproducibly: the same sdk/ source gives the same bytes on every machine.

That is what lets a runtime lock pin `shopkit-sdk==<version>` by its sha256 (an image installs
it with `pip --require-hashes`) while the wheel itself is built from sdk/ wherever it is needed
(`make bootstrap`, `make lock`, CI's image builds): hatchling writes every file with one fixed
timestamp and normalised permissions, and the backend's own version, which is written into the
wheel, is pinned by hash in platform/build-constraints.txt. A changed SDK gives a different
hash, so it must get a new version (a built wheel is never replaced under the same version),
and `make lock` pins the new one.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import tomllib
from pathlib import Path

from ._console import StepFailed
from ._paths import PLATFORM, SDK_DIR, SDK_DIST

# hatchling's own reproducible default, stated so that no SOURCE_DATE_EPOCH of a shell (or of
# a CI runner) changes the bytes.
SOURCE_DATE_EPOCH = "1580601600"
BUILD_CONSTRAINTS = PLATFORM / "build-constraints.txt"


def version() -> str:
    with (SDK_DIR / "pyproject.toml").open("rb") as fh:
        return str(tomllib.load(fh)["project"]["version"])


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _uv() -> str:
    found = shutil.which("uv") or shutil.which(str(Path.home() / ".local" / "bin" / "uv"))
    if not found:
        raise StepFailed("uv is missing: run platform/bin/bootstrap (it installs uv with pip)")
    return found


def build(out_dir: Path = SDK_DIST) -> Path:
    """Build sdk/ into `out_dir` (replacing a same-named file there) and return the wheel."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="shopkit-sdk-") as tmp:
        cmd = [
            _uv(), "build", str(SDK_DIR), "--wheel", "--quiet", "--out-dir", tmp,
            "--build-constraints", str(BUILD_CONSTRAINTS), "--require-build-hashes",
        ]  # fmt: skip
        result = subprocess.run(
            cmd,
            env={**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH, "UV_NO_PROGRESS": "1"},
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise StepFailed(f"building the SDK wheel failed:\n{result.stderr[-3000:]}")
        wheels = list(Path(tmp).glob(f"shopkit_sdk-{version()}-*.whl"))
        if len(wheels) != 1:
            raise StepFailed(f"building the SDK wheel gave {[w.name for w in wheels]}")
        target = out_dir / wheels[0].name
        shutil.copyfile(wheels[0], target)
    return target
