"""The app: the SDK's wiring (`shopkit.wiring`: database, broker, token verification, health,
dead letters) plus this service's controllers and event handlers."""

from __future__ import annotations

from litestar import Litestar
from shopkit.wiring import ServiceWiring

from {{ cookiecutter.package }}.config import SLUG, Settings, get_settings
from {{ cookiecutter.package }}.domain.records import RecordController
from {{ cookiecutter.package }}.events.handlers import register_handlers


def create_app(settings: Settings | None = None) -> Litestar:
    wiring = ServiceWiring(settings or get_settings(), SLUG)
    register_handlers(wiring.messaging.consumer)
    return wiring.app(route_handlers=[RecordController])
