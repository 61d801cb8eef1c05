"""The root Backstage catalog (catalog-info.yaml): each service's database Resource and the
Location that takes in every service's and app's own catalog file."""

from __future__ import annotations

from .._paths import ROOT
from ..registry import Service
from ._regions import GenerateError, replace
from ._yaml import dump

CATALOG = ROOT / "catalog-info.yaml"
TEMPLATE_ENTITY = "./templates/service/template.yaml"


def resource_name(s: Service) -> str:
    return f"{(s.database or '').replace('_', '-')}-db"


def _database(s: Service) -> str:
    if s.team is None:
        raise GenerateError(
            f"platform/services.toml [services.{s.slug}]: no team owns its database"
        )
    entity = {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Resource",
        "metadata": {
            "name": resource_name(s),
            "description": (
                f"PostgreSQL database `{s.database}`, owned by {s.slug} alone "
                "(database per service)."
            ),
        },
        "spec": {"type": "database", "owner": f"group:{s.team}", "system": "system:shopkit"},
    }
    return "---\n" + dump(entity)


def render_catalog(services: list[Service], current: str) -> str:
    databases = "".join(_database(s) for s in services if s.database and not s.is_app)
    text = replace(current, "databases", databases, CATALOG)
    targets = [TEMPLATE_ENTITY] + [
        f"./{'clients' if s.is_app else 'services'}/{s.slug}/catalog-info.yaml" for s in services
    ]
    return replace(text, "components", dump(targets, indent=4), CATALOG)
