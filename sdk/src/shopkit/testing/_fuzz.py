"""Keep it found: schemathesis over a service's own OpenAPI, and a walk of every route's auth.

Both run in-process against the app a service's test fixtures build (its disposable test
database, the session's broker and JWKS), through the same `AsyncTestClient` the other tests
use, so nothing touches demo data and the app's lifespan is the test's.

`fuzz_api` generates a bounded number of requests per operation (`SHOPKIT_FUZZ_EXAMPLES`,
default 25: two thirds valid input, a third invalid) with schemathesis, sends each one as every
caller given (anonymous, a customer, an admin) and checks what a client relies on: no 5xx,
the status code is documented, and the content type and body match the documented schema.

`walk_authorization` walks `app.routes`, so a new route is covered without editing a test:
a route that needs a token answers 401 with none, with a forged one (another key, same kid)
and with an expired one; a route with a path id answers 401/403/404 (never 2xx) to another
customer's token against a resource the first customer owns.
"""

from __future__ import annotations

import contextlib
import os
import re
import uuid
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import hypothesis
import jwt
import schemathesis
from hypothesis import strategies as st
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure
from schemathesis.core.result import Err
from schemathesis.generation.case import Case
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from shopkit.auth import TokenIssuer, generate_signing_key
from shopkit.openapi_problems import requires_token

__all__ = [
    "FUZZ_EXAMPLES_ENV",
    "AuthViolation",
    "FuzzFailure",
    "FuzzReport",
    "callers_for",
    "fuzz_api",
    "walk_authorization",
]

FUZZ_EXAMPLES_ENV = "SHOPKIT_FUZZ_EXAMPLES"
_DEFAULT_EXAMPLES = 25
_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
Client = AsyncTestClient[Litestar]


@dataclass(frozen=True)
class FuzzFailure:
    """One check one request failed: enough to replay it by hand."""

    operation: str
    caller: str
    check: str
    status: int
    request: str
    message: str

    def __str__(self) -> str:
        return (
            f"{self.operation} as {self.caller}: {self.check} (got {self.status})\n"
            f"  {self.request}\n  {self.message}"
        )


@dataclass
class FuzzReport:
    operations: list[str] = field(default_factory=list)
    requests: int = 0
    failures: list[FuzzFailure] = field(default_factory=list)

    def failures_of(self, operation: str) -> list[FuzzFailure]:
        return [failure for failure in self.failures if failure.operation == operation]

    def unexpected(self, known: Mapping[str, str] | Sequence[str] = ()) -> list[FuzzFailure]:
        """Failures of operations not listed in `known` (operation ids of known bugs)."""
        return [failure for failure in self.failures if failure.operation not in known]

    def explain(self, failures: Sequence[FuzzFailure] | None = None, limit: int = 20) -> str:
        shown = list(self.failures if failures is None else failures)
        # One line per distinct (operation, caller, check): the same bug found 25 times is one.
        distinct: dict[tuple[str, str, str, int], FuzzFailure] = {}
        for failure in shown:
            distinct.setdefault(
                (failure.operation, failure.caller, failure.check, failure.status), failure
            )
        lines = [str(failure) for failure in list(distinct.values())[:limit]]
        return f"{len(shown)} failed checks in {self.requests} requests:\n" + "\n".join(lines)


def fuzz_examples() -> int:
    """Examples per operation: `SHOPKIT_FUZZ_EXAMPLES`, else 25."""
    return int(os.environ.get(FUZZ_EXAMPLES_ENV, _DEFAULT_EXAMPLES))


def callers_for(
    issuer: TokenIssuer, *, customer_subject: str | None = None
) -> dict[str, dict[str, str]]:
    """Anonymous, a customer and an admin: the callers every fuzz run sends each request as.

    `issuer` is the test JWKS server's (`jwks_server.issuer()`), so a module-scoped fixture can
    mint them; tokens live an hour, longer than any fuzz run.
    """
    customer = issuer.issue_access_token(
        customer_subject or f"fuzz-customer-{uuid.uuid4().hex[:8]}", ["customer"], ttl_seconds=3600
    )
    admin = issuer.issue_access_token(
        f"fuzz-admin-{uuid.uuid4().hex[:8]}", ["admin"], ttl_seconds=3600
    )
    return {
        "anonymous": {},
        "customer": {"Authorization": f"Bearer {customer}"},
        "admin": {"Authorization": f"Bearer {admin}"},
    }


def _draw(strategy: st.SearchStrategy[Case[Any]], examples: int, seed: int) -> list[Case[Any]]:
    """`examples` cases from `strategy`, reproducibly (no shrinking: nothing is run yet)."""
    cases: list[Case[Any]] = []

    @hypothesis.seed(seed)
    @hypothesis.settings(
        max_examples=examples,
        database=None,
        deadline=None,
        derandomize=True,
        phases=[hypothesis.Phase.generate],
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.given(strategy)
    def collect(case: Case[Any]) -> None:
        cases.append(case)

    with (
        warnings.catch_warnings(),
        contextlib.suppress(hypothesis.errors.Unsatisfiable, hypothesis.errors.FailedHealthCheck),
    ):
        # schemathesis's own strategies draw from `random`; that is theirs to fix, not ours.
        warnings.simplefilter("ignore", hypothesis.errors.HypothesisDeprecationWarning)
        collect()
    return cases


def _request_kwargs(case: Case[Any], base_url: str, headers: Mapping[str, str]) -> dict[str, Any]:
    """The case as `httpx` arguments (schemathesis serialises for `requests`)."""
    kwargs = case.as_transport_kwargs(base_url=base_url, headers=dict(headers))
    sent: dict[str, Any] = {
        "method": kwargs["method"],
        "url": kwargs["url"],
        "headers": kwargs.get("headers"),
        "params": kwargs.get("params"),
    }
    if kwargs.get("cookies"):
        sent["headers"] = {
            **(sent["headers"] or {}),
            "Cookie": "; ".join(f"{k}={v}" for k, v in kwargs["cookies"].items()),
        }
    if "json" in kwargs:
        sent["json"] = kwargs["json"]
    elif isinstance(kwargs.get("data"), bytes | str):
        sent["content"] = kwargs["data"]
    elif kwargs.get("data") is not None:
        sent["data"] = kwargs["data"]
    return sent


def _describe(kwargs: Mapping[str, Any]) -> str:
    body = kwargs.get("json", kwargs.get("content", kwargs.get("data")))
    text = f"{kwargs['method']} {kwargs['url']} params={kwargs.get('params')!r} body={body!r}"
    return text if len(text) <= 400 else text[:400] + "…"


def _failures(exc: BaseException) -> list[Failure]:
    if isinstance(exc, BaseExceptionGroup):
        return [f for sub in exc.exceptions for f in _failures(sub)]
    return [exc] if isinstance(exc, Failure) else []


async def fuzz_api(
    client: Client,
    callers: Mapping[str, Mapping[str, str]],
    *,
    examples: int | None = None,
    seed: int = 9,
    schema_path: str = "/schema/openapi.json",
    skip: Sequence[str] = (),
    examples_for: Mapping[str, int] | None = None,
) -> FuzzReport:
    """Fuzz every operation of the app behind `client`; `skip` lists operation ids not to send
    (say why in the test: an endpoint that streams forever cannot be fuzzed this way), and
    `examples_for` gives some operations fewer examples (one that is slow on purpose, such as
    a login that delays every failure)."""
    per_operation = fuzz_examples() if examples is None else examples
    document = (await client.get(schema_path)).json()
    schema = schemathesis.openapi.from_dict(document)
    base_url = str(client.base_url)
    report = FuzzReport()
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()  # a document schemathesis cannot read is itself a failure
        operation = result.ok()
        name = operation.definition.raw.get("operationId") or operation.label
        if name in skip:
            continue
        report.operations.append(name)
        wanted = (examples_for or {}).get(name, per_operation)
        # Two thirds well-formed (they reach the handler), a third malformed (the 422s).
        malformed = wanted // 3
        split = {GenerationMode.POSITIVE: wanted - malformed, GenerationMode.NEGATIVE: malformed}
        cases = [
            case
            for mode, count in split.items()
            if count
            for case in _draw(operation.as_strategy(generation_mode=mode), count, seed)
        ]
        for case in cases:
            for caller, headers in callers.items():
                try:
                    kwargs = _request_kwargs(case, base_url, headers)
                    response = await client.request(**kwargs)
                except (ValueError, TypeError, UnicodeError):
                    continue  # not expressible as HTTP (a header httpx refuses to send)
                report.requests += 1
                try:
                    case.validate_response(response, checks=_CHECKS)
                except (AssertionError, BaseExceptionGroup) as exc:
                    report.failures.extend(
                        FuzzFailure(
                            operation=name,
                            caller=caller,
                            check=failure.title,
                            status=response.status_code,
                            request=_describe(kwargs),
                            message=(failure.message or "").strip()[:600],
                        )
                        for failure in _failures(exc)
                    )
    return report


@dataclass(frozen=True)
class AuthViolation:
    route: str
    caller: str
    status: int
    expected: tuple[int, ...]

    def __str__(self) -> str:
        return f"{self.route} as {self.caller}: {self.status}, expected one of {self.expected}"


_NOT_YOURS = (401, 403, 404)
_PATH_PARAM = re.compile(r"{(?P<name>[^}:]+)(:(?P<kind>[^}]+))?}")


def _fill_path(path: str, values: Mapping[str, str]) -> tuple[str, bool]:
    """The route's path with its parameters filled: owned values where given, else made up.

    Returns the path and whether every parameter came from `values`.
    """
    all_owned = True

    def fill(match: re.Match[str]) -> str:
        nonlocal all_owned
        name, kind = match.group("name"), match.group("kind") or "str"
        if name in values:
            return str(values[name])
        all_owned = False
        return {"int": "1", "uuid": str(uuid.uuid4())}.get(kind, f"x{uuid.uuid4().hex[:8]}")

    return _PATH_PARAM.sub(fill, path), all_owned


def _forged(token: str) -> str:
    """The same claims under the same kid, signed by a key the service has never seen."""
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})
    stranger = generate_signing_key(kid=header["kid"], algorithm=header["alg"])
    return TokenIssuer(stranger).sign(claims)


async def walk_authorization(
    client: Client,
    issuer: TokenIssuer,
    *,
    other_customer: str,
    owned: Mapping[str, str] = {},
    bodies: Mapping[str, Any] = {},
    skip: Sequence[str] = (),
) -> list[AuthViolation]:
    """Walk every HTTP route of the client's app as a hostile caller; return what answered wrongly.

    `issuer` is the test JWKS server's (`jwks_server.issuer()`): the expired token is its, the
    forged one copies its kid. `owned` maps path parameter names to ids of resources the first
    customer owns; `other_customer` is the bearer token of another customer. `bodies` gives,
    per operation id, a well-formed body (so a route that parses its body before checking
    ownership reaches that check). `skip` lists operation ids (or paths) not to call, with a
    reason in the test.
    """
    roles = ["customer", "admin"]
    issued = issuer.issue_access_token(f"walker-{uuid.uuid4().hex[:8]}", roles)
    expired = issuer.issue_access_token(f"walker-{uuid.uuid4().hex[:8]}", roles, ttl_seconds=-600)
    hostile = {
        "anonymous": {},
        "forged token": {"Authorization": f"Bearer {_forged(issued)}"},
        "expired token": {"Authorization": f"Bearer {expired}"},
    }
    other = {"Authorization": f"Bearer {other_customer}"}
    violations: list[AuthViolation] = []
    for route in client.app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for method, (handler, _) in route.route_handler_map.items():
            name = handler.operation_id if isinstance(handler.operation_id, str) else None
            if method in ("OPTIONS", "HEAD") or route.path in skip or name in skip:
                continue
            path, all_owned = _fill_path(route.path, owned)
            label = f"{method} {route.path_format}" + (f" ({name})" if name else "")
            body = bodies.get(name or "", {}) if method in ("POST", "PUT", "PATCH") else None
            # Routes left out of the OpenAPI without a guard (`/metrics`, `/schema`) are the
            # platform's public plumbing, not the service's API.
            needs_token = requires_token(handler) and (
                handler.resolve_include_in_schema() or bool(handler.resolve_guards())
            )
            if needs_token:
                for caller, headers in hostile.items():
                    response = await client.request(method, path, headers=headers, json=body)
                    status = response.status_code
                    if status != 401:
                        violations.append(
                            AuthViolation(label, caller, response.status_code, (401,))
                        )
            if route.path_parameters and (needs_token or all_owned):
                response = await client.request(method, path, headers=other, json=body)
                if response.status_code not in (401, 403, 404):
                    violations.append(
                        AuthViolation(
                            label, "another customer", response.status_code, (401, 403, 404)
                        )
                    )
    return violations
