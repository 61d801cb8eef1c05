"""What a search may ask for, decided before any I/O (the same for both backends)."""

import pytest
from shopkit.errors import InvalidInputError

from search_service.config import SearchSettings
from search_service.domain.search._query import build_query, price_edges
from search_service.domain.search.schemas import Sort

pytestmark = pytest.mark.unit

SETTINGS = SearchSettings()


def field_of(error: pytest.ExceptionInfo[InvalidInputError]) -> str:
    assert error.value.invalid_params is not None
    return error.value.invalid_params[0].name


def test_defaults_are_relevance_in_euros_first_page() -> None:
    query = build_query(SETTINGS)
    assert (query.text, query.currency, query.sort, query.limit, query.offset) == (
        "",
        "EUR",
        Sort.RELEVANCE,
        20,
        0,
    )


def test_text_and_filters_are_normalised() -> None:
    query = build_query(
        SETTINGS, q="  wireless   hedphones ", category=" ", brand=" Sonic ", currency="jpy"
    )
    assert query.text == "wireless hedphones"
    assert query.category is None
    assert query.brand == "Sonic"
    assert query.currency == "JPY"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"currency": "XYZ"}, "currency"),
        ({"currency": "CHF"}, "currency"),  # a real currency we do not price in
        ({"sort": "cheapest"}, "sort"),
        ({"min_price": -1}, "min_price"),
        ({"max_price": -1}, "max_price"),
        ({"min_price": 2**63}, "min_price"),  # no PostgreSQL bigint holds it
        ({"max_price": 10**20}, "max_price"),
        ({"min_price": 500, "max_price": 100}, "max_price"),
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": 9_990, "limit": 20}, "offset"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_bad_input_names_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInputError) as error:
        build_query(SETTINGS, **kwargs)  # type: ignore[arg-type]
    assert field_of(error) == field
    assert error.value.status_code == 422


def test_a_price_must_be_an_integer_number_of_minor_units() -> None:
    with pytest.raises(InvalidInputError) as error:
        build_query(SETTINGS, min_price=12.5)  # type: ignore[arg-type]
    assert field_of(error) == "min_price"


def test_price_facet_buckets_follow_the_currency_exponent() -> None:
    assert price_edges("EUR") == (0, 2_500, 5_000, 10_000, 25_000, 50_000)
    assert price_edges("JPY") == (0, 2_500, 5_000, 10_000, 25_000, 50_000)
    assert price_edges("GBP")[1] == 2_500  # £25.00
    assert build_query(SETTINGS, currency="USD").price_edges == price_edges("USD")


def test_equal_bounds_are_allowed() -> None:
    query = build_query(SETTINGS, min_price=1999, max_price=1999, sort="price_desc")
    assert (query.min_price, query.max_price, query.sort) == (1999, 1999, Sort.PRICE_DESC)
