"""Helpers for the `X` / `XCreate` / `XUpdate` msgspec schemas every service declares.

Bounded integer types for API input, so a number no column can store is a 422 naming its field
rather than a database error: `MinorUnits` (money amounts, PostgreSQL `bigint`), `Quantity`
(counts of units, `integer`), and the range constants behind them.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

__all__ = [
    "INT32_MAX",
    "INT64_MAX",
    "INT64_MIN",
    "MinorUnits",
    "NonNegativeMinorUnits",
    "Quantity",
    "set_fields",
]

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)

MinorUnits = Annotated[
    int,
    msgspec.Meta(
        ge=-INT64_MAX,
        le=INT64_MAX,
        description="Integer minor units of the currency (cents; yen for JPY).",
    ),
]
"""An amount of money in minor units that a PostgreSQL `bigint` column can store, either sign."""

NonNegativeMinorUnits = Annotated[
    int,
    msgspec.Meta(
        ge=0, le=INT64_MAX, description="Integer minor units of the currency (cents; yen for JPY)."
    ),
]
"""A price or a total: never negative, at most what a `bigint` column can store."""

Quantity = Annotated[
    int, msgspec.Meta(ge=1, le=INT32_MAX, description="A number of units, at least 1.")
]
"""A number of units ordered, reserved or moved: at least 1, fits a PostgreSQL `integer`."""


def set_fields(update: msgspec.Struct) -> dict[str, Any]:
    """The fields a PATCH body actually carried (those left `msgspec.UNSET` are not changes)."""
    return {
        name: value
        for name, value in msgspec.structs.asdict(update).items()
        if value is not msgspec.UNSET
    }
