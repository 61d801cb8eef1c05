"""Bake the service template and set the result up the way the golden path does.

Used by `make new-service` (into services/) and by the bake test (into a temporary folder):
render with cruft (so `.cruft.json` links the service to the template), lock the exact
dependency versions (`make lock`'s three lock files), install into a virtualenv and write the
generated OpenAPI/AsyncAPI files.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "templates" / "service"
SDK_DIST = REPO / "sdk" / "dist"
TEST_LOCK = "requirements-test.lock"


def run(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> None:
    subprocess.run([str(a) for a in args], cwd=cwd, check=True, env=env)


def platform(*args: str | Path) -> None:
    """A command of the platform package (platform/shopkit_platform), with this interpreter."""
    env = {**os.environ, "SHOPKIT_ROOT": str(REPO), "PYTHONPATH": str(REPO / "platform")}
    run(sys.executable, "-m", "shopkit_platform", *args, env=env)


def build_sdk_wheel() -> Path:
    """The reproducible SDK wheel (the bytes the runtime lock pins by hash) into sdk/dist."""
    platform("sdk-wheel")
    wheels = sorted(SDK_DIST.glob("shopkit_sdk-*.whl"), key=lambda p: p.stat().st_mtime)
    if not wheels:
        raise SystemExit("building the SDK wheel produced nothing")
    return wheels[-1]


def render(context: dict[str, Any], output_dir: Path) -> Path:
    """Render the working tree's template and link the result to it in `.cruft.json`.

    `cruft create` would render the last *commit* of the template (it clones the repository),
    so a template change could not be tried before committing it. This does what cruft create
    does with cruft's own helpers, from the working tree, recording the current commit, so
    `cruft update` works on the result as usual.
    """
    from cookiecutter.generate import generate_files
    from cruft._commands.utils.cookiecutter import generate_cookiecutter_context
    from cruft._commands.utils.cruft import json_dumps

    output_dir.mkdir(parents=True, exist_ok=True)
    service = output_dir / context["slug"]
    link = _relative(REPO, service)
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.strip()
    full_context = generate_cookiecutter_context(
        link, commit, TEMPLATE, extra_context=context, no_input=True
    )
    generate_files(repo_dir=str(TEMPLATE), context=full_context, output_dir=str(output_dir))
    cruft_content = {
        "template": link,
        "commit": commit,
        "checkout": None,
        "context": full_context,
        "directory": "templates/service",
    }
    (service / ".cruft.json").write_text(json_dumps(cruft_content), encoding="utf-8")
    return service


def _relative(target: Path, start: Path) -> str:
    """The repository as seen from the service: relative inside it, absolute outside it."""
    try:
        start.resolve().relative_to(REPO)
    except ValueError:
        return str(target)
    return os.path.relpath(target, start)


def lock(service: Path) -> Path:
    """Pin every dependency as `make lock` does: requirements.lock (runtime, hashed, for the
    image), requirements-test.lock (with the test extra) and requirements-build.lock."""
    platform("lock", service)
    return service / TEST_LOCK


def install(service: Path, python: Path, *, editable: bool) -> None:
    """Install the test lock and the service itself into `python`'s environment."""
    run("uv", "pip", "install", "-q", "--python", python, "--find-links", SDK_DIST,
        "--refresh-package", "shopkit-sdk", "--reinstall-package", "shopkit-sdk",
        "-r", service / TEST_LOCK)  # fmt: skip
    target = ["-e", str(service)] if editable else [str(service)]
    run("uv", "pip", "install", "-q", "--python", python, "--no-deps", *target)


def write_specs(service: Path, python: Path, slug: str) -> None:
    run(python.parent / slug, "specs", cwd=service)


if __name__ == "__main__":
    print(render(json.loads(sys.argv[1]), Path(sys.argv[2])))
