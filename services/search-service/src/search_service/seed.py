"""`seed` for `make up`: the index is built from product-service (run after its seed), so
seeding is a reindex; running it twice leaves the same index."""

from __future__ import annotations

from search_service.config import Settings
from search_service.reindex import reindex


async def load_demo_data(settings: Settings) -> str:
    count = await reindex(settings)
    return f"{settings.service.name}: {count} products indexed from product-service"
