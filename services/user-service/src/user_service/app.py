"""The app: the SDK's service defaults plus this service's controllers and event handlers."""

from __future__ import annotations

from litestar import Litestar
from shopkit.app import create_app as create_service_app
from shopkit.auth import auth_middleware
from shopkit.db import sqlalchemy_config
from shopkit.dead_letters import dead_letters_router
from shopkit.messaging import Messaging

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
    database = sqlalchemy_config(settings.database)
    session_maker = database.create_session_maker()
    messaging = Messaging(settings.broker, SLUG, session_maker)
    register_handlers(messaging.consumer)
    # This service verifies its own tokens against its key table: no HTTP call to itself.
    identity = Identity(settings, session_maker)

    return create_service_app(
        service=settings.service,
        description=DESCRIPTION,
        route_handlers=[
            AuthController,
            UserController,
            dead_letters_router(messaging.dead_letters, SLUG),
        ],
        database=database,
        auth_middleware=auth_middleware(identity.verifier),
        health_checks=[messaging.health_check(), identity.health_check()],
        lifespan=[messaging.lifespan, identity.lifespan],
        state={"messaging": messaging, "settings": settings, "identity": identity},
        telemetry=settings.telemetry,
    )
