"""The service registry, `platform/services.toml`: ports, databases and gateway routes.

`[services.<slug>]` tables are the back-end services (`services/<slug>/`); `[apps.<slug>]`
tables are the web apps (`clients/<slug>/`), which have no database and no seed. Every
per-service deploy file is generated from it (`shopkit_platform.generate`).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._paths import CLIENTS_DIR, REGISTRY, SERVICES_DIR

SLUG = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
ROUTE = re.compile(r"^/[A-Za-z0-9._~/-]*$")
DB_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
KNOWN_KEYS = {
    "port", "database", "routes", "streams", "cached", "strict_limit", "internal", "team",
    "processes", "queued", "calls", "demo_data", "compose",
}  # fmt: skip
APP_KEYS = {"port", "routes", "streams", "cached", "strict_limit", "team", "processes", "compose"}
COMPOSE_KEYS = {"environment", "depends_on"}
ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
COMPOSE_NAME = re.compile(r"^[a-z][a-z0-9-]*$")
MAX_PROCESSES = 8
KINDS = {"services": "service", "apps": "app"}


class RegistryError(ValueError):
    """services.toml says something impossible; the message names the table and the key."""


@dataclass(frozen=True)
class Service:
    slug: str
    port: int
    database: str | None = None
    routes: tuple[str, ...] = ()
    team: str | None = None
    streams: tuple[str, ...] = ()
    cached: tuple[str, ...] = ()
    strict_limit: tuple[str, ...] = ()
    kind: str = "service"
    internal: tuple[str, ...] = ()
    processes: int = 1
    queued: tuple[str, ...] = ()
    # (variable, slug): the variable that holds the base URL of a service this one calls.
    calls: tuple[tuple[str, str], ...] = ()
    demo_data: bool = True
    # docker compose only: extra (variable, value) pairs and infrastructure to wait for.
    compose_environment: tuple[tuple[str, str], ...] = ()
    compose_depends_on: tuple[str, ...] = ()

    @property
    def is_app(self) -> bool:
        return self.kind == "app"

    @property
    def module(self) -> str:
        return self.slug.replace("-", "_")

    @property
    def path(self) -> Path:
        return (CLIENTS_DIR if self.is_app else SERVICES_DIR) / self.slug

    @property
    def upstream(self) -> str:
        return self.module

    @property
    def database_url(self) -> str | None:
        if self.database is None:
            return None
        return f"postgresql+asyncpg://postgres@127.0.0.1:5432/{self.database}"


def load(path: Path = REGISTRY) -> list[Service]:
    """Every registered service and app, ordered by port; raises RegistryError on a bad table."""
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    unknown_top = set(data) - set(KINDS)
    if unknown_top:
        raise RegistryError(f"{path}: unknown top-level keys {sorted(unknown_top)}")
    services: list[Service] = []
    for group, kind in KINDS.items():
        tables = data.get(group, {})
        if not isinstance(tables, dict):
            raise RegistryError(f"{path}: [{group}] must be a table")
        services += [_parse(slug, table, path, kind) for slug, table in tables.items()]
    _check_unique(services, path)
    _check_calls(services, path)
    return sorted(services, key=lambda s: s.port)


def _parse(slug: str, table: object, path: Path, kind: str = "service") -> Service:
    where = f"{path.name} [{'apps' if kind == 'app' else 'services'}.{slug}]"
    if not isinstance(table, dict):
        raise RegistryError(f"{where}: must be a table")
    if not SLUG.match(slug):
        raise RegistryError(f"{where}: slug must be lower-case words joined by '-'")
    known = APP_KEYS if kind == "app" else KNOWN_KEYS
    unknown = set(table) - known
    if unknown:
        raise RegistryError(f"{where}: unknown keys {sorted(unknown)} (known: {sorted(known)})")
    port = table.get("port")
    if not isinstance(port, int) or isinstance(port, bool) or not 1024 <= port <= 65535:
        raise RegistryError(f"{where}: port must be an integer 1024-65535, got {port!r}")
    database = table.get("database")
    if database is not None and (not isinstance(database, str) or not DB_NAME.match(database)):
        raise RegistryError(f"{where}: database must match {DB_NAME.pattern}, got {database!r}")
    routes = table.get("routes", [])
    if not isinstance(routes, list) or not all(isinstance(r, str) for r in routes):
        raise RegistryError(f"{where}: routes must be a list of path prefixes")
    for route in routes:
        if not ROUTE.match(route) or "//" in route:
            raise RegistryError(f"{where}: bad route prefix {route!r}")
    streams = table.get("streams", [])
    if not isinstance(streams, list) or not all(isinstance(r, str) for r in streams):
        raise RegistryError(f"{where}: streams must be a list of exact paths")
    for stream in streams:
        if not ROUTE.match(stream) or not _under(stream, routes):
            raise RegistryError(f"{where}: stream {stream!r} must lie under one of its routes")
    cached = _paths_under(table, "cached", routes, where)
    strict_limit = _paths_under(table, "strict_limit", routes, where)
    internal = _paths_under(table, "internal", routes, where)
    queued = _paths_under(table, "queued", routes, where)
    team = table.get("team")
    if team is not None and not isinstance(team, str):
        raise RegistryError(f"{where}: team must be a string")
    demo_data = table.get("demo_data", True)
    if not isinstance(demo_data, bool):
        raise RegistryError(f"{where}: demo_data must be true or false")
    processes = table.get("processes", 1)
    if (
        not isinstance(processes, int)
        or isinstance(processes, bool)
        or not 1 <= processes <= MAX_PROCESSES
    ):
        raise RegistryError(f"{where}: processes must be an integer 1-{MAX_PROCESSES}")
    return Service(
        slug=slug,
        port=port,
        database=database,
        routes=tuple(r.rstrip("/") or "/" for r in routes),
        streams=tuple(streams),
        cached=cached,
        strict_limit=strict_limit,
        internal=internal,
        team=team,
        kind=kind,
        processes=processes,
        queued=queued,
        calls=_variables(table.get("calls", {}), "calls", where),
        demo_data=demo_data,
        **_compose(table.get("compose", {}), where),
    )


def _variables(value: object, key: str, where: str) -> tuple[tuple[str, str], ...]:
    """A table of environment variable names to strings, in the order written."""
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise RegistryError(f'{where}: {key} must be a table of VARIABLE = "string"')
    for name in value:
        if not ENV_NAME.match(name):
            raise RegistryError(f"{where}: {key}: {name!r} is not an environment variable name")
    return tuple(value.items())


def _compose(value: object, where: str) -> dict[str, Any]:
    """The optional `compose` sub-table: `environment` and `depends_on` (compose names)."""
    if not isinstance(value, dict) or set(value) - COMPOSE_KEYS:
        raise RegistryError(f"{where}: compose may only hold {sorted(COMPOSE_KEYS)}")
    needs = value.get("depends_on", [])
    if not isinstance(needs, list) or not all(
        isinstance(n, str) and COMPOSE_NAME.match(n) for n in needs
    ):
        raise RegistryError(f"{where}: compose.depends_on must be a list of compose services")
    return {
        "compose_environment": _variables(
            value.get("environment", {}), "compose.environment", where
        ),
        "compose_depends_on": tuple(needs),
    }


def _under(path: str, routes: list[str]) -> bool:
    """Is `path` one of the routes or below one of them?"""
    return any(
        path == r.rstrip("/") or path.startswith(r.rstrip("/") + "/") or r == "/" for r in routes
    )


def _paths_under(
    table: dict[str, object], key: str, routes: list[str], where: str
) -> tuple[str, ...]:
    """A list of paths that must each be one of the service's routes or lie under one."""
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
        raise RegistryError(f"{where}: {key} must be a list of paths")
    for item in value:
        if not ROUTE.match(item) or not _under(item, routes):
            raise RegistryError(f"{where}: {key} path {item!r} must lie under one of its routes")
    return tuple(p.rstrip("/") or "/" for p in value)


def _check_calls(services: list[Service], path: Path) -> None:
    """Every service named in `calls` is a registered back-end service."""
    known = {s.slug for s in services if not s.is_app}
    for s in services:
        for variable, slug in s.calls:
            if slug not in known or slug == s.slug:
                raise RegistryError(
                    f"{path.name} [services.{s.slug}]: calls.{variable} names {slug!r}, "
                    "which is not another registered service"
                )


def _check_unique(services: list[Service], path: Path) -> None:
    seen_ports: dict[int, str] = {}
    seen_routes: dict[str, str] = {}
    seen_dbs: dict[str, str] = {}
    for s in services:
        if s.port in seen_ports:
            raise RegistryError(
                f"{path.name}: port {s.port} used by {seen_ports[s.port]} and {s.slug}"
            )
        if s.port == 8080:
            raise RegistryError(f"{path.name}: port 8080 belongs to the gateway ({s.slug})")
        seen_ports[s.port] = s.slug
        if s.database is not None:
            if s.database in seen_dbs:
                raise RegistryError(
                    f"{path.name}: database {s.database!r} used by {seen_dbs[s.database]} and "
                    f"{s.slug} (database per service)"
                )
            seen_dbs[s.database] = s.slug
        for route in s.routes:
            if route in seen_routes:
                raise RegistryError(
                    f"{path.name}: route {route} claimed by {seen_routes[route]} and {s.slug}"
                )
            seen_routes[route] = s.slug
