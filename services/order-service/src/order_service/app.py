"""The app: this service's controllers, event handlers, workers and dependencies, wired by the
SDK's plugin (`shopkit.wiring`: database, broker, Redis, token verification, health, dead
letters). Requests, events and the workers build `OrderService` with the same factory."""

from __future__ import annotations

from litestar import Litestar
from shopkit.auth import ServiceTokenProvider, client_credentials_provider
from shopkit.providers import per_request, shared
from shopkit.wiring import ServiceWiring
from sqlalchemy.ext.asyncio import AsyncSession

from order_service.config import SLUG, Settings, get_settings
from order_service.domain.orders import (
    Admission,
    Checkout,
    OrderController,
    OrderService,
    PaymentPreparer,
    Upstreams,
    checkout_timeout_sweeper,
)
from order_service.domain.orders._watch import OrderWatch
from order_service.domain.reconciliation import (
    Ledgers,
    Reconciler,
    ReconciliationController,
    ReconciliationRecords,
)
from order_service.events.handlers import register_handlers

PAYMENT_SCOPES = ["payments:create"]
# The reconciliation's own token (reads payments; inventory-service takes any service token).
RECONCILIATION_SCOPES = ["payments:read"]


def create_app(
    settings: Settings | None = None,
    *,
    service_tokens: ServiceTokenProvider | None = None,
    reconciliation_tokens: ServiceTokenProvider | None = None,
) -> Litestar:
    """`service_tokens` and `reconciliation_tokens`: where order-service's own tokens (for
    creating payments, for the reconciliation) come from; by default user-service's
    client-credentials grant (`SERVICE_CLIENT_*`)."""
    settings = settings or get_settings()

    def grant(scopes: list[str]) -> ServiceTokenProvider:
        return client_credentials_provider(
            settings.service_client,
            SLUG,
            scopes,
            settings.http,
            environment=settings.service.environment,
        )

    service_tokens = service_tokens or grant(PAYMENT_SCOPES)
    reconciliation_tokens = reconciliation_tokens or grant(RECONCILIATION_SCOPES)
    wiring = ServiceWiring(settings, SLUG)
    session_maker = wiring.session_maker

    def orders(session: AsyncSession) -> OrderService:
        return OrderService(
            session=session, payment_timeout_seconds=settings.order.payment_timeout_seconds
        )

    admission = Admission(
        wiring.redis.client,
        prefix=settings.admission.prefix,
        hold_seconds=settings.admission.hold_seconds,
        retry_after_seconds=settings.admission.retry_after_seconds,
        settle_seconds=settings.admission.settle_seconds,
    )
    register_handlers(wiring.messaging.consumer, orders, admission)
    upstreams = Upstreams(
        cart_url=settings.cart_service.base_url,
        product_url=settings.product_service.base_url,
        payment_url=settings.payment_service.base_url,
        settings=settings.http,
        service_token=service_tokens.token,
    )
    sweeper = checkout_timeout_sweeper(session_maker, orders, settings.order.sweep_interval_seconds)
    preparer = PaymentPreparer(
        session_maker, orders, upstreams, interval_seconds=settings.order.sweep_interval_seconds
    )
    ledgers = Ledgers(
        payment_url=settings.payment_service.base_url,
        inventory_url=settings.inventory_service.base_url,
        settings=settings.http,
        service_token=reconciliation_tokens.token,
    )
    reconciling = settings.reconciliation
    reconciler = Reconciler(
        session_maker,
        orders,
        ledgers,
        interval_seconds=reconciling.interval_seconds,
        grace_seconds=reconciling.grace_seconds,
        overlap_seconds=reconciling.overlap_seconds,
        lookback_seconds=reconciling.lookback_seconds,
    )
    scheduled = [reconciler.lifespan()] if reconciling.enabled else []
    watch = OrderWatch(settings.database.url)
    return Litestar(
        route_handlers=[OrderController, ReconciliationController],
        dependencies={
            "orders": per_request(orders),
            "records": per_request(ReconciliationRecords),
            "checkout": shared(Checkout(upstreams, admission, preparer)),
            "watch": shared(watch),
            "reconciler": shared(reconciler),
            "order_settings": shared(settings.order),
        },
        lifespan=[
            upstreams.lifespan,
            sweeper.lifespan(),
            preparer.lifespan,
            ledgers.lifespan,
            *scheduled,
            watch.lifespan,
        ],
        # Not Redis: checkout goes on without admission when Redis is away.
        plugins=[wiring.plugin(redis_required=False)],
    )
