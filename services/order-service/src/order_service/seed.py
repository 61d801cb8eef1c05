"""Demo data for `make up`: orders only come from real checkouts, so there is nothing to load
(the command exists so every service answers `seed` the same way)."""

from __future__ import annotations

from order_service.config import Settings


async def load_demo_data(settings: Settings) -> str:
    return f"{settings.service.name}: no demo data (orders come from checkouts)"
