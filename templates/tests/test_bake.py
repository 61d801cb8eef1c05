"""The template bakes into a complete service whose own tests pass in a fresh environment."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

import bake

CONTEXT = {
    "slug": "bake-check-service",
    "description": 'A service baked by the template test: "quoted", with # and colons.',
    "port": "3199",
    "database": "bake_check",
    "team": "team-2",
    "route_prefix": "/api/bake-checks",
}


@pytest.fixture(scope="module")
def baked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bake.render(CONTEXT, tmp_path_factory.mktemp("bake"))


def test_the_service_has_the_shape_conventions_describe(baked: Path) -> None:
    expected = [
        "pyproject.toml", "README.md", "CHANGELOG.md", "Dockerfile", ".cruft.json",
        "catalog-info.yaml", ".github/workflows/ci.yml",
        "deploy/kustomization.yaml", "deploy/deployment.yaml", "deploy/service.yaml",
        "deploy/hpa.yaml", "deploy/pdb.yaml",
        "src/bake_check_service/__main__.py", "src/bake_check_service/config.py",
        "src/bake_check_service/app.py", "src/bake_check_service/db/models.py",
        "src/bake_check_service/db/migrations/env.py",
        "src/bake_check_service/events/events.py", "src/bake_check_service/events/handlers.py",
        "tests/unit", "tests/integration", "tests/contract/provider",
    ]  # fmt: skip
    missing = [path for path in expected if not (baked / path).exists()]
    assert not missing, f"the baked service lacks {missing}"
    pyproject = (baked / "pyproject.toml").read_text()
    assert '"shopkit-sdk>=2,<3"' in pyproject
    assert '"bake-check-service" = "bake_check_service.__main__:main"' in pyproject


def test_the_generated_code_is_lint_clean_under_the_repository_rules(baked: Path) -> None:
    ruff = Path(sys.executable).parent / "ruff"
    config = str(bake.REPO / "ruff.toml")
    for command in (["check"], ["format", "--check"]):
        result = subprocess.run(
            [ruff, *command, "--config", config, "--config", "src = ['src']", "--no-cache", "."],
            cwd=baked, capture_output=True, text=True,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr


def test_cruft_links_the_service_to_the_template(baked: Path) -> None:
    cruft = json.loads((baked / ".cruft.json").read_text())
    assert cruft["directory"] == "templates/service"
    assert cruft["context"]["cookiecutter"]["slug"] == "bake-check-service"
    assert (Path(baked) / cruft["template"] / "templates" / "service").is_dir()


def test_the_generated_service_passes_its_own_tests_in_a_fresh_environment(
    baked: Path, tmp_path: Path
) -> None:
    bake.build_sdk_wheel()
    bake.lock(baked)
    venv = tmp_path / "venv"
    subprocess.run(["uv", "venv", "-q", "--python", sys.executable, venv], check=True)
    python = venv / "bin" / "python"
    bake.install(baked, python, editable=False)
    bake.write_specs(baked, python, CONTEXT["slug"])
    result = subprocess.run(
        [python, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=baked, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("slug", "Orders"),
        ("slug", "order_service"),
        ("slug", "orders"),
        ("port", "80"),
        ("database", "Order-DB"),
        ("route_prefix", "orders"),
    ],
)
def test_a_bad_answer_is_refused_before_anything_is_written(
    field: str, value: str, tmp_path: Path
) -> None:
    from cookiecutter.exceptions import FailedHookException
    from cookiecutter.main import cookiecutter

    with pytest.raises(FailedHookException):
        cookiecutter(
            str(bake.TEMPLATE), no_input=True, output_dir=str(tmp_path),
            extra_context={**CONTEXT, field: value},
        )  # fmt: skip
    assert list(tmp_path.iterdir()) == []
