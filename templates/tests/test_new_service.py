"""The golden path: one command in a clean clone gives a registered, migrated, tested service."""

from __future__ import annotations

import asyncio
import os
import subprocess
import tomllib
import uuid
from pathlib import Path

import pytest
from shopkit.db import drop_database

REPO = Path(__file__).resolve().parents[2]


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
        assert entry["routes"] == [f"/api/{database}"]
        catalog = (clone / "catalog-info.yaml").read_text()
        assert f"./services/{slug}/catalog-info.yaml" in catalog
        assert f"name: {database}-db" in catalog
        assert (clone / ".github/workflows" / f"{slug}.yml").exists()
        assert (clone / "services" / slug / "requirements.lock").exists()
        assert (clone / "services" / slug / "docs/openapi.json").exists()

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
    finally:
        asyncio.run(drop_database(f"postgresql+asyncpg://postgres@127.0.0.1:5432/{database}"))
