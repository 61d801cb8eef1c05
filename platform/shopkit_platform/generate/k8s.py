"""Kubernetes: the overlay's bases and images (platform/k8s/kustomization.yaml), the Ingress
paths (ingress.yaml) and the table of the Secrets each service needs (README.md)."""

from __future__ import annotations

from typing import Any

from .._paths import PLATFORM
from ..registry import Service
from ._regions import replace
from ._yaml import dump

K8S = PLATFORM / "k8s"
KUSTOMIZATION = K8S / "kustomization.yaml"
INGRESS = K8S / "ingress.yaml"
README = K8S / "README.md"
# What a service's own Secret `<slug>-secrets` holds at least (its config reads both).
SECRET_KEYS = ("DATABASE_URL", "BROKER_URL")


def _base(s: Service) -> str:
    return f"../../{'clients' if s.is_app else 'services'}/{s.slug}/deploy"


def render_kustomization(services: list[Service], current: str) -> str:
    text = replace(current, "bases", dump([_base(s) for s in services], indent=2), KUSTOMIZATION)
    images = [{"name": f"shopkit/{s.slug}", "newTag": "latest"} for s in services]
    return replace(text, "images", dump(images, indent=2), KUSTOMIZATION)


def _path(path: str, kind: str, slug: str) -> dict[str, Any]:
    backend = {"service": {"name": slug, "port": {"name": "http"}}}
    return {"path": path, "pathType": kind, "backend": backend}


def render_ingress(services: list[Service], current: str) -> str:
    """Every route prefix as a Prefix path (whole segments, as the local gateway matches) and
    every SSE stream as an Exact path of the unbuffered Ingress."""
    prefixes = [_path(route, "Prefix", s.slug) for s in services for route in s.routes]
    streams = [_path(stream, "Exact", s.slug) for s in services for stream in s.streams]
    text = replace(current, "paths", dump(prefixes, indent=10), INGRESS)
    return replace(text, "stream-paths", dump(streams, indent=10), INGRESS)


def render_readme(services: list[Service], current: str) -> str:
    """The table of each back-end service's own Secret and its database."""
    rows = ["| Secret | keys | database |", "|---|---|---|"]
    for s in (s for s in services if not s.is_app):
        keys = [k for k in SECRET_KEYS if s.database or k != "DATABASE_URL"]
        where = f"`{s.database}`" if s.database else "none (Redis only)"
        rows.append(f"| `{s.slug}-secrets` | {', '.join(f'`{k}`' for k in keys)} | {where} |")
    return replace(current, "secrets", "\n".join(rows) + "\n", README)
