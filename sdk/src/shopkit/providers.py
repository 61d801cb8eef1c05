"""How handlers get a service's objects: the app's dependencies, named once in `app.py`.

    return Litestar(
        route_handlers=[OrderController],
        dependencies={
            "orders": per_request(orders),   # built on the request's database session
            "checkout": shared(checkout),    # the app's one object
        },
        plugins=[wiring.plugin()],
    )

and a handler asks for one by its name and type (`orders: OrderService`). The same factories
serve the event handlers and the background workers, so a request, an event and a sweep build
a service the same way; nothing is put into or taken out of `app.state` by a string key, and
no controller module keeps provider functions of its own.

`on_first_use(build, database)` is for reads a cache usually answers: the handler gets an
`OnFirstUse[S]` and calls it for the service only when the cache missed, so a cached read opens
no database session at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from litestar import Litestar
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.types import Scope
from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["OnFirstUse", "on_first_use", "per_request", "shared", "shared_of"]

S = TypeVar("S")


def shared(value: object) -> Provide:
    """`value` itself, for every request: an object the app made once (a client, a cache, a
    service around them)."""

    def provide() -> Any:
        return value

    provide.__shopkit_shared__ = True  # type: ignore[attr-defined]
    return Provide(provide, use_cache=True, sync_to_thread=False)


def shared_of(app: Litestar, name: str) -> Any:
    """The object `app` shares under the dependency `name` (for tests and tools that look at
    it from outside a request; handlers ask for it by name)."""
    provider = app.dependencies[name]
    provide = provider.dependency if isinstance(provider, Provide) else provider
    if not getattr(provide, "__shopkit_shared__", False):
        raise TypeError(f"the dependency {name!r} is not an object the app shares")
    return provide()


def per_request(build: Callable[[AsyncSession], object]) -> Provide:
    """`build(session)` on the request's database session (committed or rolled back with the
    request, as advanced-alchemy's plugin does)."""

    async def provide(db_session: NamedDependency[AsyncSession]) -> Any:
        return build(db_session)

    return Provide(provide)


class OnFirstUse(Generic[S]):
    """A handler's service, built on the request's session the first time it is called: a read
    the cache answers opens no session and builds no service. The session is the request's own
    (advanced-alchemy's `provide_session`), ended with the request as any other."""

    __slots__ = ("_build", "_database", "_scope", "_service", "_state")

    def __init__(
        self,
        build: Callable[[AsyncSession], S],
        database: SQLAlchemyAsyncConfig,
        state: State,
        scope: Scope,
    ) -> None:
        self._build, self._database, self._state, self._scope = build, database, state, scope
        self._service: S | None = None

    def __call__(self) -> S:
        if self._service is None:
            self._service = self._build(self._database.provide_session(self._state, self._scope))
        return self._service


def on_first_use(
    build: Callable[[AsyncSession], object], database: SQLAlchemyAsyncConfig
) -> Provide:
    """An `OnFirstUse` of `build` for each request (`database` is the service's, as in
    `ServiceWiring.database`)."""

    async def provide(state: State, scope: Scope) -> Any:
        return OnFirstUse(build, database, state, scope)

    return Provide(provide)
