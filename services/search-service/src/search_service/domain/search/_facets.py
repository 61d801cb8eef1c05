"""Facet and price shaping shared by both backends, so their answers cannot drift apart."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from shopkit.money import Money

from search_service.domain.search.schemas import PriceBucket, StockBucket, TermBucket

# At most this many values per term facet (the most frequent first, then alphabetical).
FACET_SIZE = 50


def term_buckets(counts: Iterable[tuple[str | None, int]]) -> list[TermBucket]:
    buckets = [TermBucket(value=v, count=c) for v, c in counts if v and c > 0]
    buckets.sort(key=lambda b: (-b.count, b.value))
    return buckets[:FACET_SIZE]


def stock_buckets(counts: Iterable[tuple[bool, int]]) -> list[StockBucket]:
    buckets = [StockBucket(value=v, count=c) for v, c in counts if c > 0]
    buckets.sort(key=lambda b: (-b.count, b.value))
    return buckets


def price_ranges(edges: tuple[int, ...]) -> list[tuple[int, int | None]]:
    """[from, to) pairs for the bucket bounds; the last is open-ended."""
    return [(edge, edges[i + 1] if i + 1 < len(edges) else None) for i, edge in enumerate(edges)]


def price_buckets(edges: tuple[int, ...], counts: Mapping[int, int]) -> list[PriceBucket]:
    """Every bucket, empty ones included; `counts` is keyed by the bucket's position."""
    return [
        PriceBucket(from_=low, to=high, count=counts.get(i, 0))
        for i, (low, high) in enumerate(price_ranges(edges))
    ]


def price_in(prices: Mapping[str, int] | None, currency: str) -> Money | None:
    amount = (prices or {}).get(currency)
    return None if amount is None else Money(int(amount), currency)
