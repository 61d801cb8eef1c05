"""The Elasticsearch backend without a cluster: the mapping it installs, the exact requests it
builds for the queries the PostgreSQL backend answers, how it reads answers back, and when it
is chosen."""

from datetime import UTC, datetime

import msgspec
import pytest

from search_service.config import ElasticsearchSettings, SearchSettings, load_settings
from search_service.domain.search import engine_from_settings
from search_service.domain.search._elasticsearch import (
    index_template,
    parse_search_response,
    price_script,
    search_body,
    stock_update_body,
    stock_version,
    suggest_body,
    upsert_action,
)
from search_service.domain.search._query import build_query
from search_service.domain.search.schemas import ProductDocument, SearchResults, VariantDocument

pytestmark = pytest.mark.unit

SETTINGS = SearchSettings()
ES = ElasticsearchSettings(url="http://es:9200", index="products", stock_index="stock")


def test_the_template_defines_the_analyzers_and_a_strict_mapping() -> None:
    template = index_template(ES, SETTINGS.currencies)
    assert template["index_patterns"] == ["products"]
    analysis = template["template"]["settings"]["analysis"]
    assert analysis["filter"]["autocomplete_edge"] == {
        "type": "edge_ngram",
        "min_gram": 1,
        "max_gram": 20,
    }
    assert analysis["analyzer"]["product_text"]["filter"][-1] == "english_stemmer"
    mapping = template["template"]["mappings"]
    assert mapping["dynamic"] == "strict"
    name = mapping["properties"]["name"]
    assert name["fields"]["autocomplete"]["analyzer"] == "autocomplete"
    assert name["fields"]["autocomplete"]["search_analyzer"] == "autocomplete_search"
    assert mapping["properties"]["price"]["properties"] == {
        code: {"type": "long"} for code in ("EUR", "USD", "GBP", "JPY")
    }
    assert mapping["properties"]["category_path"] == {"type": "keyword"}
    assert mapping["properties"]["in_stock"] == {"type": "boolean"}


def test_a_typo_tolerant_filtered_search_in_yen() -> None:
    query = build_query(
        SETTINGS,
        q="hedphones",
        category="audio",
        brand="Sonic",
        min_price=3000,
        max_price=10000,
        in_stock=True,
        currency="JPY",
        sort="relevance",
        limit=10,
        offset=20,
    )
    body = search_body(query)
    fuzzy, across = body["query"]["bool"]["must"][0]["bool"]["should"]
    assert fuzzy["multi_match"] == {
        "query": "hedphones",
        "fields": ["name^3", "brand.text^2", "category.name^2", "description"],
        "type": "best_fields",
        "fuzziness": "AUTO",
        "prefix_length": 1,
        "operator": "and",
    }
    assert across["multi_match"]["type"] == "cross_fields"
    assert body["query"]["bool"]["filter"] == [
        {"term": {"category_path": "audio"}},
        {"term": {"brand": "Sonic"}},
        {"range": {"price.JPY": {"gte": 3000, "lte": 10000}}},
        {"term": {"in_stock": True}},
    ]
    assert body["sort"] == ["_score", {"created_at": "desc"}, {"product_id": "asc"}]
    assert (body["from"], body["size"], body["track_total_hits"]) == (20, 10, True)
    assert body["aggs"]["price"] == {
        "range": {
            "field": "price.JPY",
            "ranges": [
                {"from": 0, "to": 2500},
                {"from": 2500, "to": 5000},
                {"from": 5000, "to": 10000},
                {"from": 10000, "to": 25000},
                {"from": 25000, "to": 50000},
                {"from": 50000},
            ],
        }
    }
    assert body["aggs"]["category"]["terms"]["field"] == "category.slug"
    assert body["aggs"]["brand"]["terms"]["field"] == "brand"
    assert body["aggs"]["in_stock"]["terms"]["field"] == "in_stock"


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (
            "price_asc",
            [
                {"price.EUR": {"order": "asc", "missing": "_last", "unmapped_type": "long"}},
                {"product_id": "asc"},
            ],
        ),
        (
            "price_desc",
            [
                {"price.EUR": {"order": "desc", "missing": "_last", "unmapped_type": "long"}},
                {"product_id": "asc"},
            ],
        ),
        ("newest", [{"created_at": "desc"}, {"product_id": "asc"}]),
        # Relevance without words is newest first, as in PostgreSQL.
        ("relevance", [{"created_at": "desc"}, {"product_id": "asc"}]),
    ],
)
def test_sorts_without_text(sort: str, expected: list[object]) -> None:
    body = search_body(build_query(SETTINGS, sort=sort))
    assert body["query"]["bool"] == {"must": [{"match_all": {}}], "filter": []}
    assert body["sort"] == expected


def test_suggestions_use_edge_ngrams_and_fuzzy_names_one_per_name() -> None:
    body = suggest_body("head", 8)
    prefix, fuzzy = body["query"]["bool"]["should"]
    assert prefix == {
        "match": {"name.autocomplete": {"query": "head", "operator": "and", "boost": 2}}
    }
    assert fuzzy["match"]["name"]["fuzziness"] == "AUTO"
    assert body["collapse"] == {"field": "name.keyword"}
    assert body["size"] == 8


DOC = ProductDocument(
    product_id="p1",
    slug="wireless-headphones",
    name="Wireless Headphones",
    description="",
    brand="Sonic",
    category_slug="headphones",
    category_name="Headphones",
    category_path=("electronics", "audio", "headphones"),
    image=None,
    variants=(
        VariantDocument(sku="A", prices={"EUR": 9999, "JPY": 16000}),
        VariantDocument(sku="B", prices={"EUR": 8999, "JPY": 17000}),
    ),
    created_at=datetime(2026, 11, 1, tzinfo=UTC),
    updated_at=datetime(2026, 11, 2, tzinfo=UTC),
)


def test_bulk_upsert_keeps_the_first_creation_time_and_joins_known_stock() -> None:
    action = upsert_action("products", DOC, {"B": 2, "OTHER": 5})
    assert (action["_op_type"], action["_index"], action["_id"]) == ("update", "products", "p1")
    assert action["upsert"]["created_at"] == "2026-11-01T00:00:00+00:00"
    assert "created_at" not in action["doc"]
    assert action["doc"]["price"] == {"EUR": 8999, "JPY": 16000}
    assert action["doc"]["stock"] == {"B": 2}
    assert action["doc"]["in_stock"] is True
    assert action["doc"]["skus"] == ["A", "B"]


def test_price_and_stock_updates_are_scripts_with_parameters() -> None:
    script = price_script("A", {"EUR": 100})
    assert script["params"] == {"sku": "A", "prices": {"EUR": 100}}
    assert "ctx._source.price = low" in script["source"]
    body = stock_update_body("A", 0)
    assert body["query"] == {"term": {"skus": "A"}}
    assert body["script"]["params"] == {"sku": "A", "available": 0}
    later = datetime(2026, 11, 1, 0, 0, 1, tzinfo=UTC)
    assert stock_version(later) > stock_version(datetime(2026, 11, 1, tzinfo=UTC))


def test_an_answer_reads_back_into_the_same_public_shape() -> None:
    query = build_query(SETTINGS, q="headphones", currency="JPY", limit=1)
    response = {
        "hits": {
            "total": {"value": 3, "relation": "eq"},
            "hits": [
                {
                    "_source": {
                        "product_id": "p1",
                        "slug": "wireless-headphones",
                        "name": "Wireless Headphones",
                        "brand": "Sonic",
                        "category": {"slug": "headphones", "name": "Headphones"},
                        "image": None,
                        "price": {"EUR": 8999, "JPY": 16000},
                        "in_stock": True,
                    }
                }
            ],
        },
        "aggregations": {
            "category": {"buckets": [{"key": "headphones", "doc_count": 3}]},
            "brand": {
                "buckets": [{"key": "Sonic", "doc_count": 2}, {"key": "Acme", "doc_count": 1}]
            },
            "price": {
                "buckets": [
                    {"key": "0.0-2500.0", "from": 0, "to": 2500, "doc_count": 1},
                    {"key": "2500.0-5000.0", "from": 2500, "to": 5000, "doc_count": 0},
                    {"key": "5000.0-10000.0", "from": 5000, "to": 10000, "doc_count": 0},
                    {"key": "10000.0-25000.0", "from": 10000, "to": 25000, "doc_count": 2},
                    {"key": "25000.0-50000.0", "from": 25000, "to": 50000, "doc_count": 0},
                    {"key": "50000.0-*", "from": 50000, "doc_count": 0},
                ]
            },
            "in_stock": {
                "buckets": [
                    {"key": 0, "key_as_string": "false", "doc_count": 2},
                    {"key": 1, "key_as_string": "true", "doc_count": 1},
                ]
            },
        },
    }
    results = parse_search_response(response, query)
    encoded = msgspec.json.decode(msgspec.json.encode(results))
    assert encoded == {
        "items": [
            {
                "product_id": "p1",
                "slug": "wireless-headphones",
                "name": "Wireless Headphones",
                "brand": "Sonic",
                "category": {"slug": "headphones", "name": "Headphones"},
                "image": None,
                "price": {"amount": 16000, "currency": "JPY"},
                "in_stock": True,
            }
        ],
        "total": 3,
        "limit": 1,
        "offset": 0,
        "facets": {
            "category": [{"value": "headphones", "count": 3}],
            "brand": [{"value": "Sonic", "count": 2}, {"value": "Acme", "count": 1}],
            "price": [
                {"from": 0, "to": 2500, "count": 1},
                {"from": 2500, "to": 5000, "count": 0},
                {"from": 5000, "to": 10000, "count": 0},
                {"from": 10000, "to": 25000, "count": 2},
                {"from": 25000, "to": 50000, "count": 0},
                {"from": 50000, "to": None, "count": 0},
            ],
            "in_stock": [{"value": False, "count": 2}, {"value": True, "count": 1}],
        },
    }
    assert msgspec.convert(encoded, SearchResults) == results


def test_the_backend_is_chosen_by_elasticsearch_url() -> None:
    default = load_settings()
    assert engine_from_settings(default).name == "postgresql"
    chosen = engine_from_settings(msgspec.structs.replace(default, elasticsearch=ES))
    assert chosen.name == "elasticsearch"
    assert not engine_from_settings(
        msgspec.structs.replace(default, elasticsearch=ElasticsearchSettings(url=""))
    ).name.startswith("elastic")


def test_elasticsearch_url_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ELASTICSEARCH_URL", "http://search.internal:9200")
    assert load_settings().elasticsearch.url == "http://search.internal:9200"
    monkeypatch.delenv("ELASTICSEARCH_URL")
    assert load_settings().elasticsearch.url is None
