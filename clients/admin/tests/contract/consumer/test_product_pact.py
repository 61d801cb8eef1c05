"""The admin's pact with product-service (`contracts/pacts/admin-product-service.json`): the
Products page (the admin listing of every status, the drafts filter, the search by words), a
product's page (its SKUs' prices in every currency beside the rates), saving it (name,
description, category, base prices and explicit prices per currency), creating and archiving
one, the Categories page (list, create, a taken slug refused, rename, delete), the Rates page
(read, save) and the SKUs of active products the low-stock list is made from.

Every product call carries the admin's token: what product-service answers depends on it (an
admin sees drafts and archived products). Ids are the provider state's (pinned by regex, made
by the state under the id given); amounts are integers whatever their values; SKUs, which the
admin sends back as it got them, are pinned as sent."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from admin_pacts import (
    BEARER,
    PROBLEM_JSON,
    UUID_RE,
    admin_pact,
    currency,
    money,
    problem,
    timestamp,
    uuid,
    write,
)
from pact import Pact, match

from admin.controllers.catalog import PAGE_SIZE, _category_options, _product_path
from admin.gateway import Api, ApiError
from admin.money import parse_amount
from admin.prices import (
    BASE_CURRENCY,
    currency_codes,
    field_name,
    parse_rate,
    variant_rows,
    variants_from_form,
)
from admin.reports import all_skus

pytestmark = pytest.mark.contract

PROVIDER = "product-service"
PRODUCT_ID = "0193a5b2-7c1d-7e4f-9a10-00000000d101"
SKU = "ADM-STUDIO"
BLACK, WHITE = f"{SKU}-BLK", f"{SKU}-WHT"
CATEGORY = {
    "category_id": "0193a5b2-7c1d-7e4f-9a10-00000000d201",
    "name": "Studio gear",
    "slug": "contract-studio-gear",
}
CATEGORY_ID = CATEGORY["category_id"]
EMPTY = {
    "category_id": "0193a5b2-7c1d-7e4f-9a10-00000000d202",
    "name": "Vinyl",
    "slug": "contract-vinyl",
}
# The storefront's category tree ("a category with a subcategory exists"), as examples.
AUDIO_ID = "0193a5b2-7c1d-7e4f-9a10-00000000d2a1"
HEADPHONES_ID = "0193a5b2-7c1d-7e4f-9a10-00000000d2a2"
NEW_PRODUCT = {"sku": "ADM-NEW-MUG", "name": "Contract Travel Mug"}
NEW_CATEGORY_SLUG = "contract-gift-cards"
LOW = ("ADM-MUG-1", "ADM-MUG-2")
STATUS_RE = r"^(draft|active|archived)$"
RATE_RE = r"^[0-9]+(\.[0-9]+)?$"
# What the Rates page sends after the admin typed a new EUR→USD rate (the others as shown).
TYPED_RATES = {"GBP": "0.85", "JPY": "162", "USD": "1.0842"}


def a_product(status: str = "draft") -> dict[str, object]:
    return {"product_id": PRODUCT_ID, "sku": SKU, "status": status}


def product_path() -> object:
    return match.regex(_product_path(PRODUCT_ID), regex=f"^/api/products/{UUID_RE[1:-1]}$")


def category_path(category_id: str) -> object:
    return match.regex(f"/api/categories/{category_id}", regex=f"^/api/categories/{UUID_RE[1:-1]}$")


def category_ref() -> dict[str, object]:
    return {
        "id": uuid(HEADPHONES_ID),
        "name": match.str("Headphones"),
        "slug": match.str("contract-headphones"),
    }


def listed(status: object) -> dict[str, object]:
    """What a row of the Products page (and the search over it) reads of each product."""
    return {
        "id": uuid(PRODUCT_ID),
        "name": match.str("Contract Admin Headphones"),
        "slug": match.str("contract-adm-studio"),
        "brand": match.str("Acme"),
        "status": status,
        "category": category_ref(),
        "variants": match.each_like({"sku": match.str(BLACK)}, min=1),
        "price_range": {"min": money(1299), "max": money(1499)},
    }


SEARCHED = "adm-studio-blk"  # part of the black SKU, in another case


def prices(eur: int, gbp: int, jpy: int, usd: int) -> dict[str, object]:
    """A SKU's resolved price in every currency, in minor units."""
    return {
        "EUR": match.integer(eur),
        "GBP": match.integer(gbp),
        "JPY": match.integer(jpy),
        "USD": match.integer(usd),
    }


def detail() -> dict[str, object]:
    """What the product page shows and what saving it re-reads. The examples are the state's
    prices at 1.08 USD, 0.85 GBP and 162 JPY per EUR: black follows the rates, white has an
    explicit 2500 JPY, which product-service says (`explicit_prices`)."""
    return {
        **listed("draft"),
        "description": match.str("Closed-back headphones, as the admin edits them."),
        "updated_at": timestamp(),
        "variants": [
            {
                "sku": BLACK,
                "options": {"colour": match.str("black")},
                "base_price": money(1299),
                "prices": prices(1299, 1104, 2104, 1403),
                "explicit_prices": {},  # every price follows the rate
            },
            {
                "sku": WHITE,
                "options": {"colour": match.str("white")},
                "base_price": money(1499),
                "prices": prices(1499, 1274, 2500, 1619),
                "explicit_prices": {"JPY": match.integer(2500)},
            },
        ],
    }


def a_currency(code: str, exponent: int, rate: str) -> dict[str, object]:
    return {
        "code": code,
        "exponent": match.integer(exponent),
        "rate": match.regex(rate, regex=RATE_RE),
        "base": code == BASE_CURRENCY,
        "updated_at": timestamp(),
    }


CURRENCIES = {
    "base_currency": BASE_CURRENCY,
    "items": match.array_containing(
        [
            a_currency("EUR", 2, "1"),
            a_currency("GBP", 2, "0.85"),
            a_currency("JPY", 0, "162"),
            a_currency("USD", 2, "1.08"),
        ]
    ),
}

# The product page's form as the admin leaves it: black now 13.99 EUR with an explicit
# 11.50 GBP, white's explicit 2500 JPY kept; the other prices still follow the rates.
SAVED_FORM = {
    "name": "Contract Admin Headphones II",
    "description": "Closed-back, now with a longer cable.",
    "category_id": CATEGORY_ID,
    "status": "active",
    field_name(BLACK, "EUR"): "13.99",
    field_name(BLACK, "GBP"): "11.50",
}
SAVED = {
    "name": SAVED_FORM["name"],
    "description": SAVED_FORM["description"],
    "variants": [
        {
            "sku": BLACK,
            "options": {"colour": "black"},
            "base_price": {"amount": match.integer(1399), "currency": BASE_CURRENCY},
            "prices": {"GBP": match.integer(1150)},
        },
        {
            "sku": WHITE,
            "options": {"colour": "white"},
            "base_price": {"amount": match.integer(1499), "currency": BASE_CURRENCY},
            "prices": {"JPY": match.integer(2500)},
        },
    ],
    "category_id": uuid(CATEGORY_ID),
    "status": "active",
}
CREATED = {
    "name": NEW_PRODUCT["name"],
    "description": "Keeps coffee hot for hours.",
    "brand": "Acme",
    "category_id": uuid(CATEGORY_ID),
    "status": "draft",
    "variants": [
        {
            "sku": NEW_PRODUCT["sku"],
            "base_price": {"amount": match.integer(2490), "currency": BASE_CURRENCY},
        }
    ],
}


def category(
    example_id: str, name: str, slug: str, parent: object, path: list[str]
) -> dict[str, object]:
    return {
        "id": uuid(example_id),
        "name": match.str(name),
        "slug": match.str(slug),
        "parent_id": parent,
        # As long as the category is deep: the admin indents each one by it.
        "path": [match.str(part) for part in path],
    }


def listing(pact: Pact, description: str, query: dict[str, str]) -> Pact:
    interaction = pact.upon_receiving(description).given("a product exists", **a_product())
    interaction = interaction.with_request("GET", "/api/products")
    for name, value in query.items():
        interaction = interaction.with_query_parameter(name, value)
    return interaction.with_header("Authorization", BEARER)


@pytest.fixture(scope="module")
def pact() -> Iterator[Pact]:
    pact = admin_pact(PROVIDER)
    every_status = match.regex("draft", regex=STATUS_RE)
    (
        listing(
            pact,
            "a request for the first page of products of every status",
            {"limit": str(PAGE_SIZE), "offset": "0"},
        )
        .will_respond_with(200)
        .with_body(
            {"items": match.each_like(listed(every_status), min=1), "total": match.integer(1)},
            "application/json",
        )
    )
    (
        listing(
            pact,
            "a request for the first page of draft products",
            {"limit": str(PAGE_SIZE), "offset": "0", "status": "draft"},
        )
        .will_respond_with(200)
        .with_body(
            {"items": match.each_like(listed("draft"), min=1), "total": match.integer(1)},
            "application/json",
        )
    )
    (
        listing(
            pact,
            "a request for the products whose name, slug, brand or a SKU contains some words",
            {"limit": str(PAGE_SIZE), "offset": "0", "q": SEARCHED},
        )
        .will_respond_with(200)
        .with_body(
            {"items": match.each_like(listed(every_status), min=1), "total": match.integer(1)},
            "application/json",
        )
    )
    (
        listing(
            pact,
            "a request for the products matching words none has",
            {"limit": str(PAGE_SIZE), "offset": "0", "q": "no such thing"},
        )
        .will_respond_with(200)
        .with_body({"items": [], "total": 0}, "application/json")
    )
    (
        pact.upon_receiving("a request for the first 100 active products to read their SKUs")
        .given("products with SKUs exist", skus=",".join(LOW))
        .with_request("GET", "/api/products")
        .with_query_parameter("limit", "100")
        .with_query_parameter("offset", "0")
        .with_query_parameter("status", "active")
        .with_header("Authorization", BEARER)
        .will_respond_with(200)
        .with_body(
            {
                "items": match.each_like(
                    {
                        "status": "active",
                        "variants": match.each_like({"sku": match.str(LOW[0])}, min=1),
                    },
                    min=1,
                ),
                "total": match.integer(1),
            },
            "application/json",
        )
    )
    (
        pact.upon_receiving("a request for a draft product by id")
        .given("a product exists", **a_product())
        .with_request("GET", product_path())
        .with_header("Authorization", BEARER)
        .will_respond_with(200)
        .with_body(detail(), "application/json")
    )
    (
        pact.upon_receiving("a request to save a product's details, category and prices")
        .given("a product exists", **a_product())
        .given("a category exists", **CATEGORY)
        .with_request("PATCH", product_path())
        .with_header("Authorization", BEARER)
        .with_body(SAVED, "application/json")
        .will_respond_with(200)
        .with_body(
            {
                "id": uuid(PRODUCT_ID),
                "name": match.str(SAVED_FORM["name"]),
                "status": "active",
                "category": {"id": uuid(CATEGORY_ID)},
                "variants": match.each_like(
                    {"sku": match.str(BLACK), "base_price": money(1399)}, min=1
                ),
            },
            "application/json",
        )
    )
    (
        pact.upon_receiving("a request to archive an active product")
        .given("a product exists", **a_product("active"))
        .with_request("PATCH", product_path())
        .with_header("Authorization", BEARER)
        .with_body({"status": "archived"}, "application/json")
        .will_respond_with(200)
        .with_body({"id": uuid(PRODUCT_ID), "status": "archived"}, "application/json")
    )
    (
        pact.upon_receiving("a request to create a draft product with one SKU")
        .given("a category exists", **CATEGORY)
        .given("no product has the SKU or name", **NEW_PRODUCT)
        .with_request("POST", "/api/products")
        .with_header("Authorization", BEARER)
        .with_body(CREATED, "application/json")
        .will_respond_with(201)
        .with_body(
            {
                "id": uuid("0193a5b2-7c1d-7e4f-9a10-00000000d102"),
                "status": "draft",
                "variants": [{"sku": NEW_PRODUCT["sku"], "base_price": money(2490)}],
            },
            "application/json",
        )
    )
    (
        pact.upon_receiving("a request for every category")
        .given("a category with a subcategory exists")
        .with_request("GET", "/api/categories")
        .will_respond_with(200)
        .with_body(
            {
                "items": match.array_containing(
                    [
                        category(AUDIO_ID, "Audio", "contract-audio", None, ["contract-audio"]),
                        category(
                            HEADPHONES_ID,
                            "Headphones",
                            "contract-headphones",
                            uuid(AUDIO_ID),
                            ["contract-audio", "contract-headphones"],
                        ),
                    ]
                )
            },
            "application/json",
        )
    )
    (
        pact.upon_receiving("a request to create a subcategory with its own slug")
        .given("a category exists", **CATEGORY)
        .given("no category has the slug", slug=NEW_CATEGORY_SLUG)
        .with_request("POST", "/api/categories")
        .with_header("Authorization", BEARER)
        .with_body(
            {"name": "Gift cards", "parent_id": uuid(CATEGORY_ID), "slug": NEW_CATEGORY_SLUG},
            "application/json",
        )
        .will_respond_with(201)
        .with_body(
            {
                "id": uuid("0193a5b2-7c1d-7e4f-9a10-00000000d203"),
                "slug": NEW_CATEGORY_SLUG,
                "parent_id": uuid(CATEGORY_ID),
            },
            "application/json",
        )
    )
    (
        pact.upon_receiving("a request to rename a category")
        .given("a category exists", **CATEGORY)
        .with_request("PATCH", category_path(CATEGORY_ID))
        .with_header("Authorization", BEARER)
        .with_body({"name": "Studio equipment"}, "application/json")
        .will_respond_with(200)
        .with_body(
            {
                "id": uuid(CATEGORY_ID),
                "name": "Studio equipment",
                "slug": match.str(CATEGORY["slug"]),
            },
            "application/json",
        )
    )
    (
        pact.upon_receiving("a request to delete an empty category")
        .given("an empty category exists", **EMPTY)
        .with_request("DELETE", category_path(EMPTY["category_id"]))
        .with_header("Authorization", BEARER)
        .will_respond_with(204)
    )
    (
        pact.upon_receiving("a request to create a category with a slug that is taken")
        .given("a category exists", **CATEGORY)
        .with_request("POST", "/api/categories")
        .with_header("Authorization", BEARER)
        .with_body(
            {"name": "Studio gear", "parent_id": None, "slug": CATEGORY["slug"]},
            "application/json",
        )
        .will_respond_with(409)
        .with_body(
            {
                **problem(409),
                "invalid_params": match.each_like(
                    {"name": match.str("slug"), "reason": match.str("Why not.")}, min=1
                ),
            },
            PROBLEM_JSON,
        )
    )
    (
        pact.upon_receiving("a request for the supported currencies and their rates")
        .with_request("GET", "/api/currencies")
        .will_respond_with(200)
        .with_body(CURRENCIES, "application/json")
    )
    (
        pact.upon_receiving("a request to set the exchange rates")
        .with_request("PUT", "/api/currencies/rates")
        .with_header("Authorization", BEARER)
        .with_body(
            {
                "rates": {
                    code: match.regex(rate, regex=RATE_RE) for code, rate in TYPED_RATES.items()
                }
            },
            "application/json",
        )
        .will_respond_with(200)
        .with_body(
            {
                "base_currency": BASE_CURRENCY,
                "items": match.each_like(
                    {"code": currency("USD"), "rate": match.regex("1.0842", regex=RATE_RE)},
                    min=1,
                ),
            },
            "application/json",
        )
    )
    yield pact
    write(pact)


async def test_the_products_page_lists_every_status_for_the_admin(api: Api) -> None:
    page = await api.get("/api/products", limit=PAGE_SIZE, offset=0)
    (product,) = page["items"]
    assert int(page["total"]) >= 1
    assert product["status"] in {"draft", "active", "archived"}
    assert [v["sku"] for v in product["variants"]] == [BLACK]  # the SKUs column
    assert product["price_range"]["min"] == {"amount": 1299, "currency": "EUR"}
    assert product["category"]["name"]


async def test_the_status_filter_lists_drafts(api: Api) -> None:
    page = await api.get("/api/products", limit=PAGE_SIZE, offset=0, status="draft")
    assert [p["status"] for p in page["items"]] == ["draft"]


async def test_a_search_asks_product_service_for_name_slug_brand_and_sku(api: Api) -> None:
    found = await api.get("/api/products", limit=PAGE_SIZE, offset=0, q=SEARCHED)
    assert int(found["total"]) == 1
    assert found["items"][0]["id"] == PRODUCT_ID
    nothing = await api.get("/api/products", limit=PAGE_SIZE, offset=0, q="no such thing")
    assert nothing["items"] == []


async def test_the_low_stock_list_reads_the_skus_of_active_products(api: Api) -> None:
    assert await all_skus(api) == [LOW[0]]


async def test_the_product_page_shows_each_price_and_whether_it_follows_the_rate(
    api: Api,
) -> None:
    product = await api.get(_product_path(PRODUCT_ID))
    currencies = await api.get("/api/currencies")
    codes = currency_codes(currencies)
    assert codes == ["EUR", "GBP", "JPY", "USD"]
    rows = variant_rows(product, codes)
    assert [(row.sku, [(c.value, c.follows_rate) for c in row.cells]) for row in rows] == [
        (BLACK, [("12.99", False), ("11.04", True), ("2104", True), ("14.03", True)]),
        (WHITE, [("14.99", False), ("12.74", True), ("2500", False), ("16.19", True)]),
    ]


async def test_saving_a_product_sends_base_prices_and_only_the_explicit_ones(api: Api) -> None:
    # As the product page's save does: re-read the product and the rates, then send the form.
    product = await api.get(_product_path(PRODUCT_ID))
    currencies = await api.get("/api/currencies")
    codes = currency_codes(currencies)
    variants, errors = variants_from_form(product, codes, SAVED_FORM)
    assert errors == []
    assert [(v["base_price"]["amount"], v["prices"]) for v in variants] == [
        (1399, {"GBP": 1150}),
        (1499, {"JPY": 2500}),
    ]
    body = {
        "name": SAVED_FORM["name"],
        "description": SAVED_FORM["description"],
        "variants": variants,
        "category_id": SAVED_FORM["category_id"],
        "status": SAVED_FORM["status"],
    }
    saved = await api.patch(_product_path(PRODUCT_ID), body)
    assert (saved["status"], saved["category"]["id"]) == ("active", CATEGORY_ID)


async def test_archiving_sends_only_the_status(api: Api) -> None:
    archived = await api.patch(_product_path(PRODUCT_ID), {"status": "archived"})
    assert archived["status"] == "archived"


async def test_creating_a_product_sends_its_first_sku_priced_in_eur(api: Api) -> None:
    body = {
        "name": NEW_PRODUCT["name"],
        "description": "Keeps coffee hot for hours.",
        "brand": "Acme",
        "category_id": CATEGORY_ID,
        "status": "draft",
        "variants": [
            {
                "sku": NEW_PRODUCT["sku"],
                "base_price": {"amount": parse_amount("24.90", "EUR"), "currency": "EUR"},
            }
        ],
    }
    created = await api.post("/api/products", body)
    assert created["id"]  # the admin goes on to the new product's page


async def test_the_categories_page_indents_each_category_by_its_depth(api: Api) -> None:
    options = _category_options(await api.get("/api/categories"))
    assert [(c["name"], c["depth"]) for c in options] == [("Audio", 0), ("Headphones", 1)]
    assert options[1]["parent_id"] == options[0]["id"] == AUDIO_ID


async def test_creating_a_category_sends_its_parent_and_slug(api: Api) -> None:
    created = await api.post(
        "/api/categories",
        {"name": "Gift cards", "parent_id": CATEGORY_ID, "slug": NEW_CATEGORY_SLUG},
    )
    assert created["parent_id"] == CATEGORY_ID


async def test_renaming_a_category_sends_only_the_name(api: Api) -> None:
    renamed = await api.patch(f"/api/categories/{CATEGORY_ID}", {"name": "Studio equipment"})
    assert renamed["name"] == "Studio equipment"


async def test_deleting_an_empty_category_answers_204(api: Api) -> None:
    assert await api.delete(f"/api/categories/{EMPTY['category_id']}") is None


async def test_a_taken_slug_is_refused_with_a_readable_reason(api: Api) -> None:
    # A root category: the form's empty parent is sent as null.
    with pytest.raises(ApiError) as refused:
        await api.post(
            "/api/categories", {"name": "Studio gear", "parent_id": None, "slug": CATEGORY["slug"]}
        )
    assert refused.value.status == 409
    assert refused.value.message == "Why not."  # shown as "Not created. <the reason>"


async def test_saving_rates_sends_decimal_strings_for_every_other_currency(api: Api) -> None:
    # As the Rates page does: each non-base currency's typed rate, checked, as a string.
    currencies = await api.get("/api/currencies")
    shown = [item["code"] for item in currencies["items"] if not item["base"]]
    assert sorted(shown) == ["GBP", "JPY", "USD"]
    rates = {code: parse_rate(TYPED_RATES[code]) for code in shown}
    saved = await api.put("/api/currencies/rates", {"rates": rates})
    assert saved["base_currency"] == "EUR"
    assert saved["items"][0]["rate"] == "1.0842"
