"""Every service's and web app's image, checked from its Dockerfile and its Deployment.

Docker cannot run here, so the properties a release depends on are read statically: only the
hash-checked runtime lock is installed, the image runs as a non-root user (the same one its
pod runs as), it needs no writable path but /tmp (an emptyDir in the pod), and a few
hadolint-style rules (pinned base tags, exec-form entry points, no ADD, a HEALTHCHECK).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from shopkit_platform.bootstrap import service_dirs

pytestmark = pytest.mark.unit

FOLDERS = service_dirs()
IMAGE_USER = "10001"


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [args for kw, args in self.instructions if kw == keyword]


def stages(dockerfile: Path) -> list[Stage]:
    """The Dockerfile's stages, each instruction with its continuation lines joined."""
    text = re.sub(r"\\\n", " ", dockerfile.read_text())
    result: list[Stage] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, args = line.partition(" ")
        keyword, args = keyword.upper(), " ".join(args.split())
        if keyword == "FROM":
            words = args.split()
            result.append(Stage(words[0], words[2] if len(words) > 2 else None))
        else:
            result[-1].instructions.append((keyword, args))
    return result


def pip_installs(stage: Stage) -> list[list[str]]:
    commands = []
    for run in stage.all("RUN"):
        for part in re.split(r"&&|;", run):
            words = shlex.split(part)
            if len(words) > 1 and words[0].endswith("pip") and words[1] == "install":
                commands.append(words)
    return commands


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_the_image_installs_only_the_hash_checked_runtime_lock(folder: Path) -> None:
    all_stages = stages(folder / "Dockerfile")
    instructions = [args for stage in all_stages for _, args in stage.instructions]
    assert not [i for i in instructions if "requirements-test.lock" in i], "tests' lock in image"
    build = all_stages[0]
    installs = pip_installs(build)
    locked = [w for w in installs if "requirements.lock" in w]
    assert len(locked) == 1, f"{folder.name}: install requirements.lock exactly once"
    assert {"--require-hashes", "--no-deps", "--only-binary"} <= set(locked[0])
    for words in installs:
        if "-r" in words:
            assert "--require-hashes" in words, f"{folder.name}: unhashed {' '.join(words)}"
        else:
            # Only the service's own wheel, built from this folder, goes in without a lock.
            assert "--no-deps" in words
            assert words[-1] == "/dist/*.whl", words
    copied = " ".join(build.all("COPY"))
    assert "tests" not in copied.split()


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_the_image_runs_as_a_non_root_user_without_writing(folder: Path) -> None:
    final = stages(folder / "Dockerfile")[-1]
    users = final.all("USER")
    assert users, f"{folder.name}: the final stage has no USER (it would run as root)"
    uid, _, gid = users[-1].partition(":")
    assert uid == IMAGE_USER, users[-1]
    assert gid == IMAGE_USER, users[-1]
    assert uid not in ("0", "root")
    env = " ".join(final.all("ENV"))
    assert "PYTHONDONTWRITEBYTECODE=1" in env
    assert "TMPDIR=/tmp" in env
    # Only the virtualenv comes from the build stage: no compiler, no pip cache, no tests.
    assert final.all("COPY") == ["--from=build /opt/venv /opt/venv"]


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_the_dockerfile_follows_the_hadolint_rules_we_rely_on(folder: Path) -> None:
    all_stages = stages(folder / "Dockerfile")
    for stage in all_stages:
        tag = stage.base.partition(":")[2]
        assert tag not in ("", "latest"), f"{folder.name}: FROM {stage.base} (DL3006/DL3007)"
        assert not stage.all("ADD"), "COPY, not ADD (DL3020)"
        for workdir in stage.all("WORKDIR"):
            assert workdir.startswith("/"), "absolute WORKDIR (DL3000)"
        assert not any("sudo " in run for run in stage.all("RUN")), "no sudo (DL3004)"
    final = all_stages[-1]
    for keyword in ("ENTRYPOINT", "CMD"):
        (value,) = final.all(keyword)
        assert value.startswith("["), f"{keyword} in exec form (DL3025)"
    assert final.all("HEALTHCHECK"), f"{folder.name}: no HEALTHCHECK"
    assert final.all("EXPOSE")


def deployment(folder: Path) -> dict[str, Any]:
    docs = yaml.safe_load_all((folder / "deploy" / "deployment.yaml").read_text())
    return next(d for d in docs if d and d["kind"] == "Deployment")


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_the_pod_runs_the_image_user_on_a_read_only_root_with_tmp_writable(folder: Path) -> None:
    pod = deployment(folder)["spec"]["template"]["spec"]
    security = pod["securityContext"]
    assert security["runAsNonRoot"] is True
    assert str(security["runAsUser"]) == IMAGE_USER
    assert str(security["runAsGroup"]) == IMAGE_USER
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    for container in [*pod.get("initContainers", []), *pod["containers"]]:
        context = container["securityContext"]
        assert context["readOnlyRootFilesystem"] is True, container["name"]
        assert context["allowPrivilegeEscalation"] is False
        assert context["capabilities"]["drop"] == ["ALL"]
        mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
        assert "/tmp" in mounts, f"{container['name']}: /tmp is not writable"
        assert "emptyDir" in volumes[mounts["/tmp"]]
