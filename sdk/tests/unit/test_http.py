from __future__ import annotations

import asyncio

import httpx
import pytest
from shopkit.config import HttpSettings
from shopkit.context import request_id_var
from shopkit.errors import DomainError
from shopkit.http import BreakerState, CircuitBreaker, ServiceClient, ServiceUnavailable

pytestmark = pytest.mark.unit


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def breaker(clock: FakeClock) -> CircuitBreaker:
    return CircuitBreaker("inventory-service", failure_threshold=3, reset_seconds=10, clock=clock)


def fail(breaker: CircuitBreaker, times: int) -> None:
    for _ in range(times):
        breaker.before_call()
        breaker.record_failure()


def test_breaker_opens_after_consecutive_failures(breaker: CircuitBreaker) -> None:
    fail(breaker, 2)
    assert breaker.state is BreakerState.CLOSED
    fail(breaker, 1)
    assert breaker.state is BreakerState.OPEN
    with pytest.raises(ServiceUnavailable) as caught:
        breaker.before_call()
    assert caught.value.dependency == "inventory-service"
    assert caught.value.headers == {"Retry-After": "10"}


def test_a_success_resets_the_count(breaker: CircuitBreaker) -> None:
    fail(breaker, 2)
    breaker.before_call()
    breaker.record_success()
    fail(breaker, 2)
    assert breaker.state is BreakerState.CLOSED


def test_half_open_after_reset_admits_one_probe(breaker: CircuitBreaker, clock: FakeClock) -> None:
    fail(breaker, 3)
    clock.now += 9.5
    with pytest.raises(ServiceUnavailable) as caught:
        breaker.before_call()
    assert caught.value.headers == {"Retry-After": "1"}
    clock.now += 0.5
    assert breaker.state is BreakerState.HALF_OPEN
    breaker.before_call()
    with pytest.raises(ServiceUnavailable):
        breaker.before_call()  # only one probe at a time


def test_successful_probe_closes(breaker: CircuitBreaker, clock: FakeClock) -> None:
    fail(breaker, 3)
    clock.now += 10
    breaker.before_call()
    breaker.record_success()
    assert breaker.state is BreakerState.CLOSED
    fail(breaker, 2)
    assert breaker.state is BreakerState.CLOSED


def test_failed_probe_reopens_for_a_full_period(breaker: CircuitBreaker, clock: FakeClock) -> None:
    fail(breaker, 3)
    clock.now += 10
    breaker.before_call()
    breaker.record_failure()
    assert breaker.state is BreakerState.OPEN
    clock.now += 9.9
    assert breaker.state is BreakerState.OPEN
    clock.now += 0.1
    assert breaker.state is BreakerState.HALF_OPEN


def test_released_probe_lets_the_next_call_probe(breaker: CircuitBreaker, clock: FakeClock) -> None:
    fail(breaker, 3)
    clock.now += 10
    breaker.before_call()
    breaker.release()
    breaker.before_call()


def test_late_results_while_open_are_ignored(breaker: CircuitBreaker, clock: FakeClock) -> None:
    fail(breaker, 3)
    breaker.record_success()
    assert breaker.state is BreakerState.OPEN
    breaker.record_failure()
    clock.now += 10
    assert breaker.state is BreakerState.HALF_OPEN


def test_breaker_threshold_must_be_positive() -> None:
    with pytest.raises(ValueError, match="failure_threshold"):
        CircuitBreaker("x", failure_threshold=0, reset_seconds=1)


def test_service_unavailable_is_a_503_domain_error() -> None:
    error = ServiceUnavailable("payment-service")
    assert isinstance(error, DomainError)
    assert error.status_code == 503
    assert error.title == "Dependency unavailable"
    assert "payment-service" not in str(error)  # internal names stay out of public problems
    assert error.headers == {}


class Recorder:
    """A mock transport that answers from a script of statuses and records each request."""

    def __init__(self, *statuses: int | type[Exception]) -> None:
        self.script = list(statuses)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.script.pop(0) if self.script else 200
        if isinstance(step, int):
            return httpx.Response(step, json={"ok": step < 400})
        raise step("scripted", request=request)  # type: ignore[call-arg]


def client(
    recorder: Recorder,
    *,
    retries: int = 2,
    threshold: int = 50,
    token: str | None = None,
) -> ServiceClient:
    async def token_provider() -> str:
        assert token is not None
        return token

    return ServiceClient(
        "http://inventory.test",
        name="inventory-service",
        settings=HttpSettings(retries=retries, breaker_failure_threshold=threshold),
        transport=httpx.MockTransport(recorder),
        token_provider=token_provider if token else None,
        backoff_base_seconds=0,
    )


@pytest.mark.parametrize("method", ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"])
async def test_idempotent_methods_retry_on_503(method: str) -> None:
    recorder = Recorder(503, 502)
    async with client(recorder) as api:
        response = await api.request(method, "/stock")
    assert response.status_code == 200
    assert len(recorder.requests) == 3


@pytest.mark.parametrize("method", ["POST", "PATCH"])
async def test_unsafe_methods_are_not_retried(method: str) -> None:
    recorder = Recorder(503)
    async with client(recorder) as api:
        response = await api.request(method, "/reservations", json={"sku": "A"})
    assert response.status_code == 503
    assert len(recorder.requests) == 1


async def test_post_with_an_idempotency_key_is_retried() -> None:
    recorder = Recorder(504)
    async with client(recorder) as api:
        response = await api.post(
            "/reservations", json={"sku": "A"}, headers={"idempotency-key": "k-1"}
        )
    assert response.status_code == 200
    assert [r.headers["Idempotency-Key"] for r in recorder.requests] == ["k-1", "k-1"]
    assert recorder.requests[1].content == b'{"sku":"A"}'


async def test_retries_are_bounded_and_return_the_last_response() -> None:
    recorder = Recorder(503, 503, 503, 503)
    async with client(recorder, retries=2) as api:
        response = await api.get("/stock")
    assert response.status_code == 503
    assert len(recorder.requests) == 3


@pytest.mark.parametrize("status", [400, 404, 409, 500, 501])
async def test_other_statuses_are_not_retried(status: int) -> None:
    recorder = Recorder(status)
    async with client(recorder) as api:
        response = await api.get("/stock")
    assert response.status_code == status
    assert len(recorder.requests) == 1


async def test_connect_errors_are_retried_then_become_service_unavailable() -> None:
    recorder = Recorder(httpx.ConnectError, httpx.ConnectError, httpx.ConnectError)
    async with client(recorder) as api:
        with pytest.raises(ServiceUnavailable) as caught:
            await api.get("/stock")
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    assert len(recorder.requests) == 3


async def test_timeouts_on_post_are_not_retried() -> None:
    recorder = Recorder(httpx.ReadTimeout)
    async with client(recorder) as api:
        with pytest.raises(ServiceUnavailable):
            await api.post("/reservations")
    assert len(recorder.requests) == 1


async def test_caller_errors_are_not_dependency_failures() -> None:
    recorder = Recorder(httpx.UnsupportedProtocol)
    async with client(recorder, threshold=1) as api:
        with pytest.raises(httpx.UnsupportedProtocol):
            await api.get("/stock")
        assert api.breaker.state is BreakerState.CLOSED


async def test_every_failed_attempt_counts_and_an_open_breaker_stops_retries() -> None:
    recorder = Recorder(503, 503, 503)
    async with client(recorder, retries=5, threshold=2) as api:
        with pytest.raises(ServiceUnavailable):
            await api.get("/stock")
        assert len(recorder.requests) == 2
        with pytest.raises(ServiceUnavailable):
            await api.get("/stock")
        assert len(recorder.requests) == 2


async def test_4xx_means_the_dependency_is_up() -> None:
    recorder = Recorder(500, 404, 500)
    async with client(recorder, threshold=2) as api:
        for _ in range(3):
            await api.get("/stock")
        assert api.breaker.state is BreakerState.CLOSED


async def test_headers_are_propagated() -> None:
    recorder = Recorder()
    token = request_id_var.set("req-123")
    try:
        async with client(recorder, token="service-token") as api:
            await api.get("/stock", params={"sku": "A"})
    finally:
        request_id_var.reset(token)
    sent = recorder.requests[0]
    assert sent.url == "http://inventory.test/stock?sku=A"
    assert sent.headers["X-Request-ID"] == "req-123"
    assert sent.headers["Authorization"] == "Bearer service-token"


async def test_caller_headers_win() -> None:
    recorder = Recorder()
    token = request_id_var.set("req-123")
    try:
        async with client(recorder, token="service-token") as api:
            await api.get(
                "/stock", headers={"authorization": "Bearer user", "x-request-id": "mine"}
            )
    finally:
        request_id_var.reset(token)
    sent = recorder.requests[0]
    assert sent.headers.get_list("Authorization") == ["Bearer user"]
    assert sent.headers.get_list("X-Request-ID") == ["mine"]


async def test_no_request_id_or_token_when_there_is_none() -> None:
    recorder = Recorder()
    async with client(recorder) as api:
        await api.delete("/stock/1")
    assert "X-Request-ID" not in recorder.requests[0].headers
    assert "Authorization" not in recorder.requests[0].headers


async def test_backoff_is_exponential_with_full_jitter() -> None:
    api = ServiceClient("http://x.test", name="x", backoff_base_seconds=0.1, backoff_max_seconds=1)
    for attempt, ceiling in [(0, 0.1), (1, 0.2), (2, 0.4), (5, 1.0)]:
        delays = [api._backoff(attempt) for _ in range(200)]
        assert all(0 <= delay <= ceiling for delay in delays)
        assert max(delays) > ceiling / 2
    await api.aclose()


async def test_cancelled_probe_frees_the_half_open_slot() -> None:
    started = asyncio.Event()

    async def hang(request: httpx.Request) -> httpx.Response:
        started.set()
        await asyncio.sleep(10)
        return httpx.Response(200)

    api = ServiceClient(
        "http://x.test",
        name="x",
        settings=HttpSettings(breaker_failure_threshold=1, breaker_reset_seconds=0),
        transport=httpx.MockTransport(hang),
    )
    api.breaker.record_failure()
    assert api.breaker.state is BreakerState.HALF_OPEN
    probe = asyncio.create_task(api.post("/x"))
    await started.wait()
    probe.cancel()
    with pytest.raises(asyncio.CancelledError):
        await probe
    api.breaker.before_call()  # the slot is free again
    await api.aclose()


async def test_by_default_a_failing_dependency_is_tried_again_within_5_seconds() -> None:
    api = ServiceClient(
        "http://x.test",
        name="x",
        settings=HttpSettings(retries=0),
        transport=httpx.MockTransport(lambda request: httpx.Response(503)),
    )
    for _ in range(HttpSettings().breaker_failure_threshold):
        await api.get("/x")
    with pytest.raises(ServiceUnavailable) as caught:
        await api.get("/x")
    assert 0 < int(caught.value.headers["Retry-After"]) <= 5
    await api.aclose()
