"""`ServiceClient` against a real HTTP server on 127.0.0.1 (a thread running `http.server`)."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import msgspec
import pytest
from opentelemetry.sdk.trace import TracerProvider
from shopkit.config import HttpSettings
from shopkit.context import caller_token_var, request_id_var
from shopkit.http import (
    BreakerState,
    ServiceClient,
    ServiceUnavailable,
    UpstreamRejected,
    forward_caller_token,
)

pytestmark = pytest.mark.integration


class Upstream(ThreadingHTTPServer):
    """Records every request; answers from a script of (status, delay) steps, then 200."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.lock = threading.Lock()
        self.received: list[dict[str, Any]] = []
        self.script: list[tuple[int, float]] = []

    def plan(self, *steps: int | tuple[int, float]) -> None:
        with self.lock:
            self.script = [step if isinstance(step, tuple) else (step, 0.0) for step in steps]

    def next_step(self, record: dict[str, Any]) -> tuple[int, float]:
        with self.lock:
            self.received.append(record)
            return self.script.pop(0) if self.script else (200, 0.0)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that time out close the socket mid-response; that is expected here."""


class Handler(BaseHTTPRequestHandler):
    server: Upstream
    protocol_version = "HTTP/1.1"

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        record = {
            "method": self.command,
            "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body,
        }
        status, delay = self.server.next_step(record)
        if delay:
            time.sleep(delay)
        payload = json.dumps({"status": status}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""


@pytest.fixture(scope="module")
def upstream() -> Iterator[Upstream]:
    server = Upstream()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def server(upstream: Upstream) -> Upstream:
    upstream.plan()
    with upstream.lock:
        upstream.received.clear()
    return upstream


def settings(**overrides: Any) -> HttpSettings:
    values: dict[str, Any] = {
        "timeout_seconds": 1.0,
        "retries": 2,
        "breaker_failure_threshold": 5,
        "breaker_reset_seconds": 30.0,
    }
    values.update(overrides)
    return HttpSettings(**values)


def service(url: str, **kwargs: Any) -> ServiceClient:
    kwargs.setdefault("settings", settings())
    return ServiceClient(url, name="inventory-service", backoff_base_seconds=0.01, **kwargs)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def test_get_is_retried_until_it_succeeds(server: Upstream) -> None:
    server.plan(503, 502)
    async with service(server.url) as api:
        response = await api.get("/stock/A")
    assert response.status_code == 200
    assert response.json() == {"status": 200}
    assert [r["path"] for r in server.received] == ["/stock/A"] * 3


async def test_post_is_not_retried(server: Upstream) -> None:
    server.plan(503)
    async with service(server.url) as api:
        response = await api.post("/reservations", json={"sku": "A", "quantity": 1})
    assert response.status_code == 503
    assert len(server.received) == 1
    assert json.loads(server.received[0]["body"]) == {"sku": "A", "quantity": 1}


async def test_post_with_idempotency_key_is_retried(server: Upstream) -> None:
    server.plan(503)
    async with service(server.url) as api:
        response = await api.post(
            "/reservations", json={"sku": "A"}, headers={"Idempotency-Key": "order-7"}
        )
    assert response.status_code == 200
    assert [r["headers"]["idempotency-key"] for r in server.received] == ["order-7"] * 2


async def test_read_timeouts_are_retried_for_get(server: Upstream) -> None:
    server.plan((200, 0.5), (200, 0.5))
    async with service(server.url, settings=settings(timeout_seconds=0.2)) as api:
        started = time.monotonic()
        response = await api.get("/slow")
    assert response.status_code == 200
    assert len(server.received) == 3
    assert time.monotonic() - started < 1.5


async def test_timeout_on_post_is_not_retried(server: Upstream) -> None:
    server.plan((200, 0.5))
    async with service(server.url, settings=settings(timeout_seconds=0.2)) as api:
        with pytest.raises(ServiceUnavailable) as caught:
            await api.post("/slow")
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)
    assert len(server.received) == 1


async def test_connection_refused_becomes_service_unavailable() -> None:
    async with service(f"http://127.0.0.1:{free_port()}") as api:
        with pytest.raises(ServiceUnavailable) as caught:
            await api.get("/stock")
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    assert caught.value.status_code == 503


async def test_breaker_opens_fails_fast_and_recovers(server: Upstream) -> None:
    server.plan(*[500] * 3)
    config = settings(retries=0, breaker_failure_threshold=3, breaker_reset_seconds=0.3)
    async with service(server.url, settings=config) as api:
        for _ in range(3):
            assert (await api.get("/stock")).status_code == 500
        assert api.breaker.state is BreakerState.OPEN

        started = time.monotonic()
        with pytest.raises(ServiceUnavailable) as caught:
            await api.get("/stock")
        assert time.monotonic() - started < 0.05
        assert caught.value.headers == {"Retry-After": "1"}
        assert len(server.received) == 3  # failed fast: the server saw nothing

        await asyncio.sleep(0.35)
        assert api.breaker.state is BreakerState.HALF_OPEN
        assert (await api.get("/stock")).status_code == 200
        assert api.breaker.state is BreakerState.CLOSED
        assert (await api.get("/stock")).status_code == 200
    assert len(server.received) == 5


async def test_failed_probe_opens_the_breaker_again(server: Upstream) -> None:
    server.plan(503, 503)
    config = settings(retries=0, breaker_failure_threshold=1, breaker_reset_seconds=0.2)
    async with service(server.url, settings=config) as api:
        await api.get("/stock")
        await asyncio.sleep(0.25)
        assert (await api.get("/stock")).status_code == 503  # the probe
        with pytest.raises(ServiceUnavailable):
            await api.get("/stock")
    assert len(server.received) == 2


async def test_request_id_trace_context_and_token_reach_the_server(server: Upstream) -> None:
    tracer = TracerProvider().get_tracer(__name__)
    calls = 0

    async def token_provider() -> str:
        nonlocal calls
        calls += 1
        return "svc-token"

    reset = request_id_var.set("req-42")
    try:
        async with service(server.url, token_provider=token_provider) as api:
            with tracer.start_as_current_span("checkout") as span:
                await api.put("/stock/A", json={"quantity": 3})
    finally:
        request_id_var.reset(reset)

    headers = server.received[0]["headers"]
    assert headers["x-request-id"] == "req-42"
    assert headers["authorization"] == "Bearer svc-token"
    version, trace_id, parent_id, flags = headers["traceparent"].split("-")
    context = span.get_span_context()
    assert version == "00"
    assert trace_id == format(context.trace_id, "032x")
    # The parent is our span, or the httpx client span under it once httpx is instrumented.
    assert parent_id != "0" * 16
    assert flags == format(context.trace_flags, "02x")
    assert context.trace_flags.sampled
    assert calls == 1


async def test_every_retry_carries_the_same_propagated_headers(server: Upstream) -> None:
    server.plan(503)
    tracer = TracerProvider().get_tracer(__name__)
    reset = request_id_var.set("req-43")
    try:
        async with service(server.url) as api:
            with tracer.start_as_current_span("reserve"):
                await api.delete("/reservations/9")
    finally:
        request_id_var.reset(reset)
    assert len(server.received) == 2
    first, second = (r["headers"] for r in server.received)
    assert first["x-request-id"] == second["x-request-id"] == "req-43"
    # Each attempt may get its own client span, but every attempt stays in the caller's trace.
    assert first["traceparent"].split("-")[1] == second["traceparent"].split("-")[1]
    assert "authorization" not in first


class Answer(msgspec.Struct):
    status: int


class Elsewhere(msgspec.Struct):
    sku: str


async def test_call_reads_the_answer_into_the_callers_type(server: Upstream) -> None:
    async with service(server.url) as api:
        assert await api.get_json("/stock/A", Answer) == Answer(status=200)
        assert await api.call("POST", "/reservations", json={"sku": "A"}) == {"status": 200}


async def test_a_refusal_or_a_broken_contract_is_a_502_that_keeps_the_upstreams_answer(
    server: Upstream,
) -> None:
    server.plan(404)
    async with service(server.url) as api:
        with pytest.raises(UpstreamRejected) as refused:
            await api.get_json("/stock/B", Answer)
        with pytest.raises(UpstreamRejected) as broken:
            await api.get_json("/stock/A", Elsewhere)  # 200, but not what we read
    assert refused.value.status_code == 502
    assert (refused.value.status, refused.value.problem) == (404, {"status": 404})
    assert refused.value.dependency == "inventory-service"
    assert "inventory-service refused" in str(refused.value.detail)
    assert broken.value.status == 200
    assert "answered something unexpected" in str(broken.value.detail)


async def test_a_failing_upstream_is_503_with_its_status(server: Upstream) -> None:
    server.plan(503, 503, 503)
    async with service(server.url) as api:
        with pytest.raises(ServiceUnavailable) as failed:
            await api.get_json("/stock/A", Answer)
    assert failed.value.status_code == 503
    assert failed.value.status == 503
    assert len(server.received) == 3  # the GET was retried before giving up


async def test_a_call_made_as_the_caller_carries_the_callers_token(server: Upstream) -> None:
    token = caller_token_var.set("the-customers-token")
    try:
        async with service(server.url, token_provider=forward_caller_token) as api:
            await api.get_json("/carts/1", Answer)
    finally:
        caller_token_var.reset(token)
    assert server.received[0]["headers"]["authorization"] == "Bearer the-customers-token"
    async with service(server.url, token_provider=forward_caller_token) as api:
        with pytest.raises(RuntimeError):  # no caller: never sent anonymously by mistake
            await api.get_json("/carts/1", Answer)
    assert len(server.received) == 1
