"""Observability: compose Prometheus' scrape targets and the Grafana dashboard's `service`
variable (the list its overview and its repeated per-service rows offer)."""

from __future__ import annotations

import json
from typing import Any

from .._paths import PLATFORM
from ..registry import Service
from ._regions import replace
from ._yaml import dump

OBSERVABILITY = PLATFORM / "observability"
PROMETHEUS = OBSERVABILITY / "compose" / "prometheus.yml"
DASHBOARD = OBSERVABILITY / "grafana-dashboard.json"
# JSON holds no comments: the generated variable says so in its description (Grafana shows
# it as the variable's tooltip).
GENERATED_NOTE = (
    "Every registered service and web app; generated from platform/services.toml by `make generate`"
)


def render_prometheus(services: list[Service], current: str) -> str:
    targets = [f"{s.slug}:{s.port}" for s in services]
    return replace(current, "targets", dump(targets, indent=10), PROMETHEUS)


def render_dashboard(services: list[Service], current: str) -> str:
    dashboard: dict[str, Any] = json.loads(current)
    variable = next(v for v in dashboard["templating"]["list"] if v["name"] == "service")
    slugs = [s.slug for s in services]
    variable["description"] = GENERATED_NOTE
    variable["query"] = ",".join(slugs)
    variable["options"] = [{"selected": False, "text": slug, "value": slug} for slug in slugs]
    return json.dumps(dashboard, indent=2, ensure_ascii=False) + "\n"
