"""The Backstage catalog check (platform/catalog/validate.mjs) on small real catalogs."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

PLATFORM = Path(__file__).resolve().parents[1]
VALIDATE = PLATFORM / "catalog" / "validate.mjs"

ROOT = """\
apiVersion: backstage.io/v1alpha1
kind: Domain
metadata: {name: commerce}
spec: {owner: group:team-1}
---
apiVersion: backstage.io/v1alpha1
kind: System
metadata: {name: shopkit}
spec: {owner: group:team-1, domain: commerce}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-1}
spec: {type: team, profile: {displayName: Team 1}, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata: {name: user-db}
spec: {type: database, owner: team-1, system: shopkit}
---
apiVersion: backstage.io/v1alpha1
kind: Location
metadata: {name: components}
spec:
  type: file
  targets:
    - ./services/*/catalog-info.yaml
    - ./templates/service/template.yaml
"""

SERVICE = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: user-service}
spec:
  type: service
  lifecycle: production
  owner: group:team-1
  system: shopkit
  providesApis: [user-service-api]
  dependsOn: [resource:user-db]
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: user-service-api}
spec:
  type: openapi
  lifecycle: production
  owner: team-1
  system: shopkit
  definition:
    $text: ./openapi.json
"""

TEMPLATE = """\
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: {name: shopkit-service}
spec:
  owner: group:team-1
  type: service
  parameters: [{title: Service, properties: {slug: {type: string}}}]
  steps: [{id: fetch, name: Fetch, action: fetch:template, input: {url: ./service}}]
"""


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    if shutil.which("node") is None or not (PLATFORM / "catalog" / "node_modules").is_dir():
        pytest.fail("node and platform/catalog/node_modules are needed: run `make bootstrap`")
    (tmp_path / "services" / "user-service").mkdir(parents=True)
    (tmp_path / "templates" / "service").mkdir(parents=True)
    (tmp_path / "catalog-info.yaml").write_text(ROOT)
    (tmp_path / "services" / "user-service" / "catalog-info.yaml").write_text(SERVICE)
    (tmp_path / "services" / "user-service" / "openapi.json").write_text('{"openapi": "3.1.0"}')
    (tmp_path / "templates" / "service" / "template.yaml").write_text(TEMPLATE)
    return tmp_path


def validate(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["node", str(VALIDATE), "catalog-info.yaml"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_a_complete_catalog_is_valid(catalog: Path) -> None:
    result = validate(catalog)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "8 entities valid in 3 file(s)" in result.stdout
    assert "1 Template" in result.stdout


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("services/user-service/openapi.json", None), "$text: ./openapi.json does not exist"),
        (("templates/service/template.yaml", None), "./templates/service/template.yaml does not"),
        (
            ("services/user-service/catalog-info.yaml", SERVICE.replace("group:team-1", "team-9")),
            "spec.owner: team-9 names no entity",
        ),
        (
            (
                "services/user-service/catalog-info.yaml",
                SERVICE.replace("[user-service-api]", "[x]"),
            ),
            "spec.providesApis: x names no entity",
        ),
        (
            ("services/user-service/catalog-info.yaml", SERVICE.replace("resource:user-db", "db")),
            "spec.dependsOn",
        ),
        (
            (
                "services/user-service/catalog-info.yaml",
                SERVICE.replace("  lifecycle: production\n  owner: group", "  owner: group"),
            ),
            "lifecycle",
        ),
        (("templates/service/template.yaml", TEMPLATE.replace("  steps:", "  stepz:")), "'steps'"),
        (("catalog-info.yaml", ROOT.replace("name: team-1}", "name: Team 1}")), "metadata.name"),
    ],
    ids=[
        "missing-text",
        "missing-target",
        "unknown-owner",
        "unknown-api",
        "kindless-depends",
        "no-lifecycle",
        "bad-template",
        "bad-name",
    ],
)
def test_each_kind_of_mistake_is_reported(
    catalog: Path, change: tuple[str, str | None], message: str
) -> None:
    path, text = change
    if text is None:
        (catalog / path).unlink()
    else:
        (catalog / path).write_text(text)
    result = validate(catalog)
    assert result.returncode == 1, result.stdout
    assert message in result.stderr, result.stderr
