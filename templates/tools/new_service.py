"""`make new-service NAME=<slug>`: the golden path from nothing to a service behind the gateway.

Bakes the template into services/<slug> (linked by `.cruft.json`), picks the next free port and
its own database, locks and installs it, migrates its database, writes its OpenAPI/AsyncAPI,
and registers it: platform/services.toml (ports, databases, the gateway's routes), the root
catalog (its Location target and database Resource), a CI workflow, and every deploy asset that
lists the services (checked against the registry by platform/tests/test_deploy.py): the
Kubernetes overlay and Ingress, the Secrets table of platform/k8s/README.md, docker compose
(migrate, serve, seed, the gateway's dependencies), Prometheus' scrape targets, the Grafana
dashboard's `service` variable and the compose gateway config. Nothing to edit by hand.

The hand-written YAML and Markdown are edited as text: each entry goes right after the last
registered service's entry (and the lines indented under it; Prometheus' targets by port), so
comments, order and layout stay as they are and a diff shows only added lines. The dashboard
is JSON and is round-tripped (json.dumps with indent 2 writes it back byte for byte).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import bake

REPO = bake.REPO
PLATFORM = REPO / "platform"
REGISTRY = PLATFORM / "services.toml"
CATALOG = REPO / "catalog-info.yaml"
WORKFLOWS = REPO / ".github" / "workflows"
KUSTOMIZATION = PLATFORM / "k8s" / "kustomization.yaml"
INGRESS = PLATFORM / "k8s" / "ingress.yaml"
K8S_README = PLATFORM / "k8s" / "README.md"
COMPOSE = PLATFORM / "compose.yaml"
PROMETHEUS = PLATFORM / "observability" / "compose" / "prometheus.yml"
DASHBOARD = PLATFORM / "observability" / "grafana-dashboard.json"
COMPOSE_GATEWAY = PLATFORM / "gateway" / "compose" / "render.py"
VENV_PYTHON = Path(os.environ.get("SHOPKIT_VENV", REPO / ".venv")) / "bin" / "python"
FIRST_FREE_PORT = 3010

# The services ARCHITECTURE.md plans: their port, database, routes and team are already decided.


@dataclass(frozen=True)
class Placement:
    port: int
    database: str
    routes: tuple[str, ...]
    team: str


PLANNED = {
    "product-service": Placement(
        3002, "product", ("/api/products", "/api/categories", "/api/currencies"), "team-2"
    ),
    "cart-service": Placement(3003, "cart", ("/api/carts",), "team-4"),
    "order-service": Placement(3004, "order", ("/api/orders",), "team-3"),
    "payment-service": Placement(3005, "payment", ("/api/payments",), "team-3"),
    "inventory-service": Placement(3006, "inventory", ("/api/inventory",), "team-2"),
    "notification-service": Placement(3007, "notification", ("/api/notifications",), "team-4"),
    "search-service": Placement(3008, "search", ("/api/search",), "team-2"),
}
RESERVED_PORTS = {3000, 3001, 3009, 8080, *(placed.port for placed in PLANNED.values())}


# What a baked service reads (the template's config.py): the keys of its own Secret.
SECRET_KEYS = ("DATABASE_URL", "BROKER_URL")

INGRESS_PATH = """\
          - path: {route}
            pathType: Prefix
            backend:
              service:
                name: {slug}
                port:
                  name: http
"""

COMPOSE_SERVICE = """
  {slug}-migrate:
    image: shopkit/{slug}:dev
    build:
      context: ../services/{slug}
      additional_contexts: *sdk-dist
    command: ["migrate"]
    environment:
      DATABASE_URL: {database_url}
    depends_on:
      db-init:
        condition: service_completed_successfully
    restart: "no"

  {slug}:
    image: shopkit/{slug}:dev
    build:
      context: ../services/{slug}
      additional_contexts: *sdk-dist
    command: ["serve"]
    environment:
      <<: *service-env
      SERVICE_PORT: "{port}"
      DATABASE_URL: {database_url}
    ports: ["127.0.0.1:{port}:{port}"]
    healthcheck: *ready
    depends_on:
      <<: *infra
      {slug}-migrate:
        condition: service_completed_successfully
    restart: unless-stopped

  # Demo data, as `make up` loads it (idempotent).
  {slug}-seed:
    image: shopkit/{slug}:dev
    build:
      context: ../services/{slug}
      additional_contexts: *sdk-dist
    command: ["seed"]
    environment:
      <<: *service-env
      SERVICE_PORT: "{port}"
      DATABASE_URL: {database_url}
    depends_on:
      {slug}:
        condition: service_healthy
    restart: "no"
"""


class AnchorMissing(RuntimeError):
    """A deploy asset no longer has the entry a new one is placed after: add it by hand."""


def step(message: str) -> None:
    print(f"==> {message}", flush=True)


def registry() -> dict[str, dict[str, object]]:
    with REGISTRY.open("rb") as handle:
        services: dict[str, dict[str, object]] = tomllib.load(handle).get("services", {})
    return services


def registered_ports() -> dict[str, int]:
    """Every registered service's and web app's port, by slug."""
    with REGISTRY.open("rb") as handle:
        data = tomllib.load(handle)
    tables = {**data.get("services", {}), **data.get("apps", {})}
    return {slug: int(table["port"]) for slug, table in tables.items()}


def choose(slug: str, team: str | None) -> Placement:
    """The planned placement, else the next free port and names derived from the slug."""
    # Every service also answers its admins' operations (dead letters) under /api/ops/<slug>.
    ops = f"/api/ops/{slug}"
    if slug in PLANNED:
        planned = PLANNED[slug]
        return Placement(
            planned.port, planned.database, (*planned.routes, ops), team or planned.team
        )
    taken = {int(str(entry["port"])) for entry in registry().values()}
    port = FIRST_FREE_PORT
    while port in taken or port in RESERVED_PORTS:
        port += 1
    base = slug.removesuffix("-service")
    return Placement(port, base.replace("-", "_"), (f"/api/{base}", ops), team or "team-1")


def register(slug: str, placed: Placement) -> None:
    routes = ", ".join(f'"{route}"' for route in placed.routes)
    entry = (
        f"\n[services.{slug}]\n"
        f"port = {placed.port}\n"
        f'database = "{placed.database}"\n'
        f"routes = [{routes}]\n"
        f'team = "{placed.team}"\n'
        # Two serving processes, as every service: one keeps answering while the other is
        # restarted after a crash.
        "processes = 2\n"
    )
    with REGISTRY.open("a", encoding="utf-8") as handle:
        handle.write(entry)


def add_to_catalog(slug: str, placed: Placement) -> None:
    text = CATALOG.read_text(encoding="utf-8")
    resource = f"{placed.database.replace('_', '-')}-db"
    if not re.search(rf"^  name: {re.escape(resource)}$", text, flags=re.MULTILINE):
        document = (
            "---\napiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata:\n"
            f"  name: {resource}\n"
            f"  description: PostgreSQL database `{placed.database}`, owned by {slug} alone.\n"
            f"spec:\n  type: database\n  owner: group:{placed.team}\n"
            "  system: system:shopkit\n"
        )
        marker = "---\n# Keep this Location LAST"
        text = text.replace(marker, document + marker, 1)
    text = text.rstrip("\n") + f"\n    - ./services/{slug}/catalog-info.yaml\n"
    CATALOG.write_text(text, encoding="utf-8")


def add_workflow(slug: str) -> None:
    source = (WORKFLOWS / "user-service.yml").read_text(encoding="utf-8")
    (WORKFLOWS / f"{slug}.yml").write_text(source.replace("user-service", slug), encoding="utf-8")


# --- deploy assets ----------------------------------------------------------------------------


def _others(slug: str) -> str:
    """A regex alternation of the registered services other than `slug` (longest first)."""
    names = sorted((name for name in registry() if name != slug), key=len, reverse=True)
    if not names:
        raise AnchorMissing("no other registered service to place the new one after")
    return "|".join(re.escape(name) for name in names)


def _item_end(text: str, line_start: int) -> int:
    """The end of the line at `line_start` and of the non-blank lines indented deeper below it."""
    first = text[line_start:].split("\n", 1)[0]
    indent = len(first) - len(first.lstrip(" "))
    end = line_start + len(first) + 1
    while end < len(text):
        line = text[end:].split("\n", 1)[0]
        if not line.strip() or len(line) - len(line.lstrip(" ")) <= indent:
            break
        end += len(line) + 1
    return min(end, len(text))


def _insert_after(text: str, anchor: str, block: str, where: Path) -> str:
    """`block` after the last line matching `anchor` (multi-line regex) and the lines under it."""
    matches = list(re.finditer(anchor, text, flags=re.MULTILINE))
    if not matches:
        raise AnchorMissing(f"{where}: no line matches {anchor!r}")
    end = _item_end(text, text.rfind("\n", 0, matches[-1].start()) + 1)
    return text[:end] + block + text[end:]


def _edit(path: Path, edit: Callable[[str], str]) -> None:
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")


def add_to_kustomization(slug: str) -> None:
    """The service's own base under `resources:` and its image under `images:`."""
    others = _others(slug)

    def edit(text: str) -> str:
        if f"/services/{slug}/deploy\n" in text:
            return text
        resource = f"  - ../../services/{slug}/deploy\n"
        text = _insert_after(
            text, r"^  - \.\./\.\./services/[^/\n]+/deploy$", resource, KUSTOMIZATION
        )
        image = f"  - name: shopkit/{slug}\n    newTag: latest\n"
        return _insert_after(text, rf"^  - name: shopkit/(?:{others})$", image, KUSTOMIZATION)

    _edit(KUSTOMIZATION, edit)


def add_to_ingress(slug: str, placed: Placement) -> None:
    """One Prefix path per route in Ingress `shopkit`, after the other services' routes."""
    taken = [entry.get("routes", []) for name, entry in registry().items() if name != slug]
    routes = "|".join(re.escape(str(r)) for each in taken if isinstance(each, list) for r in each)

    def edit(text: str) -> str:
        if re.search(rf"^ +name: {re.escape(slug)}$", text, flags=re.MULTILINE):
            return text
        paths = "".join(INGRESS_PATH.format(route=route, slug=slug) for route in placed.routes)
        return _insert_after(text, rf"^          - path: (?:{routes})$", paths, INGRESS)

    _edit(INGRESS, edit)


def add_to_secrets_table(slug: str, placed: Placement) -> None:
    """The row of `<slug>-secrets` in platform/k8s/README.md (its Deployment's secretRef)."""
    others = _others(slug)
    keys = ", ".join(f"`{key}`" for key in SECRET_KEYS)
    row = f"| `{slug}-secrets` | {keys} | database `{placed.database}` |\n"

    def edit(text: str) -> str:
        if f"| `{slug}-secrets` |" in text:
            return text
        return _insert_after(text, rf"^\| `(?:{others})-secrets` \|", row, K8S_README)

    _edit(K8S_README, edit)


def add_to_compose(slug: str, placed: Placement) -> None:
    """`<slug>-migrate`, `<slug>` and `<slug>-seed` after the last service's blocks."""
    others = _others(slug)
    blocks = COMPOSE_SERVICE.format(
        slug=slug,
        port=placed.port,
        database_url=f"postgresql+asyncpg://postgres:postgres@postgres:5432/{placed.database}",
    )

    def edit(text: str) -> str:
        if re.search(rf"^  {re.escape(slug)}:$", text, flags=re.MULTILINE):
            return text
        return _insert_after(text, rf"^  (?:{others})(?:-migrate|-seed)?:$", blocks, COMPOSE)

    _edit(COMPOSE, edit)


def add_to_compose_gateway(slug: str) -> None:
    """The compose gateway waits for the service to be healthy, as for every other one."""
    others = _others(slug)
    dependency = f"      {slug}:\n        condition: service_healthy\n"

    def edit(text: str) -> str:
        gateway = re.search(r"^  gateway:$", text, flags=re.MULTILINE)
        if gateway is None:
            raise AnchorMissing(f"{COMPOSE}: no `gateway` service")
        start, end = gateway.start(), _item_end(text, gateway.start())
        block = text[start:end]
        if re.search(rf"^      {re.escape(slug)}:$", block, flags=re.MULTILINE):
            return text
        block = _insert_after(block, rf"^      (?:{others}):$", dependency, COMPOSE)
        return text[:start] + block + text[end:]

    _edit(COMPOSE, edit)


def add_to_prometheus(slug: str, placed: Placement) -> None:
    """`<slug>:<port>` among the compose Prometheus' scrape targets, which are in port order."""
    ports = registered_ports()

    def edit(text: str) -> str:
        targets = [
            match
            for match in re.finditer(r"^( +)- ([a-z0-9-]+):(\d+)$", text, flags=re.MULTILINE)
            if match.group(2) in ports
        ]
        if any(match.group(2) == slug for match in targets):
            return text
        if not targets:
            raise AnchorMissing(f"{PROMETHEUS}: no scrape target of a registered service")
        below = [match for match in targets if int(match.group(3)) < placed.port]
        end = _item_end(text, below[-1].start()) if below else targets[0].start()
        target = f"{targets[0].group(1)}- {slug}:{placed.port}\n"
        return text[:end] + target + text[end:]

    _edit(PROMETHEUS, edit)


def add_to_dashboard(slug: str) -> None:
    """The Grafana dashboard's `service` variable offers it (its `query` and `options`)."""
    services = set(registry()) - {slug}
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    variable = next(v for v in dashboard["templating"]["list"] if v["name"] == "service")
    values = variable["query"].split(",")
    if slug not in values:
        values.insert(_after_last(values, services), slug)
        variable["query"] = ",".join(values)
    options = variable["options"]
    if slug not in {option["value"] for option in options}:
        position = _after_last([option["value"] for option in options], services)
        options.insert(position, {"selected": False, "text": slug, "value": slug})
    text = json.dumps(dashboard, indent=2, ensure_ascii=False) + "\n"
    DASHBOARD.write_text(text, encoding="utf-8")


def _after_last(names: list[str], wanted: set[str]) -> int:
    """The index after the last of `names` that is in `wanted` (the end when none is)."""
    found = [index for index, name in enumerate(names) if name in wanted]
    return found[-1] + 1 if found else len(names)


def render_compose_gateway() -> None:
    """platform/gateway/compose/nginx.conf from the registry, by its own script."""
    subprocess.run(
        [sys.executable, COMPOSE_GATEWAY],
        check=True,
        env={**os.environ, "SHOPKIT_ROOT": str(REPO)},
    )


def add_to_deploy_assets(slug: str, placed: Placement) -> None:
    """Every deploy asset platform/tests/test_deploy.py checks against the registry."""
    add_to_kustomization(slug)
    add_to_ingress(slug, placed)
    add_to_secrets_table(slug, placed)
    add_to_compose(slug, placed)
    add_to_compose_gateway(slug)
    add_to_prometheus(slug, placed)
    add_to_dashboard(slug)
    render_compose_gateway()


def register_everywhere(slug: str, placed: Placement) -> None:
    """The registry first (the rest is placed by it), then the catalog, CI and deploy assets."""
    register(slug, placed)
    add_to_catalog(slug, placed)
    add_workflow(slug)
    add_to_deploy_assets(slug, placed)


def template_context(slug: str, placed: Placement) -> dict[str, str]:
    base = slug.removesuffix("-service")
    return {
        "slug": slug,
        "description": os.environ.get("DESCRIPTION") or f"The {base} service.",
        "port": str(placed.port),
        "database": placed.database,
        "team": placed.team,
        "route_prefix": placed.routes[0],
    }


def main(slug: str) -> int:
    if not re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*-service", slug):
        print(f"'{slug}': use lowercase words joined by '-', ending in '-service'", file=sys.stderr)
        return 2
    if (REPO / "services" / slug).exists() or slug in registry():
        print(f"{slug} exists already (services/{slug} or platform/services.toml)", file=sys.stderr)
        return 2
    placed = choose(slug, os.environ.get("TEAM") or None)
    step(f"baking services/{slug} (port {placed.port}, database {placed.database})")
    service = bake.render(template_context(slug, placed), REPO / "services")
    step("locking dependencies (requirements.lock)")
    if not list(bake.SDK_DIST.glob("shopkit_sdk-*.whl")):
        bake.build_sdk_wheel()
    bake.lock(service)
    step("installing into the dev environment")
    bake.install(service, VENV_PYTHON, editable=True)
    step(f"creating and migrating database {placed.database}")
    database_url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{placed.database}"
    subprocess.run(
        [VENV_PYTHON.parent / slug, "migrate"],
        check=True,
        env={**os.environ, "DATABASE_URL": database_url},
    )
    step("writing docs/openapi.json and docs/asyncapi.json")
    bake.write_specs(service, VENV_PYTHON, slug)
    step(
        "registering: platform/services.toml, catalog-info.yaml, .github/workflows, "
        "platform/k8s, platform/compose.yaml, platform/observability, the compose gateway"
    )
    try:
        register_everywhere(slug, placed)
    except AnchorMissing as missing:
        print(
            f"{slug}: {missing}. Add it there by hand, as for the other services; "
            "`cd platform && pytest tests/test_deploy.py` names what is still missing.",
            file=sys.stderr,
        )
        return 1
    print(
        f"\n{slug} is ready: `make up` runs it on :{placed.port} behind the gateway at "
        f"{', '.join(placed.routes)}; its tests: cd services/{slug} && pytest"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
