"""The generated files: current (the staleness check of `make test`), and what the generator
writes for a service registered after the others."""

from __future__ import annotations

import dataclasses
import json
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import yaml

from shopkit_platform import generate
from shopkit_platform.generate import Output, catalog, ci, compose, contracts, k8s, observability
from shopkit_platform.generate._regions import GenerateError, replace
from shopkit_platform.registry import Service, load

pytestmark = pytest.mark.unit

REVIEW = Service(
    slug="review-service",
    port=3010,
    database="review",
    routes=("/api/review", "/api/ops/review-service"),
    team="team-3",
    processes=2,
    calls=(("PRODUCT_SERVICE_BASE_URL", "product-service"),),
)


def test_every_generated_deploy_file_is_current() -> None:
    problems = generate.stale(generate.deploy_outputs())
    assert not problems, "generated files are stale:\n" + "\n".join(problems)


def test_every_published_spec_is_current() -> None:
    problems = generate.stale(generate.contract_outputs())
    assert not problems, "published specs are stale:\n" + "\n".join(problems)


def test_the_check_names_the_file_and_the_command_that_fixes_it(tmp_path: Path) -> None:
    stale, orphan, current = tmp_path / "stale.yml", tmp_path / "orphan.yml", tmp_path / "ok.yml"
    for path in (stale, orphan, current):
        path.write_text("old\n")
    outputs = [
        Output(stale, lambda: "new\n"),
        Output(orphan, lambda: None, "make contracts"),
        Output(current, lambda: "old\n"),
        Output(tmp_path / "missing.yml", lambda: "new\n"),
    ]
    assert generate.stale(outputs) == [
        f"{stale} is stale: run `make generate`",
        f"{orphan} should not exist: run `make contracts`",
        f"{tmp_path / 'missing.yml'} is stale: run `make generate`",
    ]
    assert generate.write(outputs) == [str(stale), str(orphan), str(tmp_path / "missing.yml")]
    assert not orphan.exists()
    assert generate.stale(outputs) == []


def test_a_spec_the_service_has_not_written_names_the_command_that_writes_it(
    tmp_path: Path,
) -> None:
    output = Output(
        tmp_path / "review-service.openapi.json",
        partial(contracts.read_spec, tmp_path / "openapi.json", "review-service"),
        "make contracts",
    )
    (problem,) = generate.stale([output])
    assert "openapi.json is missing: run `review-service specs` in services/review-service/" in (
        problem
    )
    assert problem.endswith("(then run `make contracts`)")


def test_a_region_without_its_markers_is_named(tmp_path: Path) -> None:
    with pytest.raises(GenerateError, match=r"'targets'.*BEGIN GENERATED targets"):
        replace("scrape_configs: []\n", "targets", "- a:1\n", tmp_path / "prometheus.yml")


def test_the_generator_is_deterministic() -> None:
    first = [o.render() for o in generate.deploy_outputs()]
    assert first == [o.render() for o in generate.deploy_outputs()]


@pytest.fixture(scope="module")
def with_review() -> list[Service]:
    return sorted([*load(), REVIEW], key=lambda s: s.port)


def _compose(services: list[Service]) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(
        compose.render_compose(services, compose.COMPOSE.read_text())
    )
    return data


def test_a_new_service_gets_its_compose_containers(with_review: list[Service]) -> None:
    containers = _compose(with_review)["services"]
    url = "postgresql+asyncpg://postgres:postgres@postgres:5432/review"
    serve = containers["review-service"]
    assert serve["ports"] == ["127.0.0.1:3010:3010"]
    assert serve["environment"]["SERVICE_PORT"] == "3010"
    assert serve["environment"]["DATABASE_URL"] == url
    assert serve["environment"]["PRODUCT_SERVICE_BASE_URL"] == "http://product-service:3002"
    assert serve["environment"]["BROKER_URL"].startswith("amqp://")  # the shared anchor
    assert serve["depends_on"]["review-service-migrate"] == compose.COMPLETED
    assert serve["depends_on"]["postgres"] == compose.HEALTHY
    assert containers["review-service-migrate"]["environment"] == {"DATABASE_URL": url}
    # Its demo data waits for the catalog's, as inventory's and search's do.
    assert containers["review-service-seed"]["depends_on"] == {
        "review-service": compose.HEALTHY,
        "product-service-seed": compose.COMPLETED,
    }
    assert _compose(with_review)["services"]["gateway"]["depends_on"]["review-service"] == (
        compose.HEALTHY
    )


def test_a_service_without_demo_data_or_database_gets_no_seed_or_migrate() -> None:
    bare = dataclasses.replace(REVIEW, database=None, demo_data=False)
    containers = _compose(sorted([*load(), bare], key=lambda s: s.port))["services"]
    assert "review-service" in containers
    assert "review-service-migrate" not in containers
    assert "review-service-seed" not in containers
    assert "DATABASE_URL" not in containers["review-service"]["environment"]


def test_a_new_service_is_in_the_kubernetes_overlay(with_review: list[Service]) -> None:
    kustomization = yaml.safe_load(
        k8s.render_kustomization(with_review, k8s.KUSTOMIZATION.read_text())
    )
    assert "../../services/review-service/deploy" in kustomization["resources"]
    assert {"name": "shopkit/review-service", "newTag": "latest"} in kustomization["images"]
    # The Ingress sends everything to the in-cluster gateway, whose config routes to it.
    nginx = k8s.render_gateway_nginx(with_review)
    assert "server review-service:80 " in nginx
    for route in REVIEW.routes:
        assert f"location ^~ {route}/ {{" in nginx
    readme = k8s.render_readme(with_review, k8s.README.read_text())
    assert "| `review-service-secrets` | `DATABASE_URL`, `BROKER_URL` | `review` |" in readme


def test_a_new_service_is_scraped_and_on_the_dashboard(with_review: list[Service]) -> None:
    prometheus = yaml.safe_load(
        observability.render_prometheus(with_review, observability.PROMETHEUS.read_text())
    )
    (job,) = [j for j in prometheus["scrape_configs"] if j["job_name"] == "shopkit"]
    targets = job["static_configs"][0]["targets"]
    assert targets == [f"{s.slug}:{s.port}" for s in with_review]
    dashboard = json.loads(
        observability.render_dashboard(with_review, observability.DASHBOARD.read_text())
    )
    (variable,) = [v for v in dashboard["templating"]["list"] if v["name"] == "service"]
    assert variable["query"].split(",") == [s.slug for s in with_review]
    assert [o["value"] for o in variable["options"]] == [s.slug for s in with_review]


def test_a_new_service_is_in_the_catalog_and_has_a_ci_caller(with_review: list[Service]) -> None:
    text = catalog.render_catalog(with_review, catalog.CATALOG.read_text())
    documents = [d for d in yaml.safe_load_all(text) if d]
    (database,) = [d for d in documents if d["metadata"]["name"] == "review-db"]
    assert database["spec"]["owner"] == "group:team-3"
    (location,) = [d for d in documents if d["kind"] == "Location"]
    assert "./services/review-service/catalog-info.yaml" in location["spec"]["targets"]
    workflow = yaml.safe_load(ci.render_workflow(REVIEW))
    # PyYAML reads the key `on` as True (YAML 1.1); GitHub reads it as "on".
    assert workflow[True]["push"]["paths"][0] == "services/review-service/**"
    assert workflow["jobs"]["ci"]["with"]["service"] == "review-service"
