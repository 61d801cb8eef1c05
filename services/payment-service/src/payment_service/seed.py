"""Demo data for `make up`: payments are made by checkouts, so there is nothing to load."""

from __future__ import annotations

from payment_service.config import Settings


async def load_demo_data(settings: Settings) -> str:
    return f"{settings.service.name}: no demo data (payments come from checkouts)"
