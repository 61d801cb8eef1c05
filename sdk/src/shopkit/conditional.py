"""HTTP conditional requests: does the caller's `If-None-Match` still match what we have?"""

from __future__ import annotations

__all__ = ["etag_matches"]


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """`If-None-Match` against the current ETag, by weak comparison (RFC 9110 13.1.2): `W/`
    is ignored on both sides, `*` matches anything, a list matches when one tag does."""
    if not if_none_match:
        return False
    wanted = etag.removeprefix("W/")
    return any(
        tag.strip() == "*" or tag.strip().removeprefix("W/") == wanted
        for tag in if_none_match.split(",")
    )
