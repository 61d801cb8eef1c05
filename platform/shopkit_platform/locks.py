"""`make lock`: every service's and web app's lock files, written again from its pyproject.toml.

Each folder (services/<slug>/, clients/<slug>/) gets three, all resolved for Python 3.11 on any
platform (`--universal`):

- `requirements-test.lock`: the dependencies and the test extra, for development and tests
  (the fresh-venv test runs, the service's CI). No hashes: the SDK in it is whatever sdk/
  builds to right now.
- `requirements.lock`: the runtime dependencies only, every one with its sha256, each at exactly
  the version of the test lock (the versions that were tested are the ones that ship). The
  image installs it with `pip install --require-hashes`. The SDK line carries the hash of the
  reproducible wheel (`sdk_wheel.py`), so it names one build.
- `requirements-build.lock`: the build backend (`[build-system].requires`), hashed, at the
  version in platform/build-constraints.txt: the image builds the service's own wheel with it.

Pins are kept where they still fit (uv reads the existing file as its preferences);
`--upgrade` moves everything to the newest versions the pyproject allows. The SDK is taken from
a fresh build of sdk/ only, so after an SDK version bump one `make lock` pins the new version
(and its hash) everywhere.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import tomllib
from pathlib import Path

from . import sdk_wheel
from ._console import StepFailed
from ._paths import PLATFORM, SDK_DIR, SDK_DIST
from .bootstrap import service_dirs, test_extra

RUNTIME_LOCK = "requirements.lock"
TEST_LOCK = "requirements-test.lock"
BUILD_LOCK = "requirements-build.lock"
BUILD_CONSTRAINTS_IN = PLATFORM / "build-constraints.in"
PYTHON_VERSION = "3.11"
HEADER_COMMAND = "make lock"


def _compile(cwd: Path, source: str, output: str, *extra: str, hashes: bool, upgrade: bool) -> None:
    uv = shutil.which("uv") or str(Path.home() / ".local" / "bin" / "uv")
    cmd = [
        uv, "pip", "compile", "--quiet", "--universal", "--python-version", PYTHON_VERSION,
        "--custom-compile-command", HEADER_COMMAND, "-o", output, source, *extra,
    ]  # fmt: skip
    if hashes:
        cmd.append("--generate-hashes")
    if upgrade:
        cmd.append("--upgrade")
    result = subprocess.run(
        cmd,
        cwd=cwd,
        env={**os.environ, "UV_NO_PROGRESS": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise StepFailed(f"`{' '.join(cmd)}` failed in {cwd}:\n{result.stderr[-3000:]}")


def build_requirements(folder: Path) -> list[str]:
    with (folder / "pyproject.toml").open("rb") as fh:
        return list(tomllib.load(fh)["build-system"]["requires"])


def lock_build_constraints(*, upgrade: bool = False) -> None:
    """platform/build-constraints.txt: the one build backend every wheel is built with."""
    _compile(
        PLATFORM, BUILD_CONSTRAINTS_IN.name, sdk_wheel.BUILD_CONSTRAINTS.name,
        hashes=True, upgrade=upgrade,
    )  # fmt: skip


def lock_folder(folder: Path, wheels: Path, *, upgrade: bool = False) -> None:
    """The three lock files of one service or web app; `wheels` holds the SDK wheel."""
    extra = test_extra(folder)
    sdk = ["--find-links", str(wheels), "--no-emit-find-links"]
    # The SDK wheel was just built: never take a cached one of the same name.
    sdk += ["--refresh-package", "shopkit-sdk"]
    test = ["--extra", extra] if extra else []
    _compile(folder, "pyproject.toml", TEST_LOCK, *sdk, *test, hashes=False, upgrade=upgrade)
    _compile(
        folder, "pyproject.toml", RUNTIME_LOCK, *sdk, "--constraint", TEST_LOCK,
        hashes=True, upgrade=False,
    )  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        requires = Path(tmp) / "build-requirements.in"
        requires.write_text("\n".join(build_requirements(folder)) + "\n")
        _compile(
            folder, str(requires), BUILD_LOCK, "--constraint", str(sdk_wheel.BUILD_CONSTRAINTS),
            "--no-annotate", hashes=True, upgrade=False,
        )  # fmt: skip


def lock(folders: list[Path] | None = None, *, upgrade: bool = False) -> list[Path]:
    """Build the SDK wheel (also into sdk/dist), then lock every folder (or the given ones)."""
    folders = folders or service_dirs()
    lock_build_constraints(upgrade=upgrade)
    with tempfile.TemporaryDirectory(prefix="shopkit-sdk-wheel-") as tmp:
        if (SDK_DIR / "pyproject.toml").is_file():
            wheel = sdk_wheel.build(Path(tmp))
            SDK_DIST.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(wheel, SDK_DIST / wheel.name)
            print(f"SDK {wheel.name} sha256:{sdk_wheel.sha256(wheel)}")
        for folder in folders:
            lock_folder(folder.resolve(), Path(tmp), upgrade=upgrade)
            print(f"locked {folder}")
    return folders
