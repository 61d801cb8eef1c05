"""Liveness and readiness of the storefront process itself.

Neither asks the gateway: `make up` waits for these before it starts the gateway, and a
storefront that cannot reach the API still serves its friendly error pages.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, get


class HealthController(Controller):
    path = "/health"
    include_in_schema = False

    @get("/live", operation_id="healthLive", sync_to_thread=False)
    def live(self) -> dict[str, Any]:
        return {"status": "up"}

    @get("/ready", operation_id="healthReady", sync_to_thread=False)
    def ready(self) -> dict[str, Any]:
        return {"status": "up", "checks": {}}
