"""The drift check notices an edited template-owned file and accepts an untouched service."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

import bake
import check_drift

CONTEXT = {"slug": "drift-check-service", "port": "3198", "database": "drift_check"}


def test_a_fresh_service_has_no_drift_and_an_edited_owned_file_is_reported(
    tmp_path: Path,
) -> None:
    service = bake.render(CONTEXT, tmp_path)
    assert check_drift.drift(service) == []

    dockerfile = service / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text().replace("USER 10001", "USER root"))
    problems = check_drift.drift(service)
    assert len(problems) == 1
    assert "-USER 10001" in problems[0]
    assert "+USER root" in problems[0]


def test_files_the_service_owns_may_change_freely(tmp_path: Path) -> None:
    service = bake.render(CONTEXT, tmp_path)
    readme = service / "README.md"
    readme.write_text("# Something else entirely\n")
    assert check_drift.drift(service) == []
