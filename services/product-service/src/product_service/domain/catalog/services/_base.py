"""What every catalog service shares: the helpers the catalog rules use, and the base that
publishes events in the change's own transaction and drops the cached reads once it commits."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from typing import Any

from shopkit.messaging import Event, Outbox
from shopkit.transactions import after_commit
from sqlalchemy.ext.asyncio import AsyncSession

from product_service.config import SLUG
from product_service.domain.catalog._errors import (
    InvalidSkuListError,
)
from product_service.domain.catalog._http import CatalogCache

MAX_SKUS_PER_LOOKUP = 100
_SKU = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def slugify(text: str) -> str:
    """`"Sony WH-1000XM5 Wireless Headphones"` -> `"sony-wh-1000xm5-wireless-headphones"`."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:120].strip("-")


def parse_skus(raw: str) -> list[str]:
    """`"A,B,A"` -> `["A", "B"]` (order kept); 422 naming `skus` if empty, malformed or too many."""
    skus = list(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))
    if not skus:
        raise InvalidSkuListError("skus", "name at least one SKU")
    if len(skus) > MAX_SKUS_PER_LOOKUP:
        raise InvalidSkuListError("skus", f"at most {MAX_SKUS_PER_LOOKUP} SKUs at a time")
    for sku in skus:
        if not _SKU.match(sku):
            raise InvalidSkuListError("skus", f"{sku!r} is not a SKU (1-64 letters, digits, . _ -)")
    return skus


def _now() -> datetime:
    return datetime.now(UTC)


class CatalogService:
    """Base of the catalog's services (mixed in before advanced-alchemy's service).

    `cache`: the catalog's read cache, dropped once a change is committed (`_changed`); a
    service made only to read, or to help another service's change, goes without."""

    def __init__(
        self, session: AsyncSession, *, cache: CatalogCache | None = None, **kwargs: Any
    ) -> None:
        super().__init__(session=session, **kwargs)  # type: ignore[call-arg]
        self._cache = cache

    def _publish(self, event: Event) -> None:
        Outbox.add(self._session, event, SLUG)

    def _changed(self) -> None:
        """The catalog changed: every replica's cached reads go once the change is committed,
        so the next read, from any replica, sees it."""
        if self._cache is not None:
            after_commit(self._session, self._cache.invalidate)

    @property
    def _session(self) -> AsyncSession:
        session: AsyncSession = self.repository.session  # type: ignore[attr-defined]
        return session


class FlushingRepository:
    """Mixed into a repository whose service must see its changes in its next query."""

    async def flush(self) -> None:
        await self.session.flush()  # type: ignore[attr-defined]
