"""What this service's consumers may ask of it in their pacts.

- `STATES`: provider state name -> `setup(settings)` returning the function Pact calls (with the
  state's parameters) to put the real database in that state before an HTTP interaction.
- `MESSAGES`: message description -> `build(settings)` returning the function Pact calls to get
  the message, produced by the same code the service publishes with (never a hand-made dict).

The index is written the way the event handlers write it: a product snapshot as
`product.created.v1` carries it, turned into the index's document and handed to the real
`Indexer`, then stock per SKU as `inventory.stock_changed.v1` reports it, in one committed
transaction against the test database. Pact calls these from its own threads, where no event
loop runs, so each call runs its coroutine with `asyncio.run`.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from shopkit.db import sqlalchemy_config

from search_service.config import Settings
from search_service.domain.search import Indexer, engine_from_settings
from search_service.events.consumed import CategoryPayload, ProductSnapshot, VariantPayload

StateSetup = Callable[[Settings], Callable[..., None]]
MessageBuilder = Callable[[Settings], Callable[..., Any]]

# The product's prices per currency (minor units): EUR 12.99 at product-service's starting
# rates (USD 1.08, GBP 0.85, JPY 162).
PRICES = {"EUR": 1299, "USD": 1403, "GBP": 1104, "JPY": 2104}
AVAILABLE = 5


def _snapshot(name: str, brand: str, category: str) -> ProductSnapshot:
    """An active product with two SKUs, under an id that follows from its name (the state run
    again re-indexes the same product, it does not add another)."""
    slug = "-".join(name.lower().split())
    product_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://shopkit.dev/pact/{slug}"))
    sku = slug.upper()[:56]
    return ProductSnapshot(
        product_id=product_id,
        slug=slug,
        name=name,
        status="active",
        brand=brand,
        description=f"{name}, indexed for a consumer's pact.",
        category=CategoryPayload(slug=category, name=category.replace("-", " ").title()),
        category_path=["contract-audio", category],
        images=[f"https://img.shopkit.dev/contract/{slug}.jpg"],
        variants=[
            VariantPayload(sku=f"{sku}-BLK", prices=dict(PRICES)),
            VariantPayload(sku=f"{sku}-WHT", prices={k: v + 200 for k, v in PRICES.items()}),
        ],
        updated_at=datetime.now(UTC),
    )


async def _index(settings: Settings, snapshot: ProductSnapshot) -> None:
    engine = engine_from_settings(settings)
    database = sqlalchemy_config(settings.database)
    try:
        async with engine.lifespan(), database.get_session() as session:
            indexer = Indexer(engine.backend(session))
            await indexer.product_changed(snapshot.status, snapshot.to_document())
            for variant in snapshot.variants:
                await indexer.stock_changed(variant.sku, AVAILABLE, snapshot.updated_at)
            await session.commit()
    finally:
        await database.get_engine().dispose()


def product_in_stock_is_indexed(settings: Settings) -> Callable[..., None]:
    """An active product named `name` (brand `brand`, category slug `category`, under
    `contract-audio`), priced in every currency, with stock on both SKUs."""

    def setup(parameters: dict[str, Any] | None = None, **_: Any) -> None:
        params = parameters or {}
        snapshot = _snapshot(
            name=str(params.get("name", "Contract Studio Headphones")),
            brand=str(params.get("brand", "Acme")),
            category=str(params.get("category", "contract-headphones")),
        )
        asyncio.run(_index(settings, snapshot))

    return setup


STATES: dict[str, StateSetup] = {"a product in stock is indexed": product_in_stock_is_indexed}
MESSAGES: dict[str, MessageBuilder] = {}


def request_headers(consumer: str, token_factory: Callable[..., str]) -> dict[str, str]:
    """Headers for every replayed HTTP request: none needed (search is public)."""
    del consumer  # every consumer's requests carry the same headers
    del token_factory
    return {}
