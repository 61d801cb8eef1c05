"""The default backend: PostgreSQL full text search in this service's own database.

Matching: a product matches when its weighted `tsvector` matches `websearch_to_tsquery(q)`, or
when `q` is word-similar (pg_trgm) to its name and brand, which is what lets "hedphones" find
"Wireless Headphones". Ranking: `ts_rank_cd` (name outweighs brand/category, which outweigh the
description) plus the trigram word similarity. Facets for the whole result set come from one
`GROUPING SETS` query that also yields the total.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from shopkit.db import compile_once
from shopkit.health import HealthCheck
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    and_,
    bindparam,
    case,
    delete,
    exists,
    func,
    literal,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import Insert, array, insert
from sqlalchemy.ext.asyncio import AsyncSession

from search_service.config import SearchSettings
from search_service.db.models import SearchProduct, SearchRemoved, SearchStock, SearchVariant
from search_service.domain.search._facets import (
    price_buckets,
    price_in,
    stock_buckets,
    term_buckets,
)
from search_service.domain.search.schemas import (
    CategoryRef,
    Facets,
    ProductDocument,
    SearchItem,
    SearchQuery,
    SearchResults,
    Sort,
    VariantDocument,
    min_prices,
)

TS_CONFIG = "english"
FOREVER = datetime(9999, 12, 31, tzinfo=UTC)


def _like_prefix(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%"


def _stock_upsert() -> Insert:
    statement = insert(SearchStock).values(
        sku=bindparam("sku"),
        available=bindparam("available"),
        changed_at=bindparam("changed_at"),
    )
    return statement.on_conflict_do_update(
        index_elements=[SearchStock.sku],
        set_={
            "available": statement.excluded.available,
            "changed_at": statement.excluded.changed_at,
        },
        # Events may arrive out of order: an older count never overwrites a newer one.
        where=SearchStock.changed_at <= statement.excluded.changed_at,
    ).returning(SearchStock.sku)


# Twice per order (a reservation, then its commit): compiled once, not on every event.
_UPDATE_STOCK = compile_once(_stock_upsert())


class PostgresBackend:
    """The index as three tables (see `db.models`); only this class touches them."""

    def __init__(self, session: AsyncSession, settings: SearchSettings) -> None:
        self.session = session
        self.settings = settings

    # -- writes -------------------------------------------------------------------------

    async def _in_stock(self, skus: Sequence[str]) -> bool:
        if not skus:
            return False
        found = await self.session.scalar(
            select(exists().where(SearchStock.sku.in_(list(skus)), SearchStock.available > 0))
        )
        return bool(found)

    async def index_product(self, product: ProductDocument) -> None:
        removed_at = await self.session.scalar(
            select(SearchRemoved.removed_at).where(SearchRemoved.product_id == product.product_id)
        )
        if removed_at is not None:
            if removed_at >= product.updated_at:
                return  # a late snapshot of a product that has since left the index
            await self.session.execute(
                delete(SearchRemoved).where(SearchRemoved.product_id == product.product_id)
            )
        values = {
            "product_id": product.product_id,
            "slug": product.slug,
            "name": product.name,
            "description": product.description,
            "brand": product.brand,
            "category_slug": product.category_slug,
            "category_name": product.category_name,
            "category_path": list(product.category_path),
            "image": product.image,
            "min_prices": min_prices(product.variants),
            "in_stock": await self._in_stock(product.skus),
            "created_at": product.created_at,
            "updated_at": product.updated_at,
        }
        statement = insert(SearchProduct).values(**values)
        # Keep the first-seen creation time; never let an older snapshot win.
        changes = {
            k: statement.excluded[k] for k in values if k not in {"product_id", "created_at"}
        }
        applied = await self.session.scalar(
            statement.on_conflict_do_update(
                index_elements=[SearchProduct.product_id],
                set_=changes,
                where=SearchProduct.updated_at <= statement.excluded.updated_at,
            ).returning(SearchProduct.product_id)
        )
        if applied is None:
            return
        await self.session.execute(
            delete(SearchVariant).where(
                SearchVariant.product_id == product.product_id,
                SearchVariant.sku.not_in(product.skus) if product.skus else literal(True),
            )
        )
        if product.variants:
            rows = [
                {"sku": v.sku, "product_id": product.product_id, "prices": dict(v.prices)}
                for v in product.variants
            ]
            variants = insert(SearchVariant).values(rows)
            await self.session.execute(
                variants.on_conflict_do_update(
                    index_elements=[SearchVariant.sku],
                    set_={
                        "product_id": variants.excluded.product_id,
                        "prices": variants.excluded.prices,
                    },
                )
            )

    async def index_products(self, products: Sequence[ProductDocument]) -> None:
        for product in products:
            await self.index_product(product)

    async def remove_product(self, product_id: str, as_of: datetime | None = None) -> None:
        removed_at = as_of or FOREVER
        statement = insert(SearchRemoved).values(product_id=product_id, removed_at=removed_at)
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[SearchRemoved.product_id],
                set_={
                    "removed_at": func.greatest(
                        SearchRemoved.removed_at, statement.excluded.removed_at
                    )
                },
            )
        )
        gone = await self.session.scalar(
            delete(SearchProduct)
            .where(SearchProduct.product_id == product_id, SearchProduct.updated_at <= removed_at)
            .returning(SearchProduct.product_id)
        )
        if gone is not None:
            await self.session.execute(
                delete(SearchVariant).where(SearchVariant.product_id == product_id)
            )

    async def update_prices(self, product_id: str, sku: str, prices: dict[str, int]) -> None:
        changed = await self.session.scalar(
            update(SearchVariant)
            .where(SearchVariant.sku == sku, SearchVariant.product_id == product_id)
            .values(prices=dict(prices))
            .returning(SearchVariant.sku)
        )
        if changed is None:
            return  # not an indexed product's SKU (a draft, or deleted): nothing to show
        rows = await self.session.scalars(
            select(SearchVariant.prices).where(SearchVariant.product_id == product_id)
        )
        lowest = min_prices([VariantDocument(sku="", prices=p) for p in rows])
        await self.session.execute(
            update(SearchProduct)
            .where(SearchProduct.product_id == product_id)
            .values(min_prices=lowest)
        )

    async def update_stock(self, sku: str, available: int, changed_at: datetime) -> None:
        applied = await self.session.scalar(
            _UPDATE_STOCK, {"sku": sku, "available": available, "changed_at": changed_at}
        )
        if applied is None:
            return
        owner = select(SearchVariant.product_id).where(SearchVariant.sku == sku)
        any_available = (
            exists()
            .where(
                SearchVariant.product_id == SearchProduct.product_id,
                SearchStock.sku == SearchVariant.sku,
                SearchStock.available > 0,
            )
            .correlate(SearchProduct)
        )
        await self.session.execute(
            update(SearchProduct)
            .where(SearchProduct.product_id.in_(owner))
            .values(in_stock=any_available)
        )

    async def clear(self) -> None:
        await self.session.execute(delete(SearchVariant))
        await self.session.execute(delete(SearchProduct))

    # -- reads --------------------------------------------------------------------------

    async def _set_typo_threshold(self) -> None:
        await self.session.execute(
            select(
                func.set_config(
                    "pg_trgm.word_similarity_threshold", str(self.settings.typo_threshold), True
                )
            )
        )

    @staticmethod
    def _price(currency: str) -> ColumnElement[Any]:
        return SearchProduct.min_prices[currency].astext.cast(BigInteger)

    @staticmethod
    def _words_match(text: str) -> ColumnElement[bool]:
        return SearchProduct.search_vector.op("@@")(func.websearch_to_tsquery(TS_CONFIG, text))

    @staticmethod
    def _spelling_close(text: str) -> ColumnElement[bool]:
        return literal(text.lower()).op("<%")(SearchProduct.search_text)

    def _filters(self, query: SearchQuery) -> list[ColumnElement[bool]]:
        """Every filter but the text match."""
        filters: list[ColumnElement[bool]] = []
        if query.category:
            filters.append(SearchProduct.category_path.contains(array([query.category])))
        if query.brand:
            filters.append(SearchProduct.brand == query.brand)
        price = self._price(query.currency)
        if query.min_price is not None:
            filters.append(price >= query.min_price)
        if query.max_price is not None:
            filters.append(price <= query.max_price)
        if query.in_stock is not None:
            filters.append(SearchProduct.in_stock.is_(query.in_stock))
        return filters

    async def _text_match(
        self, query: SearchQuery, filters: list[ColumnElement[bool]]
    ) -> ColumnElement[bool]:
        """The words as written when they match something; otherwise close spellings.

        Falling back only when the words match nothing keeps "sony" from also finding "Sonos"
        while "hedphones" still finds "Wireless Headphones".
        """
        words = self._words_match(query.text)
        if await self.session.scalar(select(exists().where(words, *filters))):
            return words
        await self._set_typo_threshold()
        return or_(words, self._spelling_close(query.text))

    def _order(self, query: SearchQuery) -> list[Any]:
        price = self._price(query.currency)
        tie = SearchProduct.product_id.asc()
        if query.sort is Sort.PRICE_ASC:
            return [price.asc().nulls_last(), tie]
        if query.sort is Sort.PRICE_DESC:
            return [price.desc().nulls_last(), tie]
        if query.sort is Sort.RELEVANCE and query.text:
            rank = func.ts_rank_cd(
                SearchProduct.search_vector, func.websearch_to_tsquery(TS_CONFIG, query.text)
            ) + func.word_similarity(query.text.lower(), SearchProduct.search_text)
            return [rank.desc(), SearchProduct.created_at.desc(), tie]
        return [SearchProduct.created_at.desc(), tie]

    async def search(self, query: SearchQuery) -> SearchResults:
        conditions = self._filters(query)
        if query.text:
            conditions.append(await self._text_match(query, conditions))
        filters = and_(literal(True), *conditions)
        price = self._price(query.currency)
        rows = (
            await self.session.execute(
                select(
                    SearchProduct.product_id,
                    SearchProduct.slug,
                    SearchProduct.name,
                    SearchProduct.brand,
                    SearchProduct.category_slug,
                    SearchProduct.category_name,
                    SearchProduct.image,
                    SearchProduct.in_stock,
                    price.label("price"),
                )
                .where(filters)
                .order_by(*self._order(query))
                .limit(query.limit)
                .offset(query.offset)
            )
        ).all()
        items = [
            SearchItem(
                product_id=row.product_id,
                slug=row.slug,
                name=row.name,
                brand=row.brand,
                category=CategoryRef(slug=row.category_slug, name=row.category_name),
                image=row.image,
                price=price_in(
                    None if row.price is None else {query.currency: row.price}, query.currency
                ),
                in_stock=row.in_stock,
            )
            for row in rows
        ]
        total, facets = await self._facets(query, filters)
        return SearchResults(
            items=items, total=total, limit=query.limit, offset=query.offset, facets=facets
        )

    async def _facets(self, query: SearchQuery, filters: ColumnElement[bool]) -> tuple[int, Facets]:
        """Total and every facet in one pass: GROUPING SETS over the filtered products."""
        price = self._price(query.currency)
        # width_bucket gives 1 for [edge0, edge1), 2 for [edge1, edge2)... and n for >= last.
        bucket = func.width_bucket(price, array(list(query.price_edges))).label("bucket")
        category, brand, stock = (
            SearchProduct.category_slug,
            SearchProduct.brand,
            SearchProduct.in_stock,
        )
        rows = (
            await self.session.execute(
                select(
                    category,
                    brand,
                    stock,
                    bucket,
                    func.grouping(category).label("g_category"),
                    func.grouping(brand).label("g_brand"),
                    func.grouping(stock).label("g_stock"),
                    func.grouping(bucket).label("g_bucket"),
                    func.count().label("n"),
                )
                .where(filters)
                .group_by(
                    func.grouping_sets(
                        tuple_(category), tuple_(brand), tuple_(stock), tuple_(bucket), tuple_()
                    )
                )
            )
        ).all()
        total = 0
        categories: list[tuple[str | None, int]] = []
        brands: list[tuple[str | None, int]] = []
        stocks: list[tuple[bool, int]] = []
        prices: dict[int, int] = {}
        for row in rows:
            if row.g_category == 0:
                categories.append((row.category_slug, row.n))
            elif row.g_brand == 0:
                brands.append((row.brand, row.n))
            elif row.g_stock == 0:
                stocks.append((bool(row.in_stock), row.n))
            elif row.g_bucket == 0:
                if row.bucket is not None and row.bucket >= 1:
                    prices[row.bucket - 1] = row.n
            else:
                total = row.n
        return total, Facets(
            category=term_buckets(categories),
            brand=term_buckets(brands),
            price=price_buckets(query.price_edges, prices),
            in_stock=stock_buckets(stocks),
        )

    async def suggest(self, text: str, limit: int) -> list[str]:
        """Names that start with `text`, then names with a word starting with it, then names
        it is trigram-similar to (typos), best first."""
        needle = text.lower()
        if not needle:
            return []
        await self._set_typo_threshold()
        name = SearchProduct.search_text
        starts = name.like(_like_prefix(needle), escape="\\")
        word_starts = name.like("% " + _like_prefix(needle), escape="\\")
        similar = self._spelling_close(needle)
        order_tier = case((starts, 0), (word_starts, 1), else_=2)
        similarity = func.word_similarity(needle, name)
        ranked = (
            select(
                SearchProduct.name.label("name"),
                func.min(order_tier).label("tier"),
                func.max(similarity).label("similarity"),
            )
            .where(or_(starts, word_starts, similar))
            .group_by(SearchProduct.name)
            .order_by(func.min(order_tier), func.max(similarity).desc(), SearchProduct.name)
            .limit(limit)
        )
        return list((await self.session.scalars(ranked)).all())


class PostgresEngine:
    """The PostgreSQL backend needs nothing beyond the service's own database."""

    name = "postgresql"

    def __init__(self, settings: SearchSettings) -> None:
        self.settings = settings

    def backend(self, session: AsyncSession) -> PostgresBackend:
        return PostgresBackend(session, self.settings)

    @asynccontextmanager
    async def lifespan(self, _app: Any = None) -> AsyncIterator[None]:
        yield

    def health_checks(self) -> list[HealthCheck]:
        return []  # the database check create_app adds covers it
