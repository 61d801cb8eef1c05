"""What this service's consumers may ask of it in their pacts.

- `STATES`: provider state name -> `setup(settings)` returning the function Pact calls (with the
  state's parameters) to put the real database in that state before an HTTP interaction.
- `MESSAGES`: message description -> `build(settings)` returning the function Pact calls to get
  the message, produced by the same code the service publishes with (never a hand-made dict).

Each message is made by a real catalog operation (create, update, delete, re-price) through
the real services against the test database; the message is the envelope exactly as the outbox
stored it, i.e. the bytes the relay puts on the broker. Pact calls these from its own threads,
where no event loop runs, so each call runs its coroutine with `asyncio.run`.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from pact.types import Message
from shopkit.cache import JsonCache, RedisConnection
from shopkit.db import sqlalchemy_config
from shopkit.messaging import OutboxMessage, decode_envelope
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from product_service.config import Settings
from product_service.db import models
from product_service.domain.catalog import CategoryService, CurrencyService, ProductService
from product_service.domain.catalog._http import NAMESPACE
from product_service.domain.catalog.schemas import (
    CategoryCreate,
    CategoryUpdate,
    MoneyIn,
    ProductCreate,
    ProductUpdate,
    RatesUpdate,
    VariantIn,
)
from product_service.domain.catalog.services import parse_skus, slugify

StateSetup = Callable[[Settings], Callable[..., None]]
MessageBuilder = Callable[[Settings], Callable[..., Any]]

Operation = Callable[[AsyncSession], Awaitable[None]]


def _new_product(
    category_id: uuid.UUID, name: str = "Contract Wireless Headphones"
) -> ProductCreate:
    tag = uuid.uuid4().hex[:8]
    return ProductCreate(
        name=name,
        slug=f"contract-headphones-{tag}",
        category_id=category_id,
        brand="Acme",
        description="Closed-back wireless headphones.",
        status="active",
        images=["https://img.shopkit.dev/contract/1.jpg"],
        attributes={"connectivity": "bluetooth"},
        variants=[
            VariantIn(
                sku=f"CT-{tag}-BLK".upper(),
                options={"colour": "black"},
                base_price=MoneyIn(amount=1299, currency="EUR"),
            ),
            VariantIn(
                sku=f"CT-{tag}-WHT".upper(),
                options={"colour": "white"},
                base_price=MoneyIn(amount=1499, currency="EUR"),
                prices={"JPY": 2500},
            ),
        ],
    )


async def _category(session: AsyncSession) -> uuid.UUID:
    categories = CategoryService(session=session)
    tree = await categories.tree()
    audio = tree.by_slug.get("contract-audio")
    if audio is None:
        audio_id = (
            await categories.create_category(CategoryCreate(name="Audio", slug="contract-audio"))
        ).id
    else:
        audio_id = audio.id
    headphones = tree.by_slug.get("contract-headphones")
    if headphones is not None:
        return headphones.id
    created = await categories.create_category(
        CategoryCreate(name="Headphones", slug="contract-headphones", parent_id=audio_id)
    )
    return created.id


async def _in_transaction(settings: Settings, operation: Operation) -> list[OutboxMessage]:
    """Run `operation` in one committed transaction; the outbox rows it staged."""
    database = sqlalchemy_config(settings.database)
    try:
        async with database.get_session() as session:
            await operation(session)
            staged = [
                obj
                for obj in [*session.new, *session.identity_map.values()]
                if isinstance(obj, OutboxMessage)
            ]
            await session.commit()
    finally:
        await database.get_engine().dispose()
    await _invalidate_cache(settings)
    return staged


async def _invalidate_cache(settings: Settings) -> None:
    """The app under verification caches reads; a state change must be visible to it."""
    redis = RedisConnection(settings.redis)
    async with redis.lifespan():
        await JsonCache(redis.client, settings.catalog.cache_prefix).invalidate(NAMESPACE)


def _message_from(settings: Settings, event_type: str, operation: Operation) -> Message:
    staged = asyncio.run(_in_transaction(settings, operation))
    row = next(row for row in reversed(staged) if row.event_type == event_type)
    envelope = decode_envelope(row.payload)
    return Message(
        contents=row.payload,
        metadata={"routing_key": envelope.type, "message_id": envelope.id},
        content_type="application/json",
    )


async def _create(session: AsyncSession) -> uuid.UUID:
    products = ProductService(session=session)
    return (await products.create_product(_new_product(await _category(session)))).id


def product_created(settings: Settings) -> Callable[..., Message]:
    def produce(**_: Any) -> Message:
        async def operation(session: AsyncSession) -> None:
            await _create(session)

        return _message_from(settings, "product.created.v1", operation)

    return produce


def product_updated(settings: Settings) -> Callable[..., Message]:
    def produce(**_: Any) -> Message:
        async def operation(session: AsyncSession) -> None:
            product_id = await _create(session)
            change = ProductUpdate(name="Contract Wireless Headphones II", brand="Acme Audio")
            await ProductService(session=session).update_product(product_id, change)

        return _message_from(settings, "product.updated.v1", operation)

    return produce


def product_deleted(settings: Settings) -> Callable[..., Message]:
    def produce(**_: Any) -> Message:
        async def operation(session: AsyncSession) -> None:
            product_id = await _create(session)
            await ProductService(session=session).delete_product(product_id)

        return _message_from(settings, "product.deleted.v1", operation)

    return produce


def price_changed(settings: Settings) -> Callable[..., Message]:
    def produce(**_: Any) -> Message:
        async def operation(session: AsyncSession) -> None:
            products = ProductService(session=session)
            category_id = await _category(session)
            body = _new_product(category_id)
            product = await products.create_product(body)
            repriced = [
                VariantIn(
                    sku=variant.sku,
                    options=variant.options,
                    base_price=MoneyIn(amount=variant.base_price.amount + 200),
                    prices=variant.prices,
                )
                for variant in body.variants
            ]
            await products.update_product(product.id, ProductUpdate(variants=repriced))

        return _message_from(settings, "price.changed.v1", operation)

    return produce


def active_products_exist(settings: Settings) -> Callable[..., None]:
    """At least one active product with SKUs (search-service reindexes from the list)."""

    def setup(**_: Any) -> None:
        async def operation(session: AsyncSession) -> None:
            await _create(session)

        asyncio.run(_in_transaction(settings, operation))

    return setup


# The rates the initial migration inserts; pacts price against them.
STARTING_RATES = {"USD": "1.08", "GBP": "0.85", "JPY": "162"}
SKU_PRICE = 1999  # EUR minor units, every SKU of "products with SKUs exist"


async def _starting_rates(session: AsyncSession) -> None:
    currencies = CurrencyService(session=session)
    current = {info.code: info.rate for info in (await currencies.currencies()).items}
    if any(current.get(code) != rate for code, rate in STARTING_RATES.items()):
        await currencies.update_rates(RatesUpdate(rates=STARTING_RATES))


def _sku_variant(sku: str) -> VariantIn:
    return VariantIn(
        sku=sku, options={"colour": "black"}, base_price=MoneyIn(amount=SKU_PRICE, currency="EUR")
    )


def products_with_skus_exist(settings: Settings) -> Callable[..., None]:
    """Active products holding exactly the `skus` asked (comma-separated), each priced 1999 EUR
    with no explicit prices, at the starting rates (USD 1.08, GBP 0.85, JPY 162). A SKU that
    already exists is brought back to that state; running it again changes nothing."""

    def setup(parameters: dict[str, Any] | None = None, **_: Any) -> None:
        asked = (parameters or {}).get("skus", "SKU-1")
        wanted = parse_skus(asked if isinstance(asked, str) else ",".join(asked))

        async def operation(session: AsyncSession) -> None:
            await _starting_rates(session)
            products = ProductService(session=session)
            variants = {
                variant.sku: variant
                for variant in await session.scalars(
                    select(models.Variant).where(models.Variant.sku.in_(wanted))
                )
            }
            for sku in wanted:
                variant = variants.get(sku)
                if variant is None:
                    await products.create_product(
                        ProductCreate(
                            name=f"Contract Product {sku}",
                            slug=f"contract-{slugify(sku)}-{uuid.uuid4().hex[:6]}",
                            category_id=await _category(session),
                            brand="Acme",
                            status="active",
                            images=["https://img.shopkit.dev/contract/1.jpg"],
                            variants=[_sku_variant(sku)],
                        )
                    )
                    continue
                product = await products.get(variant.product_id)
                priced = variant.base_price == SKU_PRICE and not variant.explicit_prices
                if product.status == "active" and priced:
                    continue
                kept = [
                    _sku_variant(v.sku)
                    if v.sku == sku
                    else VariantIn(
                        sku=v.sku,
                        options=dict(v.options),
                        base_price=MoneyIn(amount=v.base_price, currency="EUR"),
                        prices=dict(v.explicit_prices),
                    )
                    for v in product.variants
                ]
                await products.update_product(
                    product.id, ProductUpdate(status="active", variants=kept)
                )

        asyncio.run(_in_transaction(settings, operation))

    return setup


def category_with_subcategory_exists(settings: Settings) -> Callable[..., None]:
    """The root category `contract-audio` ("Audio") and its child `contract-headphones`
    ("Headphones"): the storefront builds its navigation and breadcrumbs from such a tree."""

    def setup(**_: Any) -> None:
        async def operation(session: AsyncSession) -> None:
            await _category(session)

        asyncio.run(_in_transaction(settings, operation))

    return setup


def _shown_product(slug: str, category_id: uuid.UUID) -> ProductCreate:
    """What a product page shows: two SKUs with options (black 12.99 EUR, white 14.99 EUR),
    priced in every currency by the rates, a photo, a description and attributes."""
    sku = slugify(slug).upper()[:56]
    return ProductCreate(
        name="Contract Studio Headphones",
        slug=slug,
        category_id=category_id,
        brand="Acme",
        description="Closed-back studio headphones.",
        status="active",
        images=["https://img.shopkit.dev/contract/studio.jpg"],
        attributes={"connectivity": "wired"},
        variants=_black_and_white(sku),
    )


def product_with_variants_exists(settings: Settings) -> Callable[..., None]:
    """An active product under the `slug` asked (in `contract-headphones`), as
    `_shown_product` describes it; one that exists is brought back to that state."""

    def setup(parameters: dict[str, Any] | None = None, **_: Any) -> None:
        slug = str((parameters or {}).get("slug", "contract-studio-headphones"))

        async def operation(session: AsyncSession) -> None:
            products = ProductService(session=session)
            wanted = _shown_product(slug, await _category(session))
            existing = await products.get_one_or_none(slug=slug)
            if existing is None:
                await products.create_product(wanted)
                return
            await products.update_product(
                existing.id,
                ProductUpdate(
                    name=wanted.name,
                    category_id=wanted.category_id,
                    brand=wanted.brand,
                    description=wanted.description,
                    status=wanted.status,
                    images=wanted.images,
                    attributes=wanted.attributes,
                    variants=wanted.variants,
                ),
            )

        asyncio.run(_in_transaction(settings, operation))

    return setup


# --- the admin dashboard's states: rows under the ids its pact names ----------------------
# The admin addresses products and categories by id, so these states make them under the id
# the pact gives (a path the verifier replays as written), then bring them to the state asked
# through the real services. A contract fixture under another id holding the same slug or SKU
# is removed first, so each state can run any number of times.


def _uuid(parameters: dict[str, Any], name: str) -> uuid.UUID:
    return uuid.UUID(str(parameters[name]))


async def _put_category(
    session: AsyncSession, category_id: uuid.UUID, name: str, slug: str
) -> None:
    """The root category `category_id` named `name` under `slug` (made, or put back)."""
    categories = CategoryService(session=session)
    tree = await categories.tree()
    holder = tree.by_slug.get(slug)
    if holder is not None and holder.id != category_id:
        await categories.delete_category(holder.id)  # 409 if anything is filed under it
    if category_id not in tree.nodes:
        await categories.create(
            models.Category(id=category_id, slug=slug, name=name, parent_id=None)
        )
        return
    await categories.update_category(
        category_id, CategoryUpdate(name=name, slug=slug, parent_id=None)
    )


def _category_params(parameters: dict[str, Any] | None) -> tuple[uuid.UUID, str, str]:
    params = parameters or {}
    return (
        _uuid(params, "category_id"),
        str(params.get("name", "Contract Category")),
        str(params.get("slug", "contract-category")),
    )


def category_exists(settings: Settings) -> Callable[..., None]:
    """The root category `category_id`, named `name`, with the slug `slug`."""

    def setup(parameters: dict[str, Any] | None = None, **_: Any) -> None:
        category_id, name, slug = _category_params(parameters)

        async def operation(session: AsyncSession) -> None:
            await _put_category(session, category_id, name, slug)

        asyncio.run(_in_transaction(settings, operation))

    return setup


def empty_category_exists(settings: Settings) -> Callable[..., None]:
    """As "a category exists", with no product filed under it and no subcategory (so it can
    be deleted): products under it are deleted, subcategories (leaves) too."""

    def setup(parameters: dict[str, Any] | None = None, **_: Any) -> None:
        category_id, name, slug = _category_params(parameters)

        async def operation(session: AsyncSession) -> None:
            await _put_category(session, category_id, name, slug)
            products = ProductService(session=session)
            for product in await products.get_many(models.Product.category_id == category_id):
                await products.delete_product(product.id)
            categories = CategoryService(session=session)
            for child in await categories.get_many(models.Category.parent_id == category_id):
                await categories.delete_category(child.id)

        asyncio.run(_in_transaction(settings, operation))

    return setup


def no_category_has_the_slug(settings: Settings) -> Callable[..., None]:
    """No category uses `slug` (one that does, with nothing filed under it, is deleted)."""

    def setup(parameters: dict[str, Any] | None = None, **_: Any) -> None:
        slug = str((parameters or {}).get("slug", "contract-new-category"))

        async def operation(session: AsyncSession) -> None:
            categories = CategoryService(session=session)
            holder = (await categories.tree()).by_slug.get(slug)
            if holder is not None:
                await categories.delete_category(holder.id)

        asyncio.run(_in_transaction(settings, operation))

    return setup


async def _remove_holders(
    session: AsyncSession, slug: str, skus: list[str], keep: uuid.UUID | None = None
) -> None:
    """Delete every product (but `keep`) with `slug` or holding one of `skus`."""
    holding = select(models.Variant.product_id).where(models.Variant.sku.in_(skus))
    products = ProductService(session=session)
    found = await products.get_many(
        or_(models.Product.slug == slug, models.Product.id.in_(holding)),
        *([models.Product.id != keep] if keep is not None else []),
    )
    for product in found:
        await products.delete_product(product.id)


def _priced_product(sku: str, status: str, category_id: uuid.UUID) -> ProductUpdate:
    """Two SKUs: `<sku>-BLK` (black, 12.99 EUR, every other currency by the rate) and
    `<sku>-WHT` (white, 14.99 EUR, with an explicit price of 2500 JPY)."""
    return ProductUpdate(
        name="Contract Admin Headphones",
        slug=f"contract-{slugify(sku)}",
        category_id=category_id,
        brand="Acme",
        description="Closed-back headphones, as the admin edits them.",
        status=status,
        images=["https://img.shopkit.dev/contract/admin.jpg"],
        attributes={"connectivity": "wired"},
        variants=_black_and_white(sku, white_prices={"JPY": 2500}),
    )


def _black_and_white(sku: str, white_prices: dict[str, int] | None = None) -> list[VariantIn]:
    """`<sku>-BLK` (black, 12.99 EUR) and `<sku>-WHT` (white, 14.99 EUR, with `white_prices`
    set by hand); the other currencies follow the rates."""
    return [
        VariantIn(
            sku=f"{sku}-BLK",
            options={"colour": "black"},
            base_price=MoneyIn(amount=1299, currency="EUR"),
        ),
        VariantIn(
            sku=f"{sku}-WHT",
            options={"colour": "white"},
            base_price=MoneyIn(amount=1499, currency="EUR"),
            prices=white_prices or {},
        ),
    ]


def product_exists(settings: Settings) -> Callable[..., None]:
    """The product `product_id` with the `status` asked (draft, active or archived), filed
    under `contract-headphones` and priced as `_priced_product` says with the `sku` prefix
    asked, at the starting rates (USD 1.08, GBP 0.85, JPY 162)."""

    def setup(parameters: dict[str, Any] | None = None, **_: Any) -> None:
        params = parameters or {}
        product_id = _uuid(params, "product_id")
        sku = str(params.get("sku", "ADM-STUDIO"))
        status = str(params.get("status", "active"))

        async def operation(session: AsyncSession) -> None:
            await _starting_rates(session)
            category_id = await _category(session)
            wanted = _priced_product(sku, status, category_id)
            skus = [variant.sku for variant in wanted.variants]
            await _remove_holders(session, str(wanted.slug), skus, keep=product_id)
            products = ProductService(session=session)
            if await products.get_one_or_none(id=product_id) is None:
                await products.create(
                    models.Product(
                        id=product_id,
                        slug=wanted.slug,
                        name=wanted.name,
                        category_id=category_id,
                        status="draft",
                    )
                )
            await products.update_product(product_id, wanted)

        asyncio.run(_in_transaction(settings, operation))

    return setup


def no_product_has_the_sku_or_name(settings: Settings) -> Callable[..., None]:
    """No product holds the SKU `sku` or the slug its `name` makes (such ones are deleted):
    a product with them can be created."""

    def setup(parameters: dict[str, Any] | None = None, **_: Any) -> None:
        params = parameters or {}
        sku = str(params.get("sku", "CONTRACT-NEW"))
        slug = slugify(str(params.get("name", "Contract New Product")))

        async def operation(session: AsyncSession) -> None:
            await _remove_holders(session, slug, [sku])

        asyncio.run(_in_transaction(settings, operation))

    return setup


STATES: dict[str, StateSetup] = {
    "active products exist": active_products_exist,
    "products with SKUs exist": products_with_skus_exist,
    "a category with a subcategory exists": category_with_subcategory_exists,
    "a product with variants exists": product_with_variants_exists,
    "a category exists": category_exists,
    "an empty category exists": empty_category_exists,
    "no category has the slug": no_category_has_the_slug,
    "a product exists": product_exists,
    "no product has the SKU or name": no_product_has_the_sku_or_name,
}
MESSAGES: dict[str, MessageBuilder] = {
    "a product.created event": product_created,
    "a product.updated event": product_updated,
    "a product.deleted event": product_deleted,
    "a price.changed event": price_changed,
}


def request_headers(consumer: str, token_factory: Callable[..., str]) -> dict[str, str]:
    """An admin's token for every replayed HTTP request: the admin lists drafts and archived
    products, reads and writes products, categories and rates (`requires_admin`).

    The verifier adds it to every request, also to the other consumers' (the storefront, cart-,
    order-, inventory- and search-service call public reads without one). Their pacts still
    hold with it, because an admin reads the same shapes: a list without `status` then has
    every status instead of active only (their pacts match the items by type and a status by
    `draft|active|archived`), a draft is found by id or slug, and the answer is
    `Cache-Control: private` (no pact names a caching header). What an anonymous caller may
    not see (drafts, archived products) is proven by the integration tests, not by pacts.
    """
    del consumer  # every consumer's requests carry the same headers
    return {"Authorization": f"Bearer {token_factory(roles=('admin',))}"}
