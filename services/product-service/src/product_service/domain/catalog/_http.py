"""Fast public reads: a Redis read-through cache of encoded responses, and HTTP validators.

Anonymous GETs get a strong `ETag` (a hash of the body) and `Cache-Control: public,
max-age=<n>` so the gateway can micro-cache them; `If-None-Match` answers 304 without a body.
Every catalog change bumps the cache namespace after its transaction commits, so no reader can
put the old state back into the cache after the change is visible. Redis being down slows reads
down; it never fails them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
import structlog
from litestar import Request, Response
from redis.exceptions import RedisError
from shopkit.auth import ROLE_ADMIN, optional_principal
from shopkit.cache import JsonCache

_logger = structlog.get_logger("product_service.cache")

NAMESPACE = "catalog"
JSON = "application/json"


class CatalogCache:
    def __init__(self, cache: JsonCache) -> None:
        self._cache = cache

    async def get_or_load(self, key: str, load: Callable[[], Awaitable[Any]]) -> bytes:
        """The encoded value for `key`, from Redis or from `load()` (then stored)."""

        async def load_raw() -> msgspec.Raw:
            return msgspec.Raw(msgspec.json.encode(await load()))

        try:
            raw = await self._cache.get_or_load(NAMESPACE, key, load_raw, type_=msgspec.Raw)
        except (RedisError, OSError) as exc:
            _logger.warning("cache unavailable, reading through", error=type(exc).__name__)
            raw = await load_raw()
        return bytes(raw)

    async def invalidate(self) -> None:
        """Stop serving every cached catalog entry (call after the change committed)."""
        try:
            await self._cache.invalidate(NAMESPACE)
        except (RedisError, OSError) as exc:  # entries still expire after their TTL
            _logger.error("cache invalidation failed", error=type(exc).__name__)


def is_admin(request: Request[Any, Any, Any]) -> bool:
    principal = optional_principal(request)
    return principal is not None and principal.has_role(ROLE_ADMIN)


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    candidates = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return etag in candidates or "*" in candidates


def json_response(request: Request[Any, Any, Any], body: bytes, max_age: int) -> Response[bytes]:
    """`body` with validators: public caching for anonymous callers, private otherwise."""
    anonymous = optional_principal(request) is None
    etag = etag_of(body)
    headers = {
        "ETag": etag,
        "Cache-Control": f"public, max-age={max_age}" if anonymous else "private, no-cache",
        "Vary": "Authorization",
    }
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(content=b"", status_code=304, headers=headers, media_type=JSON)
    return Response(content=body, status_code=200, headers=headers, media_type=JSON)


def private_response(value: Any) -> Response[bytes]:
    """An admin's view (drafts included): never stored by shared caches."""
    return Response(
        content=msgspec.json.encode(value),
        media_type=JSON,
        headers={"Cache-Control": "private, no-store", "Vary": "Authorization"},
    )
