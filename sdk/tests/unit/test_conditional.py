"""`If-None-Match` by weak comparison, as both the catalog and the order page answer 304."""

from __future__ import annotations

import pytest
from shopkit.conditional import etag_matches
from shopkit.db import asyncpg_dsn

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("if_none_match", "etag", "matches"),
    [
        (None, '"a"', False),
        ("", '"a"', False),
        ('"a"', '"a"', True),
        ('W/"a"', '"a"', True),
        ('"a"', 'W/"a"', True),
        ('"b", W/"a"', '"a"', True),
        ('"b"', '"a"', False),
        ("*", '"a"', True),
    ],
)
def test_if_none_match_is_compared_weakly(
    if_none_match: str | None, etag: str, matches: bool
) -> None:
    assert etag_matches(if_none_match, etag) is matches


def test_the_asyncpg_dsn_drops_only_the_driver() -> None:
    url = "postgresql+asyncpg://shop:s3cret@db.local:5433/order?ssl=require"
    assert asyncpg_dsn(url) == "postgresql://shop:s3cret@db.local:5433/order?ssl=require"
