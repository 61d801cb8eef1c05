"""`shopkit.server.serve`: every process serves (no supervisor holding a copy of the app that
nobody uses). One worker is the process itself; several are it and the processes it forks,
all on one port. A worker that dies is replaced, workers serve on for a grace period when the
process dies, SIGTERM stops every worker cleanly (each runs its app's shutdown), and an app
that cannot start ends the process with a failure, so whatever runs it starts it again."""

from __future__ import annotations

import asyncio
import collections
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.integration

APP = textwrap.dedent(
    """
    import asyncio
    import os
    from contextlib import asynccontextmanager
    from pathlib import Path

    from litestar import Litestar, get

    MARKS = Path(os.environ["MARKS"])


    @asynccontextmanager
    async def lifespan(_app):
        if os.environ.get("FAIL_AT_START"):
            raise RuntimeError("cannot start")
        yield
        with MARKS.open("a") as marks:
            marks.write(f"stopped {os.getpid()}\\n")


    @get("/ping")
    async def ping() -> dict[str, int]:
        return {"pid": os.getpid()}


    @get("/slow")
    async def slow() -> dict[str, int]:
        await asyncio.sleep(1.5)
        return {"pid": os.getpid()}


    app = Litestar([ping, slow], lifespan=[lifespan])
    """
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(
    tmp_path: Path, workers: int, grace: float = 30.0, **env: str
) -> tuple[subprocess.Popen[bytes], int]:
    (tmp_path / "served_app.py").write_text(APP)
    port = _free_port()
    script = (
        "from shopkit.config import ServiceSettings\n"
        "from shopkit.server import serve\n"
        f"serve('served_app:app', ServiceSettings(name='t', port={port}, workers={workers},"
        f" orphan_grace_seconds={grace}), preload='served_app')\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script],
        env={**os.environ, "PYTHONPATH": str(tmp_path), "MARKS": str(tmp_path / "marks"), **env},
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "stderr").open("wb"),
    )
    return process, port


def _children(pid: int) -> set[int]:
    """The pids of `pid`'s child processes (Linux)."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found.update(int(child) for child in (task / "children").read_text().split())
    return found


def _ping(port: int, within: float = 20.0) -> int:
    deadline = time.monotonic() + within
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=2) as answer:
                return int(__import__("json").loads(answer.read())["pid"])
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _stop(process: subprocess.Popen[bytes]) -> int:
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()


def test_one_worker_is_served_in_the_process_itself_and_stops_cleanly(tmp_path: Path) -> None:
    process, port = _start(tmp_path, workers=1)
    try:
        assert _ping(port) == process.pid
        assert _children(process.pid) == set()
    finally:
        code = _stop(process)
    assert code == 0
    assert (tmp_path / "marks").read_text() == f"stopped {process.pid}\n"


def _served_by(port: int, tries: int = 200) -> set[int]:
    """The pids that answered `tries` requests, each on a new connection."""
    return {_ping(port) for _ in range(tries)}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status").read_text()
    return "State:\tZ" not in status


def _wait_for(condition: Callable[[], bool], within: float = 20.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_several_workers_all_serve_one_port_and_all_stop(tmp_path: Path) -> None:
    process, port = _start(tmp_path, workers=3)
    try:
        _ping(port)
        forked = _children(process.pid)
        assert len(forked) == 2
        _wait_for(lambda: _served_by(port) == {process.pid, *forked})
    finally:
        code = _stop(process)
    assert code == 0
    stopped = {int(line.split()[1]) for line in (tmp_path / "marks").read_text().splitlines()}
    assert stopped == {process.pid, *forked}


def test_a_worker_that_dies_is_replaced_and_the_others_go_on_serving(tmp_path: Path) -> None:
    process, port = _start(tmp_path, workers=2)
    try:
        _ping(port)
        (first,) = _children(process.pid)
        os.kill(first, signal.SIGKILL)
        _wait_for(lambda: _children(process.pid) - {first} != set())
        (second,) = _children(process.pid) - {first}
        assert _ping(port) in (process.pid, second)
        _wait_for(lambda: _served_by(port) == {process.pid, second})
    finally:
        code = _stop(process)
    assert code == 0
    assert not _alive(second)


def test_a_worker_stopped_on_purpose_is_not_replaced(tmp_path: Path) -> None:
    """`make down` and Kubernetes signal every process of the service together, so a worker
    may stop (cleanly) before the process that forked it has heard the signal."""
    process, port = _start(tmp_path, workers=2)
    try:
        _ping(port)
        (worker,) = _children(process.pid)
        os.kill(worker, signal.SIGTERM)
        _wait_for(lambda: not _alive(worker))
        time.sleep(0.5)  # time enough for a replacement to be started, were it to be
        assert _children(process.pid) == set()
        assert _served_by(port, tries=20) == {process.pid}
    finally:
        code = _stop(process)
    assert code == 0
    assert "in place of" not in (tmp_path / "stderr").read_text()


def test_a_worker_serves_on_after_the_process_that_forked_it_is_killed_then_stops(
    tmp_path: Path,
) -> None:
    """Killing a service's first process does not take the service away: its worker answers
    while whatever runs the service starts it again, for the grace period, then stops cleanly
    (running its app's shutdown) and leaves the port."""
    process, port = _start(tmp_path, workers=2, grace=3.0)
    try:
        _ping(port)
        (worker,) = _children(process.pid)
        process.kill()
        process.wait(timeout=10)
        killed_at = time.monotonic()
        assert _served_by(port, tries=20) == {worker}
        _wait_for(lambda: not _alive(worker))
        assert time.monotonic() - killed_at >= 2.5
    finally:
        if process.poll() is None:
            process.kill()
    stopped = (tmp_path / "marks").read_text().split()
    assert str(worker) in stopped  # its app's shutdown ran
    with pytest.raises(urllib.error.URLError):  # nothing holds the port any more
        _ping(port, within=0.5)


def test_an_app_that_cannot_start_ends_the_process_with_a_failure(tmp_path: Path) -> None:
    process, _port = _start(tmp_path, workers=1, FAIL_AT_START="1")
    try:
        code = process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert code != 0


def test_a_burst_of_slow_requests_is_accepted_not_refused(tmp_path: Path) -> None:
    """Hundreds of requests in flight at once (a gateway's connections in a rush) are all
    accepted and answered: none waits for its connection to be accepted until it gives up."""
    process, port = _start(tmp_path, workers=1)

    async def burst(count: int) -> list[int]:
        timeout = httpx.Timeout(10.0, connect=1.0)
        limits = httpx.Limits(max_connections=count)
        async with httpx.AsyncClient(timeout=timeout, limits=limits) as client:

            async def one() -> int:
                try:
                    return (await client.get(f"http://127.0.0.1:{port}/slow")).status_code
                except httpx.ConnectTimeout:
                    return 0

            return list(await asyncio.gather(*(one() for _ in range(count))))

    try:
        _ping(port)
        statuses = asyncio.run(burst(400))
    finally:
        _stop(process)
    assert statuses.count(200) == 400, collections.Counter(statuses)
