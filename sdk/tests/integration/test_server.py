"""`shopkit.server.serve`: one worker is served inside the process itself (no supervisor
holding a second copy of the app), several by granian's forked workers; either way SIGTERM
stops it cleanly, running the app's shutdown, and an app that cannot start ends the process
with a failure, so whatever runs it starts it again."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

APP = textwrap.dedent(
    """
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


    app = Litestar([ping], lifespan=[lifespan])
    """
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(tmp_path: Path, workers: int, **env: str) -> tuple[subprocess.Popen[bytes], int]:
    (tmp_path / "served_app.py").write_text(APP)
    port = _free_port()
    script = (
        "from shopkit.config import ServiceSettings\n"
        "from shopkit.server import serve\n"
        f"serve('served_app:app', ServiceSettings(name='t', port={port}, workers={workers}),"
        " preload='served_app')\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script],
        env={**os.environ, "PYTHONPATH": str(tmp_path), "MARKS": str(tmp_path / "marks"), **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
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


def test_several_workers_are_forked_and_all_stop(tmp_path: Path) -> None:
    process, port = _start(tmp_path, workers=2)
    try:
        served_by = _ping(port)
        workers = _children(process.pid)
        assert len(workers) == 2
        assert served_by in workers
    finally:
        code = _stop(process)
    assert code == 0
    assert len((tmp_path / "marks").read_text().splitlines()) == 2


def test_an_app_that_cannot_start_ends_the_process_with_a_failure(tmp_path: Path) -> None:
    process, _port = _start(tmp_path, workers=1, FAIL_AT_START="1")
    try:
        code = process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert code != 0
