"""`make new-service NAME=<slug>`: the golden path from nothing to a service behind the gateway.

Bakes the template into services/<slug> (linked by `.cruft.json`), picks the next free port and
its own database, locks and installs it, migrates its database, writes its OpenAPI/AsyncAPI,
and registers it: its table is appended to platform/services.toml, the one source of truth.
Everything that lists the services (compose, the Kubernetes overlay, Prometheus, the Grafana
dashboard, the root catalog, the CI caller) is then written from the registry by `make
generate`, and its specs are published into contracts/ by `make contracts`
(platform/shopkit_platform/generate/); nothing is edited by hand.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import bake

REPO = bake.REPO
PLATFORM = REPO / "platform"
REGISTRY = PLATFORM / "services.toml"
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


def step(message: str) -> None:
    print(f"==> {message}", flush=True)


def registry() -> dict[str, dict[str, object]]:
    with REGISTRY.open("rb") as handle:
        services: dict[str, dict[str, object]] = tomllib.load(handle).get("services", {})
    return services


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
    """Append the service's table to the registry (JSON strings and lists are TOML too)."""
    entry = (
        f"\n[services.{slug}]\n"
        f"port = {placed.port}\n"
        f"database = {json.dumps(placed.database)}\n"
        f"routes = {json.dumps(list(placed.routes))}\n"
        f"team = {json.dumps(placed.team)}\n"
        # Two serving processes, as every service: one keeps answering while the other is
        # restarted after a crash.
        "processes = 2\n"
    )
    with REGISTRY.open("a", encoding="utf-8") as handle:
        handle.write(entry)


def generate(*commands: str) -> None:
    """`make generate` (every file that lists the services, written again from the registry),
    and any other of the platform's commands, by this same interpreter: `make new-service`
    runs in the dev venv, which has the generator's PyYAML."""
    for command in ("generate", *commands):
        subprocess.run(
            [sys.executable, "-m", "shopkit_platform", command],
            check=True,
            env={**os.environ, "SHOPKIT_ROOT": str(REPO), "PYTHONPATH": str(PLATFORM)},
        )


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
    step("locking dependencies (`make lock`: runtime with hashes, test, build)")
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
    step("registering in platform/services.toml, then `make generate` and `make contracts`")
    register(slug, placed)
    generate("contracts")
    print(
        f"\n{slug} is ready: `make up` runs it on :{placed.port} behind the gateway at "
        f"{', '.join(placed.routes)}; its tests: cd services/{slug} && pytest"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
