"""Every service's and web app's lock files, as `make lock` writes them, checked offline.

The runtime lock (requirements.lock) is what an image installs with `pip --require-hashes`: it
must hash every line, hold no test dependency, pin exactly what the test lock (the versions the
tests ran with) pins, and name the SDK by the hash of the wheel sdk/ builds to today.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from shopkit_platform import locks, sdk_wheel
from shopkit_platform._paths import ROOT, SDK_DIR
from shopkit_platform.bootstrap import service_dirs
from shopkit_platform.bootstrap import test_extra as folder_test_extra

pytestmark = pytest.mark.unit

FOLDERS = service_dirs()
REQUIREMENT = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path: Path) -> dict[str, str]:
    found = {}
    for line in path.read_text().splitlines():
        match = REQUIREMENT.match(line)
        if match:
            found[canonical(match.group(1))] = match.group(2)
    return found


def requirements(path: Path) -> list[str]:
    """Each requirement of a lock as one logical line (continuations joined)."""
    text = re.sub(r"\\\n\s*", " ", path.read_text())
    return [line for line in text.splitlines() if line and not line.lstrip().startswith("#")]


def names(specs: list[str]) -> set[str]:
    return {canonical(re.split(r"[\[<>=!~; ]", spec, maxsplit=1)[0]) for spec in specs}


def project(folder: Path) -> dict[str, Any]:
    with (folder / "pyproject.toml").open("rb") as fh:
        project: dict[str, Any] = tomllib.load(fh)["project"]
    return project


def sdk_names(group: str) -> set[str]:
    """The SDK's runtime `dependencies`, or one of its extras (`testing`)."""
    with (SDK_DIR / "pyproject.toml").open("rb") as fh:
        sdk = tomllib.load(fh)["project"]
    return names(
        sdk["dependencies"] if group == "dependencies" else sdk["optional-dependencies"][group]
    )


@pytest.fixture(scope="module")
def fresh_sdk_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sdk_wheel.build(tmp_path_factory.mktemp("sdk-wheel"))


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_every_folder_has_its_three_locks(folder: Path) -> None:
    for name in (locks.RUNTIME_LOCK, locks.TEST_LOCK, locks.BUILD_LOCK):
        path = folder / name
        assert path.is_file(), f"{path.relative_to(ROOT)} is missing: run `make lock`"
        assert "#    make lock" in path.read_text(), f"{path.relative_to(ROOT)}: not `make lock`'s"


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_the_runtime_lock_hashes_every_line(folder: Path) -> None:
    for name in (locks.RUNTIME_LOCK, locks.BUILD_LOCK):
        unhashed = [r for r in requirements(folder / name) if "--hash=sha256:" not in r]
        assert not unhashed, f"{folder.name}/{name}: no hash on {unhashed}"


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_the_runtime_lock_has_no_test_dependency(folder: Path) -> None:
    meta = project(folder)
    extra = folder_test_extra(folder)
    extras: dict[str, list[str]] = meta.get("optional-dependencies", {})
    # What the tests need that neither the service nor the SDK needs at run time.
    runtime_direct = names(meta["dependencies"]) | sdk_names("dependencies")
    test_only = (names(extras.get(extra or "", [])) | sdk_names("testing")) - runtime_direct
    test_only -= {"shopkit-sdk"}
    leaked = sorted(test_only & set(pins(folder / locks.RUNTIME_LOCK)))
    assert not leaked, f"{folder.name}/requirements.lock holds test dependencies {leaked}"
    for needed in ("pytest", "hypothesis", "pact-python"):
        assert needed not in pins(folder / locks.RUNTIME_LOCK)


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_the_runtime_lock_ships_exactly_the_tested_versions(folder: Path) -> None:
    runtime, tested = pins(folder / locks.RUNTIME_LOCK), pins(folder / locks.TEST_LOCK)
    differ = {n: (v, tested.get(n)) for n, v in runtime.items() if tested.get(n) != v}
    assert not differ, f"{folder.name}: runtime vs test lock {differ}: run `make lock`"
    extra = folder_test_extra(folder)
    if extra:
        wanted = names(project(folder)["optional-dependencies"][extra])
        assert wanted - {"shopkit-sdk"} <= set(tested), f"{folder.name}: test extra not locked"


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_the_sdk_is_pinned_to_the_wheel_sdk_builds_to(folder: Path, fresh_sdk_wheel: Path) -> None:
    """A changed SDK without a new version (or a bump without `make lock`) fails here."""
    line = next(
        (r for r in requirements(folder / locks.RUNTIME_LOCK) if r.startswith("shopkit-sdk==")),
        None,
    )
    assert line is not None, f"{folder.name}: the SDK is not in requirements.lock"
    assert line.startswith(f"shopkit-sdk=={sdk_wheel.version()} "), (
        f"{folder.name}: {line.split()[0]}, sdk/ is {sdk_wheel.version()}: run `make lock`"
    )
    assert f"--hash=sha256:{sdk_wheel.sha256(fresh_sdk_wheel)}" in line, (
        f"{folder.name}: the SDK's hash is not the one sdk/ builds to: sdk/ changed without a "
        "new version, or the locks are older than it: bump sdk/pyproject.toml, run `make lock`"
    )


def test_the_sdk_wheel_is_reproducible(fresh_sdk_wheel: Path, tmp_path: Path) -> None:
    again = sdk_wheel.build(tmp_path)
    assert sdk_wheel.sha256(again) == sdk_wheel.sha256(fresh_sdk_wheel)


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_the_build_lock_pins_the_one_build_backend(folder: Path) -> None:
    constraints = pins(sdk_wheel.BUILD_CONSTRAINTS)
    built = pins(folder / locks.BUILD_LOCK)
    assert built["hatchling"] == constraints["hatchling"]
    assert set(built) <= set(constraints)
