"""Fast public reads: a Redis read-through cache of encoded responses, and HTTP validators.

Anonymous GETs get a strong `ETag` (a hash of the body) and `Cache-Control: public,
max-age=<n>` so the gateway can micro-cache them; `If-None-Match` answers 304 without a body.
Every catalog change bumps the cache namespace after its transaction commits, so no reader can
put the old state back into the cache after the change is visible. Each process keeps the
answers it served last with their ETag (`CATALOG_LOCAL_ENTRIES`) and serves them while the
namespace is unchanged, so a cached read is one small Redis `GET`. Redis being down slows reads
down; it never fails them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import msgspec
import structlog
from litestar import Request, Response
from redis.exceptions import RedisError
from shopkit.auth import ROLE_ADMIN, optional_principal
from shopkit.cache import JsonCache
from shopkit.conditional import etag_matches

_logger = structlog.get_logger("product_service.cache")

# v2: entries hold the body with its ETag; a new name keeps v1 entries (a bare body) unread.
NAMESPACE = "catalog.v2"
JSON = "application/json"


class Encoded(msgspec.Struct, frozen=True):
    """An answer as it is sent: its JSON body and that body's ETag, computed once."""

    body: msgspec.Raw
    etag: str

    @classmethod
    def of(cls, value: Any) -> Encoded:
        body = msgspec.json.encode(value)
        return cls(body=msgspec.Raw(body), etag=etag_of(body))


class CatalogCache:
    def __init__(self, cache: JsonCache) -> None:
        self._cache = cache

    async def get_or_load(self, key: str, load: Callable[[], Awaitable[Any]]) -> Encoded:
        """The encoded value for `key`, from this process, Redis or `load()` (then stored)."""

        async def load_encoded() -> Encoded:
            return Encoded.of(await load())

        try:
            return await self._cache.get_or_load(NAMESPACE, key, load_encoded, type_=Encoded)
        except (RedisError, OSError) as exc:
            _logger.warning("cache unavailable, reading through", error=type(exc).__name__)
            return await load_encoded()

    def watch(self, app: Any = None) -> AbstractAsyncContextManager[None]:
        """Lifespan: hear of other processes' invalidations, so a read asks Redis nothing."""
        return self._cache.watch(app)

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


def json_response(
    request: Request[Any, Any, Any], encoded: Encoded, max_age: int
) -> Response[bytes]:
    """The answer with validators: public caching for anonymous callers, private otherwise."""
    anonymous = optional_principal(request) is None
    etag = encoded.etag
    headers = {
        "ETag": etag,
        "Cache-Control": f"public, max-age={max_age}" if anonymous else "private, no-cache",
        "Vary": "Authorization",
    }
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(content=b"", status_code=304, headers=headers, media_type=JSON)
    return Response(content=bytes(encoded.body), status_code=200, headers=headers, media_type=JSON)


def private_response(value: Any) -> Response[bytes]:
    """An admin's view (drafts included): never stored by shared caches."""
    return Response(
        content=msgspec.json.encode(value),
        media_type=JSON,
        headers={"Cache-Control": "private, no-store", "Vary": "Authorization"},
    )
