"""The gateway's nginx config for a container (docker compose, Kubernetes): the same template
and route table as `make up`'s, with each upstream at the name that platform gives it, the
prefix in /tmp (the container's only writable place) and the logs on stdout and stderr."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .. import gateway
from ..registry import Service

# The container's command creates the prefix; nginx listens on every interface of it.
PREFIX = Path("/tmp/nginx")  # noqa: S108
LISTEN = "8080"


def render(
    services: list[Service],
    *,
    header: str,
    upstream: Callable[[Service], str],
    settings: gateway.Settings,
) -> str:
    """`upstream(s)` is the host:port the container reaches service `s` at."""
    # The nginx image's master runs with the container's open-files limit (1,048,576 by default).
    text = gateway.render(
        services,
        listen=LISTEN,
        prefix=PREFIX,
        settings=settings,
        open_files_limit=gateway.MAX_OPEN_FILES,
    )
    for s in services:
        local = f"server 127.0.0.1:{s.port} "
        if s.routes and local not in text:
            raise RuntimeError(f"the gateway template no longer names upstreams as {local!r}")
        text = text.replace(local, f"server {upstream(s)} ")
    text = text.replace(f"{PREFIX}/logs/error.log", "/dev/stderr")
    text = text.replace(f"{PREFIX}/logs/access.log", "/dev/stdout")
    return header + text
