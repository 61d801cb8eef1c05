"""Calls to other Shopkit services: timeouts, safe retries, a circuit breaker, propagation.

Every outgoing request carries the caller's `X-Request-ID`, the W3C trace context
(`traceparent`) and, when a token provider is given, a service token, so one checkout can be
followed across services in logs and traces.

Retries are only for requests that are safe to repeat: idempotent methods, or POST/PATCH that
carry an `Idempotency-Key` (the server deduplicates them). They happen on connect errors,
timeouts and 502/503/504, with exponential backoff and full jitter so that callers who failed
together do not retry together.

Answers are read in one way (`call`, `get_json`): a JSON body decoded into the caller's own
msgspec type (its tolerant reader); the dependency unreachable, its circuit open or a 5xx
answer is `ServiceUnavailable` (503 with Retry-After); a 4xx answer, or a body that breaks the
contract, is `UpstreamRejected` (502: another service refused a call it should have taken),
which carries the upstream's status and problem+json for a caller that expects some refusals
(a 404, a 409) and turns them into its own answer.

Whose token a call carries is the caller's choice: `token_provider=forward_caller_token` acts
as the customer or admin whose request this is; a `shopkit.auth.ServiceTokenProvider`'s `token`
acts as the service itself (client-credentials grant); none calls anonymously.

The breaker stops a struggling dependency from being hammered and stops callers from waiting a
full timeout on every request: after `breaker_failure_threshold` consecutive failures it fails
fast with `ServiceUnavailable` (503 "Dependency unavailable") for `breaker_reset_seconds`, then
lets one probe through and closes again if it succeeds.
"""

from __future__ import annotations

import asyncio
import enum
import math
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from http import HTTPStatus
from types import TracebackType
from typing import Any, Self, TypeVar, overload

import httpx
import msgspec
import structlog
from opentelemetry import propagate

from shopkit.config import HttpSettings
from shopkit.context import REQUEST_ID_HEADER, caller_token_var, request_id_var
from shopkit.errors import DomainError, InvalidInputError

__all__ = [
    "BreakerState",
    "CircuitBreaker",
    "ServiceClient",
    "ServiceUnavailable",
    "UpstreamRejected",
    "forward_caller_token",
    "read_json",
]

T = TypeVar("T")

IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRY_STATUSES = frozenset({502, 503, 504})

# Failures of the dependency (or the path to it). Errors that are the caller's fault, such as an
# unsupported URL scheme, propagate untouched and do not count against the breaker.
_DEPENDENCY_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
_RETRYABLE_ERRORS = (httpx.TimeoutException, httpx.ConnectError)

_logger = structlog.get_logger("shopkit.http")
_jitter = random.Random()  # noqa: S311 - spreads retries; nothing secret depends on it


class ServiceUnavailable(DomainError):
    """A service this request depends on failed or its circuit is open (503).

    The detail stays generic because it reaches the public client; the dependency's name is on
    `dependency` and in the logs.
    """

    status_code = 503
    title = "Dependency unavailable"
    code = "dependency-unavailable"

    def __init__(
        self,
        dependency: str,
        *,
        retry_after_seconds: float | None = None,
        status: int | None = None,
    ) -> None:
        headers = (
            {"Retry-After": str(max(1, math.ceil(retry_after_seconds)))}
            if retry_after_seconds is not None
            else None
        )
        super().__init__(
            "A service this request depends on is unavailable; try again later.", headers=headers
        )
        self.dependency = dependency
        self.status = status  # the dependency's own 5xx, or None when it could not be reached


class UpstreamRejected(DomainError):
    """Another service refused a call it should have taken (a 4xx) or answered a body that
    breaks the contract (502: our bug or theirs, not the client's, and nothing was written).

    `status` is the upstream's answer and `problem` its problem+json body (a dict, or None when
    it sent none), for a caller that expects some refusals and answers them its own way. The
    detail stays generic: the upstream's words are for the logs, not the public client.
    """

    status_code = 502
    title = "Bad gateway"
    code = "upstream-rejected"

    def __init__(self, dependency: str, status: int, problem: dict[str, Any] | None = None) -> None:
        super().__init__(
            f"{dependency} refused the request ({status})."
            if status >= 400
            else f"{dependency} answered something unexpected."
        )
        self.dependency = dependency
        self.status = status
        self.problem = problem or {}

    @property
    def upstream_code(self) -> str | None:
        code = self.problem.get("code")
        return code if isinstance(code, str) else None

    @property
    def upstream_title(self) -> str:
        """The problem's title, else the status's reason phrase (`Not Found`)."""
        title = self.problem.get("title")
        if title:
            return str(title)
        try:
            return HTTPStatus(self.status).phrase
        except ValueError:
            return ""

    @property
    def upstream_detail(self) -> str:
        return str(self.problem.get("detail") or "")

    @property
    def upstream_invalid_params(self) -> list[dict[str, Any]]:
        params = self.problem.get("invalid_params")
        return [p for p in params if isinstance(p, dict)] if isinstance(params, list) else []


async def forward_caller_token() -> str:
    """The current request's own bearer token: a call made as the customer or admin whose
    request this is (the upstream authorizes them as usual)."""
    token = caller_token_var.get()
    if token is None:
        raise RuntimeError("a call as the caller outside an authenticated request")
    return token


def read_json(response: httpx.Response, type_: type[T] | None, dependency: str) -> Any:
    """The answer read the one way every caller reads one: a 5xx is `ServiceUnavailable`, a
    4xx `UpstreamRejected`; otherwise the body as `type_` (any JSON when None; None when there
    is no body), and `UpstreamRejected` when it does not fit."""
    status = response.status_code
    if status >= 500:
        _logger.warning("upstream_failed", dependency=dependency, status=status)
        raise ServiceUnavailable(dependency, status=status)
    if status >= 400:
        _logger.warning(
            "upstream_refused",
            dependency=dependency,
            method=response.request.method,
            url=str(response.request.url),
            status=status,
            body=response.text[:500],
        )
        raise UpstreamRejected(dependency, status, _problem(response))
    if status == 204 or not response.content:
        if type_ is None:
            return None
        content = b"null"
    else:
        content = response.content
    try:
        if type_ is None:
            return msgspec.json.decode(content)
        return msgspec.json.decode(content, type=type_)
    except (msgspec.ValidationError, msgspec.DecodeError, InvalidInputError) as exc:
        _logger.error("upstream_contract_broken", dependency=dependency, error=str(exc))
        raise UpstreamRejected(dependency, status) from None


def _problem(response: httpx.Response) -> dict[str, Any] | None:
    try:
        body = msgspec.json.decode(response.content)
    except msgspec.DecodeError:
        return None
    return body if isinstance(body, dict) else None


class BreakerState(enum.Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """Consecutive-failure breaker: closed → open → half-open (one probe) → closed.

    Meant for one event loop (no locks): every method runs between two awaits.
    """

    def __init__(
        self,
        name: str,
        *,
        failure_threshold: int,
        reset_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        self.name = name
        self.failure_threshold = failure_threshold
        self.reset_seconds = reset_seconds
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = False

    @property
    def state(self) -> BreakerState:
        if self._opened_at is None:
            return BreakerState.CLOSED
        if self._clock() - self._opened_at >= self.reset_seconds:
            return BreakerState.HALF_OPEN
        return BreakerState.OPEN

    def before_call(self) -> None:
        """Let a call through or raise `ServiceUnavailable`; half-open admits a single probe."""
        state = self.state
        if state is BreakerState.CLOSED:
            return
        if state is BreakerState.HALF_OPEN and not self._probing:
            self._probing = True
            return
        assert self._opened_at is not None
        remaining = self._opened_at + self.reset_seconds - self._clock()
        raise ServiceUnavailable(self.name, retry_after_seconds=max(remaining, 0.0))

    def record_success(self) -> None:
        if self.state is BreakerState.OPEN:
            return  # a slow call from before the breaker opened proves nothing now
        if self._opened_at is not None:
            _logger.info("circuit_closed", dependency=self.name)
        self._failures = 0
        self._opened_at = None
        self._probing = False

    def record_failure(self) -> None:
        state = self.state
        if state is BreakerState.OPEN:
            return
        self._failures += 1
        if state is BreakerState.HALF_OPEN or self._failures >= self.failure_threshold:
            self._opened_at = self._clock()
            self._probing = False
            _logger.warning(
                "circuit_opened",
                dependency=self.name,
                failures=self._failures,
                reset_seconds=self.reset_seconds,
            )

    def release(self) -> None:
        """A call ended without a verdict (cancelled, or the caller's error): free the probe."""
        self._probing = False


class ServiceClient:
    """An `httpx.AsyncClient` for one upstream service; use it as an async context manager.

    `name` is the upstream's slug (`inventory-service`): it names the breaker and the logs.
    """

    def __init__(
        self,
        base_url: str,
        *,
        settings: HttpSettings | None = None,
        name: str,
        token_provider: Callable[[], Awaitable[str]] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        headers: Mapping[str, str] | None = None,
        limits: httpx.Limits | None = None,
        backoff_base_seconds: float = 0.1,
        backoff_max_seconds: float = 2.0,
    ) -> None:
        """`headers` go with every call (an `Accept`, a `User-Agent`); `limits` bound the pool
        (httpx's defaults otherwise)."""
        self.settings = settings or HttpSettings()
        self.name = name
        self._token_provider = token_provider
        self._backoff_base = backoff_base_seconds
        self._backoff_max = backoff_max_seconds
        self.breaker = CircuitBreaker(
            name,
            failure_threshold=self.settings.breaker_failure_threshold,
            reset_seconds=self.settings.breaker_reset_seconds,
        )
        self._client = httpx.AsyncClient(
            base_url=base_url,
            timeout=self._timeout(self.settings.timeout_seconds),
            transport=transport,
            headers=headers,
            limits=limits or httpx.Limits(max_connections=100, max_keepalive_connections=20),
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        content: bytes | str | None = None,
        data: Mapping[str, Any] | None = None,
        timeout_seconds: float | None = None,
    ) -> httpx.Response:
        """Send with retries and the breaker; HTTP error statuses are returned, not raised.

        Raises `ServiceUnavailable` when the circuit is open or the service cannot be reached
        (connect error, timeout) after the allowed attempts.
        """
        method = method.upper()
        outgoing = await self._headers(headers)
        retryable = method in IDEMPOTENT_METHODS or IDEMPOTENCY_KEY_HEADER in outgoing
        attempts = 1 + (max(self.settings.retries, 0) if retryable else 0)
        for attempt in range(attempts):
            last = attempt == attempts - 1
            propagate.inject(outgoing)
            request = self._client.build_request(
                method,
                url,
                params=params,
                headers=outgoing,
                json=json,
                content=content,
                data=data,
                timeout=self._client.timeout
                if timeout_seconds is None
                else self._timeout(timeout_seconds),
            )
            self.breaker.before_call()
            try:
                response = await self._client.send(request)
            except _DEPENDENCY_ERRORS as exc:
                self.breaker.record_failure()
                _logger.warning(
                    "upstream_error",
                    dependency=self.name,
                    method=method,
                    url=str(request.url),
                    attempt=attempt + 1,
                    error=type(exc).__name__,
                )
                if last or not isinstance(exc, _RETRYABLE_ERRORS):
                    raise ServiceUnavailable(self.name) from exc
                await asyncio.sleep(self._backoff(attempt))
                continue
            except BaseException:
                self.breaker.release()
                raise
            if response.status_code >= 500:
                self.breaker.record_failure()
            else:
                self.breaker.record_success()
            if last or response.status_code not in RETRY_STATUSES:
                return response
            await response.aclose()
            await asyncio.sleep(self._backoff(attempt))
        raise AssertionError("unreachable: the last attempt returns or raises")

    @overload
    async def call(self, method: str, url: str, type_: type[T], **kwargs: Any) -> T: ...

    @overload
    async def call(self, method: str, url: str, type_: None = None, **kwargs: Any) -> Any: ...

    async def call(self, method: str, url: str, type_: type[T] | None = None, **kwargs: Any) -> Any:
        """Send (as `request`) and read the answer as `type_` (any JSON when None).

        `ServiceUnavailable` when the service cannot be reached, its circuit is open or it
        answers 5xx; `UpstreamRejected` when it answers 4xx or a body that is not a `type_`.
        """
        return read_json(await self.request(method, url, **kwargs), type_, self.name)

    async def get_json(self, url: str, type_: type[T], **kwargs: Any) -> T:
        """`call("GET", url, type_, ...)`."""
        return await self.call("GET", url, type_, **kwargs)

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", url, **kwargs)

    async def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", url, **kwargs)

    async def put(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("PUT", url, **kwargs)

    async def patch(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("PATCH", url, **kwargs)

    async def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("DELETE", url, **kwargs)

    async def _headers(self, given: Mapping[str, str] | None) -> httpx.Headers:
        headers = httpx.Headers(given)
        request_id = request_id_var.get()
        if request_id and REQUEST_ID_HEADER not in headers:
            headers[REQUEST_ID_HEADER] = request_id
        if self._token_provider is not None and "Authorization" not in headers:
            headers["Authorization"] = f"Bearer {await self._token_provider()}"
        return headers

    def _timeout(self, seconds: float) -> httpx.Timeout:
        return httpx.Timeout(seconds, connect=self.settings.connect_timeout_seconds or seconds)

    def _backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(max, base * 2**attempt)]."""
        return _jitter.uniform(0.0, min(self._backoff_max, self._backoff_base * 2**attempt))
