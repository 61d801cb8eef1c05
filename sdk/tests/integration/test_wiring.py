"""`ServiceWiring`: a service's app from its settings has the broker, Redis (when asked for),
the database and token verification wired, with readiness checks and the admins' dead letters,
and names only the service's own handlers."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from _msg_support import msg_engine_fixture  # noqa: F401 (the outbox's tables)
from litestar import get
from shopkit.config import (
    AuthSettings,
    BrokerSettings,
    DatabaseSettings,
    HttpSettings,
    RedisSettings,
    ServiceSettings,
    SharedSettings,
    TelemetrySettings,
)
from shopkit.testing import client_for
from shopkit.wiring import ServiceWiring

pytestmark = pytest.mark.integration


@get("/api/hello", operation_id="hello", security=[{}])
async def hello() -> dict[str, str]:
    return {"hello": "world"}


@pytest.fixture
def settings(
    msg_engine: object,  # the outbox's tables (the relay starts with the app)
    database_url: str,
    redis_url: str,
    broker_settings: BrokerSettings,
    auth_settings: AuthSettings,
) -> SharedSettings:
    return SharedSettings(
        service=ServiceSettings(name="wiring-service"),
        database=DatabaseSettings(url=database_url, pool_size=2),
        broker=broker_settings,
        auth=auth_settings,
        redis=RedisSettings(url=redis_url),
        http=HttpSettings(),
        telemetry=TelemetrySettings(),
    )


async def test_a_service_gets_its_parts_wired_and_names_only_its_own(
    settings: SharedSettings, token_factory: Callable[..., str]
) -> None:
    wiring = ServiceWiring(settings, "wiring-service")
    assert wiring.redis is wiring.redis  # one connection, made when first asked for
    app = wiring.app(route_handlers=[hello], state={"own": 1})
    assert app.state["settings"] is settings
    assert app.state["messaging"] is wiring.messaging
    assert app.state["own"] == 1
    async with client_for(app) as client:
        assert (await client.get("/api/hello")).json() == {"hello": "world"}
        ready = await client.get("/health/ready")
        assert ready.status_code == 200, ready.text
        assert set(ready.json()["checks"]) >= {
            "database",
            "broker",
            "redis",
        }
        dead = "/api/ops/wiring-service/dead-letters"
        assert (await client.get(dead)).status_code == 401
        admin = {"Authorization": f"Bearer {token_factory(roles=('admin',))}"}
        listed = await client.get(dead, headers=admin)  # tokens verified against the JWKS
        assert listed.status_code == 200, listed.text


async def test_redis_can_stay_out_of_readiness_and_unused_redis_is_not_wired(
    settings: SharedSettings,
) -> None:
    without = ServiceWiring(settings, "wiring-service").app(route_handlers=[hello])
    tolerant = ServiceWiring(settings, "wiring-service")
    tolerant.redis  # noqa: B018 (used, but the service works on without it)
    for app in (without, tolerant.app(route_handlers=[hello], redis_required=False)):
        async with client_for(app) as client:
            checks = (await client.get("/health/ready")).json()["checks"]
            assert "redis" not in checks
            assert "broker" in checks
