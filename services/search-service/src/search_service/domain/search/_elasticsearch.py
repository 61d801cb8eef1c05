"""The Elasticsearch backend (official async client), chosen when `ELASTICSEARCH_URL` is set.

Not exercised against a live cluster here (none can run on the build machines): everything it
sends is built by the pure functions below (`index_template`, `stock_index_body`,
`search_body`, `suggest_body`, `upsert_action`, `price_script`, `stock_update_body`) and read
back by `parse_search_response` / `parse_suggest_response`, which the unit tests pin.

Layout: one products index (`ELASTICSEARCH_INDEX`) created from an index template with an
English analyzer for matching and an edge n-gram analyzer for suggestions; one stock index
(`ELASTICSEARCH_STOCK_INDEX`) of availability per SKU, versioned by the event's time so an
older count never overwrites a newer one, and kept across `clear()` because only events can
rebuild it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import msgspec
import structlog
from shopkit.health import HealthCheck
from shopkit.http import ServiceUnavailable
from sqlalchemy.ext.asyncio import AsyncSession

from search_service.config import ElasticsearchSettings, SearchSettings
from search_service.domain.search._facets import (
    FACET_SIZE,
    price_buckets,
    price_in,
    price_ranges,
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
    min_prices,
)

_logger = structlog.get_logger("search_service.elasticsearch")

TEXT_FIELDS = ["name^3", "brand.text^2", "category.name^2", "description"]
TERM_ORDER = [{"_count": "desc"}, {"_key": "asc"}]

PRICE_SCRIPT = """
for (def v : ctx._source.variants) { if (v.sku == params.sku) { v.prices = params.prices; } }
Map low = new HashMap();
for (def v : ctx._source.variants) {
  for (def e : v.prices.entrySet()) {
    if (!low.containsKey(e.getKey()) || e.getValue() < low.get(e.getKey())) {
      low.put(e.getKey(), e.getValue());
    }
  }
}
ctx._source.price = low;
""".strip()

STOCK_SCRIPT = """
if (ctx._source.stock == null) { ctx._source.stock = new HashMap(); }
ctx._source.stock[params.sku] = params.available;
boolean any = false;
for (def n : ctx._source.stock.values()) { if (n > 0) { any = true; } }
ctx._source.in_stock = any;
""".strip()


# -- what is sent ---------------------------------------------------------------------------


def index_template(settings: ElasticsearchSettings, currencies: Sequence[str]) -> dict[str, Any]:
    """The products index template: analyzers and a strict mapping."""
    keyword = {"type": "keyword"}
    return {
        "index_patterns": [settings.index],
        "priority": 100,
        "template": {
            "settings": {
                "number_of_shards": 1,
                "analysis": {
                    "filter": {
                        "english_stemmer": {"type": "stemmer", "language": "english"},
                        "autocomplete_edge": {"type": "edge_ngram", "min_gram": 1, "max_gram": 20},
                    },
                    "analyzer": {
                        "product_text": {
                            "type": "custom",
                            "tokenizer": "standard",
                            "filter": ["lowercase", "asciifolding", "english_stemmer"],
                        },
                        "autocomplete": {
                            "type": "custom",
                            "tokenizer": "standard",
                            "filter": ["lowercase", "asciifolding", "autocomplete_edge"],
                        },
                        "autocomplete_search": {
                            "type": "custom",
                            "tokenizer": "standard",
                            "filter": ["lowercase", "asciifolding"],
                        },
                    },
                },
            },
            "mappings": {
                "dynamic": "strict",
                "properties": {
                    "product_id": keyword,
                    "slug": keyword,
                    "name": {
                        "type": "text",
                        "analyzer": "product_text",
                        "fields": {
                            "keyword": keyword,
                            "autocomplete": {
                                "type": "text",
                                "analyzer": "autocomplete",
                                "search_analyzer": "autocomplete_search",
                            },
                        },
                    },
                    "description": {"type": "text", "analyzer": "product_text"},
                    "brand": {
                        "type": "keyword",
                        "fields": {"text": {"type": "text", "analyzer": "product_text"}},
                    },
                    "category": {
                        "properties": {
                            "slug": keyword,
                            "name": {
                                "type": "text",
                                "analyzer": "product_text",
                                "fields": {"keyword": keyword},
                            },
                        }
                    },
                    "category_path": keyword,
                    "image": {"type": "keyword", "index": False},
                    # Lowest variant price per currency (minor units); other currencies that
                    # product-service starts to support are mapped as long on arrival.
                    "price": {
                        "dynamic": True,
                        "properties": {code: {"type": "long"} for code in currencies},
                    },
                    "skus": keyword,
                    "variants": {"type": "object", "enabled": False},
                    "stock": {"type": "object", "enabled": False},
                    "in_stock": {"type": "boolean"},
                    "created_at": {"type": "date"},
                    "updated_at": {"type": "date"},
                },
                "dynamic_templates": [
                    {"prices": {"path_match": "price.*", "mapping": {"type": "long"}}}
                ],
            },
        },
    }


def stock_index_body() -> dict[str, Any]:
    return {
        "mappings": {
            "dynamic": "strict",
            "properties": {
                "sku": {"type": "keyword"},
                "available": {"type": "long"},
                "changed_at": {"type": "date"},
            },
        }
    }


def stock_version(changed_at: datetime) -> int:
    """External version of a stock document: the event's time in microseconds."""
    return int(changed_at.timestamp() * 1_000_000)


def product_source(product: ProductDocument, stock: Mapping[str, int]) -> dict[str, Any]:
    """The stored document; `stock` is the known availability of the product's SKUs."""
    known = {sku: stock[sku] for sku in product.skus if sku in stock}
    return {
        "product_id": product.product_id,
        "slug": product.slug,
        "name": product.name,
        "description": product.description,
        "brand": product.brand,
        "category": {"slug": product.category_slug, "name": product.category_name},
        "category_path": list(product.category_path),
        "image": product.image,
        "price": min_prices(product.variants),
        "skus": product.skus,
        "variants": [msgspec.to_builtins(v) for v in product.variants],
        "stock": known,
        "in_stock": any(n > 0 for n in known.values()),
        "created_at": product.created_at.isoformat(),
        "updated_at": product.updated_at.isoformat(),
    }


def upsert_action(index: str, product: ProductDocument, stock: Mapping[str, int]) -> dict[str, Any]:
    """A bulk `update` that inserts the whole document, or replaces all but `created_at`."""
    source = product_source(product, stock)
    return {
        "_op_type": "update",
        "_index": index,
        "_id": product.product_id,
        "doc": {k: v for k, v in source.items() if k != "created_at"},
        "upsert": source,
    }


def price_script(sku: str, prices: Mapping[str, int]) -> dict[str, Any]:
    return {
        "lang": "painless",
        "source": PRICE_SCRIPT,
        "params": {"sku": sku, "prices": dict(prices)},
    }


def stock_update_body(sku: str, available: int) -> dict[str, Any]:
    """`update_by_query` over the products holding `sku`."""
    return {
        "query": {"term": {"skus": sku}},
        "script": {
            "lang": "painless",
            "source": STOCK_SCRIPT,
            "params": {"sku": sku, "available": available},
        },
    }


def _price_field(currency: str) -> str:
    return f"price.{currency}"


def _text_query(text: str) -> dict[str, Any]:
    if not text:
        return {"match_all": {}}
    return {
        "bool": {
            "should": [
                # Typo tolerant within one field ("hedphones" finds "headphones").
                {
                    "multi_match": {
                        "query": text,
                        "fields": TEXT_FIELDS,
                        "type": "best_fields",
                        "fuzziness": "AUTO",
                        "prefix_length": 1,
                        "operator": "and",
                    }
                },
                # Words spread over fields ("sony headphones": brand + name).
                {
                    "multi_match": {
                        "query": text,
                        "fields": TEXT_FIELDS,
                        "type": "cross_fields",
                        "operator": "and",
                    }
                },
            ],
            "minimum_should_match": 1,
        }
    }


def _filters(query: SearchQuery) -> list[dict[str, Any]]:
    filters: list[dict[str, Any]] = []
    if query.category:
        filters.append({"term": {"category_path": query.category}})
    if query.brand:
        filters.append({"term": {"brand": query.brand}})
    bounds: dict[str, int] = {}
    if query.min_price is not None:
        bounds["gte"] = query.min_price
    if query.max_price is not None:
        bounds["lte"] = query.max_price
    if bounds:
        filters.append({"range": {_price_field(query.currency): bounds}})
    if query.in_stock is not None:
        filters.append({"term": {"in_stock": query.in_stock}})
    return filters


def _sort(query: SearchQuery) -> list[Any]:
    tie = {"product_id": "asc"}
    newest = {"created_at": "desc"}
    price = _price_field(query.currency)
    if query.sort in (Sort.PRICE_ASC, Sort.PRICE_DESC):
        order = "asc" if query.sort is Sort.PRICE_ASC else "desc"
        return [{price: {"order": order, "missing": "_last", "unmapped_type": "long"}}, tie]
    if query.sort is Sort.RELEVANCE and query.text:
        return ["_score", newest, tie]
    return [newest, tie]


def search_body(query: SearchQuery) -> dict[str, Any]:
    """The `_search` request for `query`: hits for the page, facets over every match."""
    ranges: list[dict[str, int]] = []
    for low, high in price_ranges(query.price_edges):
        ranges.append({"from": low} if high is None else {"from": low, "to": high})
    return {
        "query": {"bool": {"must": [_text_query(query.text)], "filter": _filters(query)}},
        "sort": _sort(query),
        "from": query.offset,
        "size": query.limit,
        "track_total_hits": True,
        "_source": [
            "product_id",
            "slug",
            "name",
            "brand",
            "category",
            "image",
            "price",
            "in_stock",
        ],
        "aggs": {
            "category": {
                "terms": {"field": "category.slug", "size": FACET_SIZE, "order": TERM_ORDER}
            },
            "brand": {"terms": {"field": "brand", "size": FACET_SIZE, "order": TERM_ORDER}},
            "price": {"range": {"field": _price_field(query.currency), "ranges": ranges}},
            "in_stock": {"terms": {"field": "in_stock", "size": 2, "order": TERM_ORDER}},
        },
    }


def suggest_body(text: str, limit: int) -> dict[str, Any]:
    """Names by prefix (edge n-grams) or close spelling, one per distinct name."""
    return {
        "query": {
            "bool": {
                "should": [
                    {
                        "match": {
                            "name.autocomplete": {
                                "query": text,
                                "operator": "and",
                                "boost": 2,
                            }
                        }
                    },
                    {"match": {"name": {"query": text, "fuzziness": "AUTO", "prefix_length": 1}}},
                ],
                "minimum_should_match": 1,
            }
        },
        "collapse": {"field": "name.keyword"},
        "sort": ["_score", {"name.keyword": "asc"}],
        "size": limit,
        "_source": ["name"],
    }


# -- what comes back ------------------------------------------------------------------------


def parse_search_response(response: Mapping[str, Any], query: SearchQuery) -> SearchResults:
    hits = response["hits"]
    items = []
    for hit in hits["hits"]:
        source = hit["_source"]
        category = source.get("category") or {}
        items.append(
            SearchItem(
                product_id=source["product_id"],
                slug=source["slug"],
                name=source["name"],
                brand=source.get("brand") or "",
                category=CategoryRef(slug=category.get("slug", ""), name=category.get("name", "")),
                image=source.get("image"),
                price=price_in(source.get("price"), query.currency),
                in_stock=bool(source.get("in_stock")),
            )
        )
    aggs = response.get("aggregations", {})
    total = hits["total"]["value"] if isinstance(hits["total"], Mapping) else int(hits["total"])

    def terms(name: str) -> list[tuple[str | None, int]]:
        return [(b["key"], b["doc_count"]) for b in aggs.get(name, {}).get("buckets", [])]

    stock = [
        (b.get("key_as_string", str(bool(b["key"])).lower()) == "true", b["doc_count"])
        for b in aggs.get("in_stock", {}).get("buckets", [])
    ]
    price_counts = {
        i: b["doc_count"] for i, b in enumerate(aggs.get("price", {}).get("buckets", []))
    }
    return SearchResults(
        items=items,
        total=total,
        limit=query.limit,
        offset=query.offset,
        facets=Facets(
            category=term_buckets(terms("category")),
            brand=term_buckets(terms("brand")),
            price=price_buckets(query.price_edges, price_counts),
            in_stock=stock_buckets(stock),
        ),
    )


def parse_suggest_response(response: Mapping[str, Any]) -> list[str]:
    names: list[str] = []
    for hit in response["hits"]["hits"]:
        name = hit["_source"]["name"]
        if name not in names:
            names.append(name)
    return names


# -- the backend ----------------------------------------------------------------------------


class ElasticsearchBackend:
    def __init__(self, client: Any, settings: ElasticsearchSettings) -> None:
        self.client = client
        self.settings = settings

    async def _stock_of(self, skus: Sequence[str]) -> dict[str, int]:
        if not skus:
            return {}
        found = await self.client.mget(index=self.settings.stock_index, ids=list(skus))
        return {
            doc["_id"]: int(doc["_source"]["available"])
            for doc in found["docs"]
            if doc.get("found")
        }

    async def index_product(self, product: ProductDocument) -> None:
        await self.index_products([product])

    async def index_products(self, products: Sequence[ProductDocument]) -> None:
        from elasticsearch.helpers import async_bulk

        if not products:
            return
        stock = await self._stock_of([sku for p in products for sku in p.skus])
        actions = [upsert_action(self.settings.index, p, stock) for p in products]
        await async_bulk(self.client, actions)

    async def remove_product(self, product_id: str, as_of: datetime | None = None) -> None:
        # No tombstone here (see the README): a late snapshot from another queue can bring a
        # removed product back until the next change or reindex.
        del as_of
        await self.client.options(ignore_status=404).delete(
            index=self.settings.index, id=product_id
        )

    async def update_prices(self, product_id: str, sku: str, prices: dict[str, int]) -> None:
        await self.client.options(ignore_status=404).update(
            index=self.settings.index,
            id=product_id,
            script=price_script(sku, prices),
            retry_on_conflict=3,
        )

    async def update_stock(self, sku: str, available: int, changed_at: datetime) -> None:
        stored = await self.client.options(ignore_status=409).index(
            index=self.settings.stock_index,
            id=sku,
            document={"sku": sku, "available": available, "changed_at": changed_at.isoformat()},
            version=stock_version(changed_at),
            version_type="external_gte",
        )
        if stored.meta.status == 409:
            return  # an older count than the one already stored
        await self.client.update_by_query(
            index=self.settings.index, conflicts="proceed", **stock_update_body(sku, available)
        )

    async def _search(self, body: dict[str, Any]) -> Mapping[str, Any]:
        """A read; an unreachable cluster is a 503 for the client, as any lost dependency."""
        from elasticsearch import ConnectionError as ClusterUnreachable
        from elasticsearch import ConnectionTimeout

        try:
            response = await self.client.search(index=self.settings.index, body=body)
        except (ClusterUnreachable, ConnectionTimeout) as exc:
            _logger.warning("elasticsearch_unreachable", error=str(exc))
            raise ServiceUnavailable("elasticsearch") from exc
        body_: Mapping[str, Any] = response.body
        return body_

    async def search(self, query: SearchQuery) -> SearchResults:
        return parse_search_response(await self._search(search_body(query)), query)

    async def suggest(self, text: str, limit: int) -> list[str]:
        if not text:
            return []
        return parse_suggest_response(await self._search(suggest_body(text, limit)))

    async def clear(self) -> None:
        await self.client.delete_by_query(
            index=self.settings.index, query={"match_all": {}}, conflicts="proceed", refresh=True
        )


class ElasticsearchEngine:
    name = "elasticsearch"

    def __init__(self, settings: ElasticsearchSettings, search: SearchSettings) -> None:
        from elasticsearch import AsyncElasticsearch

        self.settings = settings
        self.search_settings = search
        self.client = AsyncElasticsearch(
            settings.url,
            api_key=settings.api_key,
            request_timeout=settings.request_timeout_seconds,
        )

    def backend(self, session: AsyncSession) -> ElasticsearchBackend:
        del session  # the index is not in the database
        return ElasticsearchBackend(self.client, self.settings)

    async def ensure_indices(self) -> None:
        """Install the template and create both indices when missing (idempotent)."""
        template = index_template(self.settings, self.search_settings.currencies)
        await self.client.indices.put_index_template(
            name=self.settings.index,
            index_patterns=template["index_patterns"],
            priority=template["priority"],
            template=template["template"],
        )
        for index, body in (
            (self.settings.index, {}),
            (self.settings.stock_index, stock_index_body()),
        ):
            if not await self.client.indices.exists(index=index):
                await self.client.options(ignore_status=400).indices.create(index=index, **body)

    @asynccontextmanager
    async def lifespan(self, _app: Any = None) -> AsyncIterator[None]:
        try:
            await self.ensure_indices()
        except Exception as exc:  # the readiness check keeps reporting it
            _logger.warning("elasticsearch_not_ready", error=str(exc))
        try:
            yield
        finally:
            await self.client.close()

    def health_checks(self) -> list[HealthCheck]:
        async def probe() -> None:
            if not await self.client.indices.exists(index=self.settings.index):
                raise ConnectionError("the products index does not exist")

        return [HealthCheck("elasticsearch", probe)]
