"""An app with nothing but the SDK's defaults (`ShopkitPlugin`) around a test's handlers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from litestar import Litestar
from litestar.di import Provide
from litestar.types import ControllerRouterHandler
from shopkit.app import Lifespan, ShopkitPlugin


def create_app(
    *,
    route_handlers: Sequence[ControllerRouterHandler],
    lifespan: Sequence[Lifespan] = (),
    dependencies: dict[str, Provide] | None = None,
    middleware: Sequence[Any] = (),
    **plugin: Any,
) -> Litestar:
    return Litestar(
        route_handlers=route_handlers,
        lifespan=list(lifespan),
        dependencies=dependencies,
        middleware=list(middleware),
        plugins=[ShopkitPlugin(**plugin)],
    )
