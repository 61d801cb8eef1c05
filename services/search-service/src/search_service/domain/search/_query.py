"""Turning what a client asked into a `SearchQuery`, before any I/O and for every backend alike.

Type errors (a non-integer, negative or out-of-range price, an unknown sort) are refused at the
edge by the controller's typed parameters; the rules here need this service's settings.
"""

from __future__ import annotations

from shopkit.errors import InvalidInputError
from shopkit.money import Currency
from shopkit.schemas import INT64_MAX

from search_service.config import SearchSettings
from search_service.domain.search.schemas import SearchQuery, Sort

MAX_QUERY_LENGTH = 200
# Elasticsearch refuses to page past its result window; both backends share the limit so a
# client sees the same answer whichever is configured.
MAX_RESULT_WINDOW = 10_000
MAX_LIMIT = 100

# Lower bounds of the price facet's buckets in MAJOR units; currencies whose unit is worth about
# a hundredth of a euro get their own, so the buckets mean the same thing everywhere.
DEFAULT_PRICE_EDGES = (0, 25, 50, 100, 250, 500)
PRICE_EDGES_BY_CURRENCY = {
    "JPY": (0, 2_500, 5_000, 10_000, 25_000, 50_000),
}


class UnsupportedCurrencyError(InvalidInputError):
    code = "unsupported-currency"


def price_edges(currency: str) -> tuple[int, ...]:
    """The price facet's bucket bounds for `currency`, in its minor units."""
    factor = 10 ** Currency.get(currency).exponent
    edges = PRICE_EDGES_BY_CURRENCY.get(currency, DEFAULT_PRICE_EDGES)
    return tuple(edge * factor for edge in edges)


def normalise_text(text: str | None) -> str:
    """Trimmed, inner whitespace collapsed; what both backends match against."""
    return " ".join((text or "").split())


def _optional(value: str | None) -> str | None:
    value = normalise_text(value)
    return value or None


def _non_negative(field: str, value: int | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputError(field, "must be an integer number of minor units")
    if value < 0:
        raise InvalidInputError(field, "must not be negative")
    if value > INT64_MAX:
        raise InvalidInputError(field, f"must be at most {INT64_MAX}")
    return value


def check_currency(settings: SearchSettings, currency: str | None) -> str:
    code = (currency or settings.default_currency).strip().upper()
    if code not in settings.currencies:
        raise UnsupportedCurrencyError(
            "currency",
            f"{currency!r} is not supported; use one of {', '.join(settings.currencies)}",
        )
    return code


def build_query(
    settings: SearchSettings,
    *,
    q: str | None = None,
    category: str | None = None,
    brand: str | None = None,
    min_price: int | None = None,
    max_price: int | None = None,
    in_stock: bool | None = None,
    currency: str | None = None,
    sort: Sort | str = Sort.RELEVANCE,
    limit: int = 20,
    offset: int = 0,
) -> SearchQuery:
    """A validated `SearchQuery`, or `InvalidInputError` (422) naming the offending field."""
    text = normalise_text(q)
    if len(text) > MAX_QUERY_LENGTH:
        raise InvalidInputError("q", f"must be at most {MAX_QUERY_LENGTH} characters")
    try:
        order = Sort(sort)
    except ValueError:
        raise InvalidInputError(
            "sort", f"must be one of {', '.join(s.value for s in Sort)}"
        ) from None
    code = check_currency(settings, currency)
    low = _non_negative("min_price", min_price)
    high = _non_negative("max_price", max_price)
    if low is not None and high is not None and low > high:
        raise InvalidInputError("max_price", "must not be below min_price")
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInputError("limit", f"must be between 1 and {MAX_LIMIT}")
    if offset < 0:
        raise InvalidInputError("offset", "must not be negative")
    if offset + limit > MAX_RESULT_WINDOW:
        raise InvalidInputError("offset", f"offset + limit must not exceed {MAX_RESULT_WINDOW}")
    return SearchQuery(
        text=text,
        category=_optional(category),
        brand=_optional(brand),
        min_price=low,
        max_price=high,
        in_stock=in_stock,
        currency=code,
        sort=order,
        limit=limit,
        offset=offset,
        price_edges=price_edges(code),
    )
