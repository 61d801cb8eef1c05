"""Serving a service's ASGI app with granian: `serve("order_service.asgi:app", settings)`.

One worker (`SERVICE_WORKERS=1`, the default): the app is served inside this process, on its
own event loop (granian's embedded server), with no supervising process beside it. A
supervisor imports the app to share it with the workers it forks, so with a single worker it
only held a second copy: about 55 MB per service (PSS, measured on `make up`). If the served
app stops unexpectedly the process exits 1, and whatever runs it (`make up`, Kubernetes)
starts it again, as granian's supervisor would have.

Several workers: granian's supervisor forks them. `preload` (the module that builds the app,
not the one that creates it) is imported first and frozen out of the garbage collector's
reach, so the workers keep sharing those pages instead of each holding its own copy.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import signal
import sys
from typing import Any

from shopkit.config import ServiceSettings

__all__ = ["serve"]


def serve(target: str, settings: ServiceSettings, *, preload: str | None = None) -> None:
    """Serve `target` (`module:attribute`, an ASGI app) on `settings.host:settings.port`."""
    from granian.constants import Interfaces

    if settings.workers <= 1:
        module_name, _, attribute = target.partition(":")
        app = getattr(importlib.import_module(module_name), attribute)
        gc.freeze()
        stopped = asyncio.run(_serve_here(app, settings.host, settings.port))
        if not stopped:
            sys.exit(1)
        return

    from granian import Granian

    if preload:
        importlib.import_module(preload)
        gc.freeze()
    Granian(
        target,
        address=settings.host,
        port=settings.port,
        interface=Interfaces.ASGI,
        workers=settings.workers,
        log_access=False,
    ).serve()


async def _serve_here(app: Any, host: str, port: int) -> bool:
    """Serve until SIGINT or SIGTERM (True) or until the app stops by itself (False)."""
    from granian.constants import Interfaces
    from granian.server.embed import Server

    server = Server(app, address=host, port=port, interface=Interfaces.ASGI, log_access=False)
    signalled = asyncio.Event()

    def stop() -> None:
        signalled.set()
        server.stop()  # type: ignore[no-untyped-call]

    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop)
    try:
        await server.serve()
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
    return signalled.is_set()
