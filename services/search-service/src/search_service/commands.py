"""Command-line actions of this service beyond the standard ones (serve, migrate, revision,
seed, specs): `search-service <name>` runs `SERVICE_COMMANDS[name]()`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from search_service.config import get_settings


def reindex() -> None:
    """Rebuild the search index from product-service's API (when the index is lost)."""
    from search_service.reindex import reindex as rebuild

    settings = get_settings()
    count = asyncio.run(rebuild(settings))
    print(f"{settings.service.name}: {count} products indexed")  # noqa: T201 - CLI output


SERVICE_COMMANDS: dict[str, Callable[[], None]] = {"reindex": reindex}
