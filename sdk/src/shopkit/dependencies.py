"""Resolve a handler's dependencies one after another instead of in a task group per request.

Litestar 2 resolves every batch of two or more independent dependencies concurrently, in an
anyio task group it opens on every request (`KwargsModel.resolve_dependencies`). Our providers
are cheap (a service object around the request's session, a value from the app's state), so
the task group is pure overhead: it cost product-service about 9 % of each catalog read under
load (py-spy), and Litestar's own benchmark shows the same cliff (litestar-org/litestar#4563).

`install()` replaces that one method with a sequential loop that keeps everything else: the
batches' order (a dependency still runs after the ones it needs), `cache_per_request`, and the
cleanup group that closes generator dependencies. A provider that needs real concurrency can
start its own tasks. It is idempotent and refuses a Litestar whose method it does not know, so
an upgrade that changes the internals fails loudly at start-up rather than silently.
"""

from __future__ import annotations

from typing import Any

from litestar._kwargs.cleanup import DependencyCleanupGroup
from litestar._kwargs.dependencies import resolve_dependency
from litestar._kwargs.kwargs_model import KwargsModel

__all__ = ["install"]

_ORIGINAL = KwargsModel.resolve_dependencies


async def _resolve_sequentially(
    self: KwargsModel, connection: Any, kwargs: dict[str, Any]
) -> DependencyCleanupGroup:
    cleanup_group = DependencyCleanupGroup()
    for batch in self.dependency_batches:
        for dependency in batch:
            await resolve_dependency(dependency, connection, kwargs, cleanup_group)
    return cleanup_group


def install() -> None:
    """Make every Litestar app in this process resolve dependencies sequentially."""
    current = KwargsModel.resolve_dependencies
    if current is _resolve_sequentially:
        return
    if not hasattr(KwargsModel, "dependency_batches") or current is not _ORIGINAL:
        raise RuntimeError(
            "shopkit.dependencies: this Litestar's KwargsModel is not the one it was written "
            "for; check litestar-org/litestar#4563 and update or drop this module"
        )
    KwargsModel.resolve_dependencies = _resolve_sequentially  # type: ignore[method-assign]
