"""Fail when a service has drifted from the template in the files the template owns.

`cruft check` cannot be the gate here: with the template in this same repository, any commit
at all makes every service "out of date". Instead each service's template is rendered again
with the context stored in its `.cruft.json`, and the owned files (templates/service/
owned-files.txt) are compared byte for byte. The fix for a difference is `cruft update` in the
service (to take a template change) or reverting the local edit.
"""

from __future__ import annotations

import difflib
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "templates" / "service"


def owned_paths(package: str) -> list[str]:
    lines = (TEMPLATE / "owned-files.txt").read_text(encoding="utf-8").splitlines()
    return [
        line.strip().format(package=package)
        for line in lines
        if line.strip() and not line.startswith("#")
    ]


def render(context: dict[str, str], output_dir: Path) -> Path:
    from cookiecutter.main import cookiecutter

    answers = {key: value for key, value in context.items() if not key.startswith("_")}
    return Path(
        cookiecutter(
            str(TEMPLATE), no_input=True, output_dir=str(output_dir), extra_context=answers
        )
    )


def drift(service: Path) -> list[str]:
    """Unified diffs of every owned file that differs from what the template renders."""
    cruft = json.loads((service / ".cruft.json").read_text(encoding="utf-8"))
    context = cruft["context"]["cookiecutter"]
    problems = []
    with tempfile.TemporaryDirectory() as scratch:
        rendered = render(context, Path(scratch))
        for relative in owned_paths(context["package"]):
            expected, actual = rendered / relative, service / relative
            if not actual.exists():
                problems.append(f"{service.name}/{relative}: missing")
                continue
            want = expected.read_text(encoding="utf-8").splitlines(keepends=True)
            have = actual.read_text(encoding="utf-8").splitlines(keepends=True)
            if want != have:
                diff = difflib.unified_diff(
                    want, have, f"template/{relative}", f"{service.name}/{relative}"
                )
                problems.append("".join(diff))
    return problems


def main() -> int:
    services = sorted(p.parent for p in (REPO / "services").glob("*/.cruft.json"))
    unlinked = [
        p.name
        for p in (REPO / "services").iterdir()
        if p.is_dir() and not (p / ".cruft.json").exists()
    ]
    failures = [f"{name}: no .cruft.json (not generated from the template)" for name in unlinked]
    for service in services:
        problems = drift(service)
        status = "drifted" if problems else "matches the template"
        print(f"{service.name}: {status}")
        failures.extend(problems)
    for failure in failures:
        print(failure, file=sys.stderr)
    if failures:
        print("Fix: `cd services/<slug> && cruft update`, or undo the edit.", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
