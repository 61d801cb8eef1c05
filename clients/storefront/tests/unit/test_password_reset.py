"""What a shopper is told when user-service refuses a password reset (its problem+json)."""

from __future__ import annotations

import pytest
from storefront.controllers.password import (
    TOKEN_REFUSED,
    TOO_MANY,
    confirm_messages,
    request_messages,
)
from storefront.gateway import ApiError

pytestmark = pytest.mark.unit


def _problem(status: int, code: str | None, name: str, reason: str, detail: str) -> ApiError:
    problem = {
        "type": "about:blank",
        "title": "Validation failed",
        "status": status,
        "detail": detail,
        "invalid_params": [{"name": name, "reason": reason}],
    }
    if code:
        problem["code"] = code
    return ApiError(status, problem)


def test_an_expired_or_used_token_asks_for_a_new_link() -> None:
    refused = _problem(
        422,
        "invalid-reset-token",
        "token",
        "the reset token is invalid, used or expired",
        "token: the reset token is invalid, used or expired",
    )
    assert confirm_messages(refused) == (True, [TOKEN_REFUSED])
    # A token that is not even well-formed (too long) is refused by the schema: the same.
    malformed = _problem(400, None, "token", "Expected `str` of length <= 256", "Invalid body")
    assert confirm_messages(malformed) == (True, [TOKEN_REFUSED])


def test_a_weak_password_says_which_rule_it_breaks() -> None:
    weak = _problem(
        422,
        "password-too-short",
        "password",
        "it must be at least 10 characters long",
        "The password is too weak: it must be at least 10 characters long",
    )
    refused, messages = confirm_messages(weak)
    assert not refused  # the link still works: the form stays
    assert messages == ["Choose a stronger password: it must be at least 10 characters long."]


def test_throttled_requests_say_to_wait() -> None:
    throttled = ApiError(429, {"title": "Too many requests", "status": 429})
    assert confirm_messages(throttled) == (False, [TOO_MANY])
    assert request_messages(throttled) == [TOO_MANY]


def test_a_refused_request_never_says_whether_the_account_exists() -> None:
    bad_email = _problem(400, None, "email", "Expected `str` matching regex", "Invalid body")
    assert request_messages(bad_email) == ["Enter a valid email address."]
