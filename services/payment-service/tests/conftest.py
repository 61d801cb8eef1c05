"""Shared fixtures come from the SDK's plugin; this file only builds this service's app."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import msgspec
import pytest
from faststream.rabbit import RabbitBroker
from litestar import Litestar
from litestar.testing import AsyncTestClient
from shopkit.config import AuthSettings, BrokerSettings, DatabaseSettings
from shopkit.messaging import Envelope, Event, envelope_for, events_exchange, publish_envelope
from shopkit.testing import client_for, migrate

from payment_service.__main__ import MIGRATIONS
from payment_service.app import create_app
from payment_service.config import (
    ReconciliationSettings,
    Settings,
    StripeSettings,
    load_settings,
)

# Plain modules beside this file (pytest puts this folder on the path).
from stripe_standin import API_KEY, StripeServer  # isort: skip
from support import WEBHOOK_SECRET, Customer  # isort: skip

pytest_plugins = ["shopkit.testing.plugin"]


@pytest.fixture(scope="session")
def settings(
    database_url: str, broker_settings: BrokerSettings, auth_settings: AuthSettings
) -> Settings:
    """This service's settings against the session's own database, exchange and JWKS."""
    migrate(database_url, MIGRATIONS)
    return msgspec.structs.replace(
        load_settings(),
        database=DatabaseSettings(url=database_url, pool_size=5),
        broker=broker_settings,
        auth=auth_settings,
        stripe=StripeSettings(),  # the sandbox, whatever the environment says
        # The provider check runs when a test asks (tests/integration/test_stripe_provider.py).
        reconciliation=ReconciliationSettings(enabled=False),
    )


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with client_for(create_app(settings)) as client:
        yield client


@pytest.fixture
def admin_headers(token_factory: Callable[..., str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_factory(roles=('admin',))}"}


@pytest.fixture
def customer_headers(token_factory: Callable[..., str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_factory(roles=('customer',))}"}


ORDER_SERVICE = "service:order-service"


@pytest.fixture
def service_headers(token_factory: Callable[..., str]) -> dict[str, str]:
    """order-service's service token, holding the scope that creates payments."""
    token = token_factory(roles=("service",), subject=ORDER_SERVICE, scope="payments:create")
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="session")
def stripe_server() -> Iterator[StripeServer]:
    """The local Stripe stand-in (tests/stripe_standin.py) on a free port, for the session."""
    with StripeServer() as server:
        yield server


@pytest.fixture(scope="session")
def stripe_settings(settings: Settings, stripe_server: StripeServer) -> Settings:
    """This service's settings with Stripe switched on and pointed at the stand-in."""
    return msgspec.structs.replace(
        settings,
        stripe=StripeSettings(
            api_key=API_KEY,
            api_base=stripe_server.url,
            webhook_secret=WEBHOOK_SECRET,
            max_network_retries=0,
        ),
    )


@pytest.fixture
async def stripe_client(stripe_settings: Settings) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with client_for(create_app(stripe_settings)) as client:
        yield client


@pytest.fixture
def customer(token_factory: Callable[..., str]) -> Customer:
    """A customer with a fresh id and the headers their requests carry."""
    subject = f"customer-{uuid.uuid4().hex[:10]}"
    token = token_factory(roles=("customer",), subject=subject)
    return Customer(id=subject, headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def other_customer(token_factory: Callable[..., str]) -> Customer:
    subject = f"customer-{uuid.uuid4().hex[:10]}"
    token = token_factory(roles=("customer",), subject=subject)
    return Customer(id=subject, headers={"Authorization": f"Bearer {token}"})


Publish = Callable[[Event | Envelope], Awaitable[Envelope]]


@pytest.fixture
async def publish(rabbit_broker: RabbitBroker, broker_settings: BrokerSettings) -> Publish:
    """Deliver an event as order-service would: a real envelope on the session's exchange.
    Returns the envelope, so a test can deliver the very same one again."""
    exchange = events_exchange(broker_settings)

    async def send(event: Event | Envelope) -> Envelope:
        envelope = event if isinstance(event, Envelope) else envelope_for(event, "order-service")
        await publish_envelope(rabbit_broker, exchange, envelope)
        return envelope

    return send
