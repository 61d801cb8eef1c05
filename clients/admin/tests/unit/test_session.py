from __future__ import annotations

import pytest
from shopkit.http import UpstreamRejected

from admin.gateway import ApiError
from admin.session import needs_refresh, safe_next

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("/admin/orders?status=confirmed", "/admin/orders?status=confirmed"),
        ("/admin", "/admin"),
        (None, "/admin"),
        ("", "/admin"),
        ("https://evil.example/admin", "/admin"),
        ("//evil.example/admin", "/admin"),
        ("/admin\\..\\x", "/admin"),
        ("/api/users", "/admin"),
        ("/admin/x\r\nSet-Cookie: a=b", "/admin"),
    ],
)
def test_after_login_only_pages_of_this_app_are_followed(given: str | None, expected: str) -> None:
    assert safe_next(given) == expected


def test_the_access_token_is_refreshed_shortly_before_it_expires() -> None:
    assert needs_refresh({"expires_at": 1000}, now=980)
    assert not needs_refresh({"expires_at": 1000}, now=900)
    assert needs_refresh({}, now=0)


def test_problem_details_read_as_one_sentence() -> None:
    error = ApiError(
        409,
        "Conflict",
        "status: an order that is cancelled cannot become shipped.",
        [{"name": "status", "reason": "an order that is cancelled cannot become shipped"}],
    )
    assert error.message == "status: an order that is cancelled cannot become shipped."
    validation = ApiError(
        422, "Validation failed", "Validation failed", [{"name": "on_hand", "reason": "too big"}]
    )
    assert validation.message == "Validation failed on_hand: too big"
    assert ApiError(404, "Not Found").message == "Not Found"


def test_problem_json_and_other_error_bodies_become_api_errors() -> None:
    problem = {
        "title": "Conflict",
        "status": 409,
        "detail": "SKU 'X' already belongs to another product",
        "invalid_params": [{"name": "variants[0].sku", "reason": "taken"}],
        "code": "sku-taken",
    }
    error = ApiError.from_rejected(UpstreamRejected("gateway", 409, problem))
    assert (error.status, error.code) == (409, "sku-taken")
    assert error.message == "SKU 'X' already belongs to another product variants[0].sku: taken"
    plain = ApiError.from_rejected(UpstreamRejected("gateway", 404, None))  # an HTML 404
    assert (plain.status, plain.message) == (404, "Not Found")
