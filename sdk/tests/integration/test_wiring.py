"""`ServiceWiring`: a service's app from its settings has the broker, Redis (when asked for),
the database and token verification wired, with readiness checks and the admins' dead letters,
and names only the service's own handlers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest
from _msg_support import msg_engine_fixture  # noqa: F401 (the outbox's tables)
from litestar import Litestar, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromQuery
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
from shopkit.providers import OnFirstUse, on_first_use, per_request, shared, shared_of
from shopkit.testing import client_for
from shopkit.wiring import ServiceWiring
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

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
    app = Litestar(route_handlers=[hello], state=State({"own": 1}), plugins=[wiring.plugin()])
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
    without = ServiceWiring(settings, "wiring-service").plugin()
    tolerant = ServiceWiring(settings, "wiring-service")
    tolerant.redis  # noqa: B018 (used, but the service works on without it)
    for plugin in (without, tolerant.plugin(redis_required=False)):
        app = Litestar(route_handlers=[hello], plugins=[plugin])
        async with client_for(app) as client:
            checks = (await client.get("/health/ready")).json()["checks"]
            assert "redis" not in checks
            assert "broker" in checks


class Greeter:
    def __init__(self, greeting: str) -> None:
        self.greeting = greeting


class Counter:
    """A per-request service around the request's session."""

    built = 0

    def __init__(self, session: AsyncSession) -> None:
        Counter.built += 1
        self.session = session

    async def one(self) -> int:
        return int((await self.session.execute(text("SELECT 1"))).scalar_one())


@get("/api/greet", operation_id="greet", security=[{}])
async def greet(
    greeter: NamedDependency[Greeter], counter: NamedDependency[Counter]
) -> dict[str, object]:
    return {"greeting": greeter.greeting, "one": await counter.one()}


@get("/api/maybe", operation_id="maybe", security=[{}])
async def maybe(
    lazy: NamedDependency[OnFirstUse[Counter]], use: FromQuery[bool] = False
) -> dict[str, object]:
    return {"one": await lazy().one()} if use else {"one": None}


async def test_handlers_get_the_apps_objects_by_name_and_start_after_the_broker(
    settings: SharedSettings,
) -> None:
    wiring = ServiceWiring(settings, "wiring-service")
    seen: list[bool] = []

    @asynccontextmanager
    async def own_worker(_app: Litestar) -> AsyncIterator[None]:
        seen.append(await wiring.messaging.broker.ping(timeout=1.0))
        yield

    app = Litestar(
        route_handlers=[greet, maybe],
        dependencies={
            "greeter": shared(Greeter("hello")),
            "counter": per_request(Counter),
            "lazy": on_first_use(Counter, wiring.database),
        },
        lifespan=[own_worker],
        plugins=[wiring.plugin()],
    )
    async with client_for(app) as client:
        assert seen == [True]  # the service's own lifespans start once the broker is up
        answer = await client.get("/api/greet")
        assert answer.json() == {"greeting": "hello", "one": 1}, answer.text
        before = Counter.built
        assert (await client.get("/api/maybe")).json() == {"one": None}
        assert Counter.built == before  # not asked for: no service, no session
        assert (await client.get("/api/maybe", params={"use": "true"})).json() == {"one": 1}
        assert Counter.built == before + 1
    assert shared_of(app, "greeter").greeting == "hello"
    with pytest.raises(TypeError):
        shared_of(app, "counter")  # built per request: nothing to look at outside one
