"""Liveness and readiness.

`/health/live` says the process is up (no dependency is touched, so a slow database never gets
a healthy pod killed). `/health/ready` runs one check per dependency, each with its own timeout,
and answers 503 naming the failing ones, so a load balancer stops sending traffic.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
from litestar import Controller, Response, get
from litestar.datastructures import State
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

__all__ = [
    "HealthCheck",
    "HealthController",
    "database_check",
    "redis_check",
]

CheckFunction = Callable[[], Awaitable[Any]]


@dataclass(frozen=True)
class HealthCheck:
    """A named dependency probe; it fails by raising or timing out."""

    name: str
    probe: CheckFunction
    timeout_seconds: float = 2.0


class CheckResult(msgspec.Struct, omit_defaults=True):
    status: str
    duration_ms: float
    error: str | None = None


class HealthReport(msgspec.Struct):
    status: str
    checks: dict[str, CheckResult] = msgspec.field(default_factory=dict)


def database_check(engine: AsyncEngine, name: str = "database") -> HealthCheck:
    async def probe() -> None:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    return HealthCheck(name, probe)


def redis_check(client: Any, name: str = "redis") -> HealthCheck:
    async def probe() -> None:
        await client.ping()

    return HealthCheck(name, probe)


async def _run(check: HealthCheck) -> CheckResult:
    started = time.perf_counter()
    try:
        await asyncio.wait_for(check.probe(), timeout=check.timeout_seconds)
    except Exception as exc:
        reason = "timed out" if isinstance(exc, TimeoutError) else type(exc).__name__
        return CheckResult("down", round((time.perf_counter() - started) * 1000, 1), error=reason)
    return CheckResult("up", round((time.perf_counter() - started) * 1000, 1))


async def run_checks(checks: Sequence[HealthCheck]) -> HealthReport:
    results = await asyncio.gather(*(_run(check) for check in checks))
    by_name = {check.name: result for check, result in zip(checks, results, strict=True)}
    healthy = all(result.status == "up" for result in results)
    return HealthReport(status="ok" if healthy else "unavailable", checks=by_name)


class HealthController(Controller):
    path = "/health"
    tags = ["health"]
    include_in_schema = True

    @get("/live", operation_id="healthLive", security=[{}], cache=False)
    async def live(self) -> dict[str, str]:
        return {"status": "ok"}

    @get("/ready", operation_id="healthReady", security=[{}], cache=False)
    async def ready(self, state: State) -> Response[HealthReport]:
        checks: Sequence[HealthCheck] = state.get("health_checks", ())
        report = await run_checks(checks)
        return Response(report, status_code=200 if report.status == "ok" else 503)
