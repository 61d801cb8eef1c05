"""Reading `Prefer: wait=N` and `If-None-Match` on the order page's wait: an unreadable or
absent preference means no wait (RFC 7240 says ignore it), a long one is capped."""

from __future__ import annotations

import pytest

from order_service.domain.orders.controllers import etag_matches, requested_wait

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("prefer", "seconds"),
    [
        (None, 0.0),
        ("", 0.0),
        ("wait=5", 5.0),
        ("respond-async, wait=7", 7.0),
        ('WAIT="3"', 3.0),
        ("wait=2.5;foo=bar", 2.5),
        ("wait=600", 20.0),
        ("wait=-4", 0.0),
        ("wait=soon", 0.0),
        ("wait=nan", 0.0),
        ("wait=inf", 20.0),
        ("return=minimal", 0.0),
    ],
)
def test_the_wait_asked_for_is_read_and_capped(prefer: str | None, seconds: float) -> None:
    assert requested_wait(prefer, 20.0) == seconds


@pytest.mark.parametrize(
    ("if_none_match", "matches"),
    [
        (None, False),
        ('W/"3"', True),
        ('"3"', True),
        ('W/"2", W/"3"', True),
        ('W/"2"', False),
        ("*", True),
        ("garbage", False),
    ],
)
def test_if_none_match_is_compared_weakly(if_none_match: str | None, matches: bool) -> None:
    assert etag_matches(if_none_match, 'W/"3"') is matches
