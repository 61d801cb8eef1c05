"""The OpenAPI and AsyncAPI documents the catalog points at must match the code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from payment_service.specs import build_specs

pytestmark = pytest.mark.integration

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.mark.parametrize("name", ["openapi.json", "asyncapi.json"])
def test_committed_spec_matches_the_code(name: str) -> None:
    committed = json.loads((DOCS / name).read_text(encoding="utf-8"))
    generated = json.loads(json.dumps(build_specs()[name], sort_keys=True))
    assert committed == generated, (
        f"docs/{name} is stale: run `payment-service specs` and commit the result"
    )
