"""Demo data for `make up`: none. Carts are made by shoppers; an empty shop has no carts."""

from __future__ import annotations

from cart_service.config import Settings


async def load_demo_data(settings: Settings) -> str:
    return f"{settings.service.name}: no demo data (carts are created by shoppers)"
