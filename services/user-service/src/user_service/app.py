"""The app: this service's controllers, event handlers and dependencies, wired by the SDK's
plugin (`shopkit.wiring`: database, broker, health, dead letters); it verifies tokens against
its own key table."""

from __future__ import annotations

from litestar import Litestar
from shopkit.providers import per_request
from shopkit.wiring import ServiceWiring
from sqlalchemy.ext.asyncio import AsyncSession

from user_service.config import SLUG, Settings, get_settings
from user_service.domain.accounts import AddressService, UserController, UserService
from user_service.domain.auth import AuthController, AuthService, Identity
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

    def auth(session: AsyncSession) -> AuthService:
        return AuthService(session, identity)

    return Litestar(
        route_handlers=[AuthController, UserController],
        dependencies={
            "auth": per_request(auth),
            "users": per_request(UserService),
            "addresses": per_request(AddressService),
        },
        lifespan=[identity.lifespan],
        plugins=[wiring.plugin(description=DESCRIPTION, health_checks=[identity.health_check()])],
    )
