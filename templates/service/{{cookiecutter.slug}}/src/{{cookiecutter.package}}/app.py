"""The app: this service's controllers, event handlers and dependencies, wired by the SDK's
plugin (`shopkit.wiring`: database, broker, token verification, health, dead letters).

Each dependency a handler asks for is named here once (`shopkit.providers`): `per_request`
builds a service on the request's database session, `shared` hands over an object made once."""

from __future__ import annotations

from litestar import Litestar
from shopkit.providers import per_request
from shopkit.wiring import ServiceWiring

from {{ cookiecutter.package }}.config import SLUG, Settings, get_settings
from {{ cookiecutter.package }}.domain.records import RecordController, RecordService
from {{ cookiecutter.package }}.events.handlers import register_handlers


def create_app(settings: Settings | None = None) -> Litestar:
    wiring = ServiceWiring(settings or get_settings(), SLUG)
    register_handlers(wiring.messaging.consumer)
    return Litestar(
        route_handlers=[RecordController],
        dependencies={"records": per_request(RecordService)},
        plugins=[wiring.plugin()],
    )
