"""The golden path: one command in a clean clone gives a registered, migrated, tested service
that answers behind the gateway at the next `make up`."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import tomllib
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
from shopkit.db import drop_database

REPO = Path(__file__).resolve().parents[2]
VENV = Path(os.environ.get("SHOPKIT_VENV", REPO / ".venv"))


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """A clean clone of the committed repository (what a newcomer has)."""
    target = tmp_path / "shopkit"
    subprocess.run(["git", "clone", "-q", str(REPO), str(target)], check=True)
    return target


def test_make_new_service_registers_a_working_service(clone: Path) -> None:
    slug = f"golden{uuid.uuid4().hex[:6]}-service"
    database = slug.removesuffix("-service")
    try:
        result = subprocess.run(
            ["make", "new-service", f"NAME={slug}"],
            cwd=clone, capture_output=True, text=True, timeout=600,
            env={**os.environ, "SHOPKIT_VENV": str(clone / ".venv")},
        )  # fmt: skip
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

        registry = tomllib.loads((clone / "platform/services.toml").read_text())["services"]
        entry = registry[slug]
        assert entry["port"] >= 3010
        assert entry["database"] == database
        assert entry["routes"] == [f"/api/{database}", f"/api/ops/{slug}"]
        catalog = (clone / "catalog-info.yaml").read_text()
        assert f"./services/{slug}/catalog-info.yaml" in catalog
        assert f"name: {database}-db" in catalog
        assert (clone / ".github/workflows" / f"{slug}.yml").exists()
        for lock in ("requirements.lock", "requirements-test.lock", "requirements-build.lock"):
            assert (clone / "services" / slug / lock).exists()
        assert "--hash=sha256:" in (clone / "services" / slug / "requirements.lock").read_text()
        assert (clone / "services" / slug / "docs/openapi.json").exists()
        published = clone / "contracts" / "openapi" / f"{slug}.openapi.json"
        assert (
            published.read_text() == (clone / "services" / slug / "docs/openapi.json").read_text()
        )
        compose = yaml.safe_load((clone / "platform/compose.yaml").read_text())["services"]
        assert {slug, f"{slug}-migrate", f"{slug}-seed"} <= set(compose)
        kustomization = yaml.safe_load((clone / "platform/k8s/kustomization.yaml").read_text())
        assert f"../../services/{slug}/deploy" in kustomization["resources"]

        checks = subprocess.run(
            ["make", "catalog", "gateway-config"],
            cwd=clone, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert checks.returncode == 0, checks.stdout[-3000:] + checks.stderr[-3000:]
        nginx_conf = (clone / ".run/nginx/nginx.conf").read_text()
        assert f"/api/{database}" in nginx_conf

        tests = subprocess.run(
            [clone / ".venv/bin/pytest", "-q"],
            cwd=clone / "services" / slug, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert tests.returncode == 0, tests.stdout[-3000:]

        answer = answer_behind_the_gateway(clone, slug, f"/api/{database}/")
        # `make up` seeds the template's demo records; the gateway serves them.
        assert [item["name"] for item in answer["items"]] == ["first", "second"], answer
    finally:
        asyncio.run(drop_database(f"postgresql+asyncpg://postgres@127.0.0.1:5432/{database}"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def answer_behind_the_gateway(clone: Path, slug: str, path: str) -> Any:
    """`make up` in the clone, with only the new service (on free ports, so a running shop is
    not disturbed): the service starts, passes its readiness check and answers `path` through
    the gateway. `make down` after."""
    registry_path = clone / "platform/services.toml"
    entry = tomllib.loads(registry_path.read_text())["services"][slug]
    registry_path.write_text(
        f"[services.{slug}]\nport = {free_port()}\ndatabase = {json.dumps(entry['database'])}\n"
        f"routes = {json.dumps(entry['routes'])}\n"
    )
    gateway = f"127.0.0.1:{free_port()}"
    env = {
        **os.environ,
        "SHOPKIT_ROOT": str(clone),
        "SHOPKIT_VENV": str(clone / ".venv"),
        "PYTHONPATH": str(clone / "platform"),
        "GATEWAY_LISTEN": gateway,
        "SHOPKIT_MAIL_SINK": f"127.0.0.1:{free_port()}",
    }
    up = [sys.executable, "-m", "shopkit_platform"]
    proc = subprocess.Popen(
        [*up, "up", "--no-bootstrap"], cwd=clone, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        seen: list[str] = []
        for line in proc.stdout:
            seen.append(line)
            if line.startswith("  logs"):
                break
        else:
            raise AssertionError("make up ended before it was up:\n" + "".join(seen))
        with urllib.request.urlopen(f"http://{gateway}{path}", timeout=10) as response:
            assert response.status == 200
            return json.loads(response.read())
    finally:
        subprocess.run([*up, "down"], cwd=clone, env=env, capture_output=True, timeout=60)
        proc.wait(timeout=30)


# --- the deploy assets: baked and registered as `make new-service` does, then test_deploy.py ---

REGISTER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, "templates/tools")
    import bake, new_service
    slug = sys.argv[1]
    placed = new_service.choose(slug, None)
    bake.render(new_service.template_context(slug, placed), bake.REPO / "services")
    new_service.register(slug, placed)
    new_service.generate()
    """
)
# Files with generated regions (the rest of each is hand-written).
HAND_WRITTEN = [
    "catalog-info.yaml",
    "platform/k8s/kustomization.yaml",
    "platform/k8s/README.md",
    "platform/compose.yaml",
    "platform/observability/compose/prometheus.yml",
    "platform/observability/grafana-dashboard.json",
]


@pytest.fixture(scope="module")
def registered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clone with review-service baked and registered by the working tree's new_service.py
    (its table appended to the registry, then `make generate`).

    No lock, install or database (what the golden path above adds): the deploy assets depend
    only on the registry and the baked files. The clone is of the last commit; its
    templates/tools are replaced by the working tree's, the code under test.
    """
    target = tmp_path_factory.mktemp("deploy") / "shopkit"
    subprocess.run(["git", "clone", "-q", str(REPO), str(target)], check=True)
    shutil.rmtree(target / "templates" / "tools")
    shutil.copytree(
        REPO / "templates" / "tools",
        target / "templates" / "tools",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    subprocess.run(
        [sys.executable, "-c", REGISTER, "review-service"],
        cwd=target, check=True, timeout=120,
        env={k: v for k, v in os.environ.items() if k != "SHOPKIT_ROOT"},
    )  # fmt: skip
    return target


def load_yaml(clone: Path, path: str) -> Any:
    return yaml.safe_load((clone / path).read_text())


def test_the_deploy_assets_name_the_new_service_with_its_port_and_routes(
    registered: Path,
) -> None:
    entry = tomllib.loads((registered / "platform/services.toml").read_text())["services"][
        "review-service"
    ]
    port, routes = entry["port"], entry["routes"]
    assert (port, routes) == (3010, ["/api/review", "/api/ops/review-service"])

    kustomization = load_yaml(registered, "platform/k8s/kustomization.yaml")
    assert "../../services/review-service/deploy" in kustomization["resources"]
    assert {"name": "shopkit/review-service", "newTag": "latest"} in kustomization["images"]

    # The Ingress sends everything to the in-cluster gateway; its generated config routes on.
    cluster_nginx = (registered / "platform/k8s/gateway/nginx.conf").read_text()
    assert "server review-service:80 " in cluster_nginx
    for route in routes:
        assert f"location ^~ {route}/ {{" in cluster_nginx

    readme = (registered / "platform/k8s/README.md").read_text()
    assert "| `review-service-secrets` | `DATABASE_URL`, `BROKER_URL` | `review` |" in readme

    compose = load_yaml(registered, "platform/compose.yaml")["services"]
    url = "postgresql+asyncpg://postgres:postgres@postgres:5432/review"
    service = compose["review-service"]
    assert service["ports"] == [f"127.0.0.1:{port}:{port}"]
    assert service["environment"]["SERVICE_PORT"] == str(port)
    assert service["environment"]["DATABASE_URL"] == url
    assert "healthcheck" in service
    assert compose["review-service-migrate"]["command"] == ["migrate"]
    assert compose["review-service-migrate"]["environment"] == {"DATABASE_URL": url}
    assert compose["review-service-seed"]["command"] == ["seed"]
    assert compose["gateway"]["depends_on"]["review-service"] == {"condition": "service_healthy"}

    prometheus = load_yaml(registered, "platform/observability/compose/prometheus.yml")
    (shopkit_job,) = [job for job in prometheus["scrape_configs"] if job["job_name"] == "shopkit"]
    targets = shopkit_job["static_configs"][0]["targets"]
    assert f"review-service:{port}" in targets
    assert targets == sorted(targets, key=lambda target: int(target.rsplit(":", 1)[1]))

    dashboard = json.loads(
        (registered / "platform/observability/grafana-dashboard.json").read_text()
    )
    (variable,) = [v for v in dashboard["templating"]["list"] if v["name"] == "service"]
    assert "review-service" in variable["query"].split(",")
    assert "review-service" in [option["value"] for option in variable["options"]]

    nginx_conf = (registered / "platform/gateway/compose/nginx.conf").read_text()
    assert f"server review-service:{port} " in nginx_conf

    catalog = (registered / "catalog-info.yaml").read_text()
    assert "./services/review-service/catalog-info.yaml" in catalog
    assert "name: review-db" in catalog
    workflow = (registered / ".github/workflows/review-service.yml").read_text()
    assert "service: review-service" in workflow


def test_the_hand_written_assets_only_gain_lines(registered: Path) -> None:
    """The generator leaves the hand-written parts as they are: the YAML and Markdown diffs
    are additions only (the new service is last by port), and the dashboard changes one line
    (the variable's comma-separated `query`)."""
    numstat = subprocess.run(
        ["git", "diff", "--numstat", "--", *HAND_WRITTEN],
        cwd=registered, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rows = [line.split("\t") for line in numstat.splitlines()]
    removed = {path: int(deleted) for _added, deleted, path in rows}
    assert removed == {
        **dict.fromkeys(HAND_WRITTEN, 0),
        "platform/observability/grafana-dashboard.json": 1,
    }


def test_the_deploy_checks_pass_for_the_clone(registered: Path) -> None:
    """platform/tests/test_deploy.py and the generated files' check, run in the clone:
    everything agrees with its registry and nothing generated is stale."""
    env = {k: v for k, v in os.environ.items() if k != "SHOPKIT_ROOT"}
    checks = [
        "tests/test_deploy.py",
        "tests/test_generated.py::test_every_generated_deploy_file_is_current",
    ]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *checks],
        cwd=registered / "platform", capture_output=True, text=True, timeout=600,
        env={**env, "SHOPKIT_VENV": str(VENV)},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-3000:]
