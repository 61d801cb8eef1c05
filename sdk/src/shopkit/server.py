"""Serving a service's ASGI app with granian: `serve("order_service.asgi:app", settings)`.

Every process serves: there is no supervising process that only watches. With one worker
(`SERVICE_WORKERS=1`, the default) the app is served inside this process, on its own event
loop (granian's embedded server). A supervisor imports the app to share it with the workers
it forks, so with a single worker it only held a second copy: about 55 MB per service (PSS).

Several workers: `preload` (the module that builds the app, not the one that creates it) is
imported and frozen out of the garbage collector's reach, then this process forks the other
workers and serves too; each process builds its own app and listens on the same port
(SO_REUSEPORT: the kernel spreads connections over them). Granian's supervisor used to sit
beside the workers holding its own copy of the preloaded pages, which the workers' writes
left to it alone: 70-80 MB per two-worker service (PSS on `make up`).

A forked worker that dies is replaced by a fresh process (`python -m shopkit.server`, which
imports the app itself: forking again from a process whose event loop, threads and
connections are running would copy them), up to `RESPAWN_LIMIT` times a minute; beyond that,
or if this process's own app stops by itself, every worker is stopped and the process exits 1,
so whatever runs it (`make up`, Kubernetes) starts it again. SIGINT or SIGTERM stops every
worker cleanly, each running its app's shutdown.

A worker outlives this process for a while: when this process dies (killed, crashed), Linux
tells each worker (PR_SET_PDEATHSIG, SIGUSR1), which goes on serving the port for
`orphan_grace_seconds` while whatever runs the service starts it again, then stops cleanly.
Killing the first process of a service therefore does not take the service away: its workers
answer until the new process serves beside them (`make up` then stops them at once), and none
is left holding the port for long.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import importlib
import logging
import os
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any, NamedTuple

from shopkit.config import ServiceSettings

__all__ = ["serve"]

_logger = logging.getLogger("shopkit.server")

RESPAWN_LIMIT = 5  # replacements of dead workers per RESPAWN_WINDOW before giving up
RESPAWN_WINDOW = 60.0
STOP_GRACE = 25.0  # seconds a worker gets to finish its requests and shutdown after SIGTERM
_PARENT_ENV = "SHOPKIT_SERVER_PARENT"  # a replacement worker's parent pid
# Connections the kernel queues for the port, and requests in flight per process beyond
# which a process stops accepting: granian's own defaults for its workers (1,024, shared out
# over the workers). Its embedded server defaults to 128 for both, which under the browse bench
# left nginx's connections to cart-service unaccepted until its 2 s connect timeout: 4,022 504s.
BACKLOG = 1024
_PR_SET_PDEATHSIG = 1
ORPHANED = signal.SIGUSR1  # what a worker hears when the process that started it died


def serve(target: str, settings: ServiceSettings, *, preload: str | None = None) -> None:
    """Serve `target` (`module:attribute`, an ASGI app) on `settings.host:settings.port` with
    `settings.workers` processes, this one included."""
    if settings.workers > 1 and preload:
        importlib.import_module(preload)
        gc.freeze()
    listen = _Listen(
        settings.host,
        settings.port,
        max(1, BACKLOG // settings.workers),
        settings.orphan_grace_seconds,
    )
    peers = [_fork_worker(target, listen) for _ in range(settings.workers - 1)]
    workers = _Workers(peers, target, listen) if peers else None
    stopped = asyncio.run(_serve_here(_load(target), listen, workers))
    if not stopped:
        sys.exit(1)


def _load(target: str) -> Any:
    module_name, _, attribute = target.partition(":")
    app = getattr(importlib.import_module(module_name), attribute)
    gc.freeze()
    return app


def _told_when_parent_dies(parent: int) -> None:
    """Ask Linux to send this worker SIGUSR1 when its parent exits (`_serve_here` serves on for
    the grace period, then stops); exit now if the parent is already gone."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, ORPHANED)
    if os.getppid() != parent:
        os._exit(1)


class _Listen(NamedTuple):
    host: str
    port: int
    backpressure: int  # requests in flight in one process before it stops accepting
    orphan_grace: float  # seconds a worker serves on after the process that started it died


def _fork_worker(target: str, listen: _Listen) -> int:
    parent = os.getpid()
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        _told_when_parent_dies(parent)
        code = 0 if asyncio.run(_serve_here(_load(target), listen, worker=True)) else 1
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)  # not the parent's atexit handlers: they belong to the parent


class _Workers:
    """The other workers of this service, as this process sees them: replaced when one dies,
    stopped when this one stops."""

    def __init__(self, forked: list[int], target: str, listen: _Listen) -> None:
        self.target = target
        self.listen = listen
        self.forked = set(forked)
        self.spawned: list[subprocess.Popen[bytes]] = []
        self.respawns: list[float] = []
        self.stopping = False

    def __bool__(self) -> bool:
        return bool(self.forked or self.spawned)

    def reap(self) -> int:
        """Collect workers that exited (without blocking); how many of them failed.

        A worker that exited cleanly (code 0) was told to stop (SIGTERM or SIGINT: `make down`
        signals every process of the service at once, so a worker may see the signal before
        this process does) and is not replaced; one that failed or was killed is.
        """
        failed = 0
        for pid in list(self.forked):
            with contextlib.suppress(ChildProcessError):
                done, status = os.waitpid(pid, os.WNOHANG)
                if not done:
                    continue
                failed += self._exited(pid, os.waitstatus_to_exitcode(status))
            self.forked.discard(pid)
        for process in list(self.spawned):
            if process.poll() is not None:
                failed += self._exited(process.pid, process.returncode)
                self.spawned.remove(process)
        return failed

    def _exited(self, pid: int, code: int) -> int:
        if code == 0:
            _logger.info("worker %s stopped", pid)
            return 0
        cause = f"signal {signal.Signals(-code).name}" if code < 0 else f"code {code}"
        _logger.warning("worker %s exited (%s)", pid, cause)
        return 1

    def replace(self, count: int) -> bool:
        """Start `count` fresh workers; False when workers die too often to go on."""
        now = time.monotonic()
        self.respawns = [t for t in self.respawns if now - t < RESPAWN_WINDOW]
        if len(self.respawns) + count > RESPAWN_LIMIT:
            _logger.error(
                "workers died %s times within %ss: stopping", RESPAWN_LIMIT, RESPAWN_WINDOW
            )
            return False
        for _ in range(count):
            self.respawns.append(now)
            process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                [sys.executable, "-m", "shopkit.server", self.target, *map(str, self.listen)],
                env={**os.environ, _PARENT_ENV: str(os.getpid())},
            )
            self.spawned.append(process)
            _logger.warning("started worker %s in place of one that exited", process.pid)
        return True

    def pids(self) -> list[int]:
        return [*self.forked, *(p.pid for p in self.spawned)]

    async def stop(self) -> None:
        """SIGTERM every worker, wait up to STOP_GRACE seconds, then SIGKILL what is left."""
        self.stopping = True
        for pid in self.pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE
        while True:
            self.reap()
            if not self:
                return
            if time.monotonic() > deadline:
                for pid in self.pids():
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                deadline = float("inf")
            await asyncio.sleep(0.05)


async def _serve_here(
    app: Any, listen: _Listen, workers: _Workers | None = None, *, worker: bool = False
) -> bool:
    """Serve until SIGINT or SIGTERM (True), until the grace period after this worker's parent
    died ends (True), or until the app stops by itself or the other workers cannot be kept
    alive (False)."""
    from granian.constants import Interfaces
    from granian.server.embed import Server

    server = Server(
        app,
        address=listen.host,
        port=listen.port,
        interface=Interfaces.ASGI,
        log_access=False,
        backlog=BACKLOG,
        backpressure=listen.backpressure,
    )
    signalled = asyncio.Event()
    gave_up = False

    def stop() -> None:
        signalled.set()
        if workers is not None:
            workers.stopping = True  # a worker that exits from now on is not replaced
        server.stop()  # type: ignore[no-untyped-call]

    def child_exited() -> None:
        nonlocal gave_up
        if workers is None or workers.stopping:
            return
        failed = workers.reap()
        if failed and not workers.replace(failed):
            gave_up = True
            server.stop()  # type: ignore[no-untyped-call]

    loop = asyncio.get_running_loop()

    def orphaned() -> None:
        _logger.warning(
            "the process that started worker %s is gone: serving on for %.0f s",
            os.getpid(),
            listen.orphan_grace,
        )
        loop.call_later(listen.orphan_grace, stop)

    handlers: dict[signal.Signals, Callable[[], None]] = {signal.SIGINT: stop, signal.SIGTERM: stop}
    if workers is not None:
        handlers[signal.SIGCHLD] = child_exited
    if worker:
        handlers[ORPHANED] = orphaned
    for signum, handler in handlers.items():
        loop.add_signal_handler(signum, handler)
    try:
        await server.serve()
    finally:
        for signum in handlers:
            loop.remove_signal_handler(signum)
        if workers is not None:
            await workers.stop()
    return signalled.is_set() and not gave_up


def _serve_replacement(argv: list[str]) -> int:
    """`python -m shopkit.server TARGET HOST PORT BACKPRESSURE ORPHAN_GRACE`: one worker
    started in place of one that died, by the process that serves beside it (its parent)."""
    target, host, port, backpressure, grace = argv
    parent = int(os.environ.pop(_PARENT_ENV, "0"))
    if parent:
        _told_when_parent_dies(parent)
    listen = _Listen(host, int(port), int(backpressure), float(grace))
    return 0 if asyncio.run(_serve_here(_load(target), listen, worker=bool(parent))) else 1


if __name__ == "__main__":
    sys.exit(_serve_replacement(sys.argv[1:]))
