"""Shared fixtures come from the SDK's plugin; this file builds this service's app, the callers
tests act as, and the contract-backed stand-ins of the services checkout calls."""

from __future__ import annotations

import gc
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import msgspec
import pytest
import pytest_asyncio
from faststream.rabbit import RabbitBroker
from litestar import Litestar
from litestar.testing import AsyncTestClient
from pact import Pact
from shopkit.auth import ServiceTokenProvider
from shopkit.config import AuthSettings, BrokerSettings, DatabaseSettings, RedisSettings
from shopkit.messaging import Event, envelope_for, events_exchange, publish_envelope
from shopkit.testing import client_for, find_pact_dir, migrate
from upstream_pacts import CART, CUSTOMER_ID, INVENTORY, PAYMENT, PRODUCT, all_pacts

from order_service.__main__ import MIGRATIONS
from order_service.app import create_app
from order_service.config import (
    SLUG,
    AdmissionSettings,
    ReconciliationSettings,
    Settings,
    UpstreamSettings,
    load_settings,
)

pytest_plugins = ["shopkit.testing.plugin"]


@pytest.fixture(scope="session")
def upstream_pacts() -> Iterator[dict[str, Pact]]:
    """Every consumer pact of order-service, written to contracts/pacts when the session ends."""
    pacts = all_pacts()
    yield pacts
    folder = find_pact_dir()
    assert folder is not None, "run from inside the repository (or set PACT_DIR)"
    for pact in pacts.values():
        pact.write_file(folder, overwrite=True)


@pytest.fixture(scope="session")
def pact_mocks(upstream_pacts: dict[str, Pact]) -> Iterator[dict[str, str]]:
    """Mock servers started from the pacts (for the whole session): provider slug -> URL.

    `pact.serve()` is entered without its exit check: pact-python 4.2 panics in the mock
    server's "all matched" check when a pact also holds message interactions (see
    inventory-service's pact). A request a pact does not describe gets a 500, which checkout
    turns into an error the test sees.
    """
    servers = {name: upstream_pacts[name].serve() for name in (CART, PRODUCT, PAYMENT, INVENTORY)}
    for server in servers.values():
        server.__enter__()
    urls = {name: str(server.url) for name, server in servers.items()}
    try:
        yield urls
    finally:
        servers.clear()
        gc.collect()  # a server handle stops its mock server when it is collected


@pytest.fixture(scope="session")
def settings(
    database_url: str,
    redis_url: str,
    broker_settings: BrokerSettings,
    auth_settings: AuthSettings,
    pact_mocks: dict[str, str],
) -> Settings:
    """This service's settings against the session's own database, exchange and JWKS, with
    checkout's HTTP calls going to the pact mock servers. Admission counts its claims under a
    prefix of this session's own."""
    migrate(database_url, MIGRATIONS)
    return msgspec.structs.replace(
        load_settings(),
        database=DatabaseSettings(url=database_url, pool_size=5),
        broker=broker_settings,
        auth=auth_settings,
        redis=RedisSettings(url=redis_url),
        admission=AdmissionSettings(prefix=f"test:{uuid.uuid4().hex}:admission"),
        cart_service=UpstreamSettings(base_url=pact_mocks[CART]),
        product_service=UpstreamSettings(base_url=pact_mocks[PRODUCT]),
        payment_service=UpstreamSettings(base_url=pact_mocks[PAYMENT]),
        inventory_service=UpstreamSettings(base_url=pact_mocks[INVENTORY]),
        # Runs only when a test asks (tests/integration/test_reconciliation.py).
        reconciliation=ReconciliationSettings(enabled=False),
    )


@pytest.fixture(scope="session")
def service_tokens(jwks_server: Any) -> ServiceTokenProvider:
    """order-service's own tokens, minted by the test issuer: user-service's grant is the SDK's
    to test (its pact with user-service); here the token only has to be one payment-service's
    stand-in (the pact mock) takes."""
    return ServiceTokenProvider(SLUG, issuer=jwks_server.issuer())


def app_for(settings: Settings, service_tokens: ServiceTokenProvider) -> Litestar:
    return create_app(settings, service_tokens=service_tokens, reconciliation_tokens=service_tokens)


@pytest.fixture
async def client(
    settings: Settings, service_tokens: ServiceTokenProvider
) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with client_for(app_for(settings, service_tokens)) as client:
        yield client


@pytest.fixture
def admin_headers(token_factory: Callable[..., str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_factory(roles=('admin',))}"}


@pytest.fixture
def customer_headers(token_factory: Callable[..., str]) -> dict[str, str]:
    """The customer who owns the cart the cart-service pact describes."""
    token = token_factory(roles=("customer",), subject=CUSTOMER_ID, email="ada@example.com")
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def other_customer_headers(token_factory: Callable[..., str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_factory(roles=('customer',))}"}


ADDRESS = {
    "name": "Ada Lovelace",
    "line1": "12 Analytical Row",
    "city": "London",
    "postal_code": "N1 9GU",
    "country": "GB",
}


def order_body(cart_id: str, **changes: Any) -> dict[str, Any]:
    return {"cart_id": cart_id, "shipping_address": ADDRESS, "currency": "USD", **changes}


def new_key() -> str:
    return f"checkout-{uuid.uuid4()}"


Publish = Callable[[Event], Any]


@pytest_asyncio.fixture
async def publish(
    rabbit_broker: RabbitBroker, broker_settings: BrokerSettings
) -> Callable[..., Any]:
    """Deliver an upstream event as its producer would: a real envelope on the test exchange.
    Returns the envelope, so a test can deliver the very same one again."""
    exchange = events_exchange(broker_settings)

    async def send(event: Event | Any, producer: str = "test-upstream") -> Any:
        envelope = event if not isinstance(event, Event) else envelope_for(event, producer)
        await publish_envelope(rabbit_broker, exchange, envelope)
        return envelope

    return send
