"""The whole shop, started the way a newcomer starts it (`make up`), for tests that drive it
through the gateway only, as a browser or a mobile app would."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
GATEWAY = "http://127.0.0.1:8080"
ADMIN = ("admin@shopkit.local", "shopkit-admin-2026")


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Gateway:
    """A tiny client of the public API (standard library only, like any outside caller)."""

    def __init__(self, base: str = GATEWAY) -> None:
        self.base = base

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        headers = {"Accept": "application/json", **(headers or {})}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(self.base + path, data, headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return Reply(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as error:
            return Reply(error.code, dict(error.headers), error.read())

    def login(self, email: str, password: str) -> str:
        reply = self.call("POST", "/api/auth/login", {"email": email, "password": password})
        assert reply.status == 200, reply.body
        token: str = reply.json()["access_token"]
        return token


@pytest.fixture(scope="session")
def shop() -> Iterator[Gateway]:
    """`make up` (without its set-up, which `make test` has just done), torn down with Ctrl-C.

    With `SHOPKIT_E2E_RUNNING=1` the tests use the shop a `make up` in another shell is
    already running, which is quicker while working on them.
    """
    if os.environ.get("SHOPKIT_E2E_RUNNING") == "1":
        yield Gateway()
        return
    log = ROOT / ".run" / "e2e-up.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(ROOT / ".venv/bin/python"), "-m", "shopkit_platform", "up", "--no-bootstrap"],
            cwd=ROOT / "platform", stdout=out, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 240
        while "Shopkit is up" not in log.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"make up did not come up:\n{log.read_text()[-4000:]}")
            time.sleep(0.5)
        yield Gateway()
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
def admin_token(shop: Gateway) -> str:
    return shop.login(*ADMIN)


def eventually(check: Any, seconds: float = 5.0, every: float = 0.05) -> tuple[Any, float]:
    """Poll `check()` until it returns something truthy; returns it and how long it took."""
    started = time.monotonic()
    while True:
        result = check()
        if result:
            return result, time.monotonic() - started
        if time.monotonic() - started > seconds:
            pytest.fail(f"not true within {seconds}s")
        time.sleep(every)
