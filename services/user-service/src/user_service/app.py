"""The app: the SDK's wiring (`shopkit.wiring`: database, broker, health, dead letters) plus
this service's controllers and event handlers; it verifies tokens against its own key table."""

from __future__ import annotations

from litestar import Litestar
from shopkit.wiring import ServiceWiring

from user_service.config import SLUG, Settings, get_settings
from user_service.domain.accounts import UserController
from user_service.domain.auth import AuthController, Identity
from user_service.events.handlers import register_handlers

DESCRIPTION = (
    "Accounts, credentials, roles, addresses and the tokens every other service trusts"
    " (JWT + JWKS)."
)


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    wiring = ServiceWiring(settings, SLUG)
    register_handlers(wiring.messaging.consumer)
    # This service verifies its own tokens against its key table: no HTTP call to itself.
    identity = Identity(settings, wiring.session_maker)
    wiring.verify_with(identity.verifier)
    return wiring.app(
        route_handlers=[AuthController, UserController],
        description=DESCRIPTION,
        health_checks=[identity.health_check()],
        lifespan=[identity.lifespan],
        state={"identity": identity},
    )
