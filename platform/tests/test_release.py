"""The release workflow: every registered image built, tagged by commit, pushed, with an SBOM."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
import yaml

from shopkit_platform.generate import release
from shopkit_platform.registry import load

pytestmark = pytest.mark.unit


def workflow(text: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(text or release.RELEASE.read_text())
    return data


def test_it_runs_on_pushes_to_main_only_and_may_write_packages() -> None:
    flow = workflow()
    assert flow[True] == {"push": {"branches": ["main"]}}  # PyYAML reads `on` as True
    assert flow["permissions"] == {"contents": "read"}
    assert flow["jobs"]["image"]["permissions"] == {"contents": "read", "packages": "write"}


def test_every_registered_service_and_app_is_built_from_its_folder() -> None:
    matrix = workflow()["jobs"]["image"]["strategy"]["matrix"]["include"]
    wanted = [{"slug": s.slug, "folder": "clients" if s.is_app else "services"} for s in load()]
    assert matrix == wanted
    for entry in matrix:
        folder = release.ROOT / entry["folder"] / entry["slug"]
        assert (folder / "Dockerfile").is_file()


def test_each_image_is_pushed_by_commit_with_an_sbom_and_the_reproducible_sdk_wheel() -> None:
    job = workflow()["jobs"]["image"]
    assert job["env"]["IMAGE"] == "ghcr.io/${{ github.repository_owner }}/${{ matrix.slug }}"
    steps = {step.get("uses", "").split("@")[0] or step["name"]: step for step in job["steps"]}
    assert "shopkit_platform sdk-wheel" in next(
        s["run"] for s in job["steps"] if "SDK wheel" in s.get("name", "")
    )
    build = steps["docker/build-push-action"]["with"]
    assert build["push"] is True
    assert build["sbom"] is True
    assert build["provenance"] == "mode=max"
    assert build["build-contexts"] == "sdk-dist=sdk/dist"
    assert build["tags"] == "${{ steps.tags.outputs.tags }}"
    tags = next(s["run"] for s in job["steps"] if s.get("id") == "tags")
    assert 'tags="$image:sha-$GITHUB_SHA"' in tags
    assert "imagetools inspect" in tags  # a version tag is never moved


def test_a_new_service_joins_the_matrix() -> None:
    services = load()
    review = dataclasses.replace(services[1], slug="review-service", port=3010)
    matrix = workflow(release.render_release([*services, review]))["jobs"]["image"]
    assert {"slug": "review-service", "folder": "services"} in matrix["strategy"]["matrix"][
        "include"
    ]
