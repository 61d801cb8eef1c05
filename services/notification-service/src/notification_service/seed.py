"""Demo data for `make up`: nothing to load (recipients and messages come from events)."""

from __future__ import annotations

from notification_service.config import Settings


async def load_demo_data(settings: Settings) -> str:
    return f"{settings.service.name}: no demo data (recipients and messages come from events)"
