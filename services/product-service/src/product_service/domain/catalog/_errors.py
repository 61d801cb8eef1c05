"""The catalog's errors: each a problem+json with a `code` and the field it is about."""

from __future__ import annotations

import re

from shopkit.errors import ConflictError, InvalidInputError, InvalidParam, NotFoundError

_AT = re.compile(r"^(?P<reason>.*?)(?: - at `\$\.?(?P<path>[^`]*)`)?$")
_NAMED = re.compile(r"(?:required|unknown) field `(?P<field>[^`]+)`")


def invalid_body(message: str) -> InvalidInputError:
    """A 422 naming the field from a msgspec message ("... - at `$.variants[0].sku`")."""
    match = _AT.match(message)
    reason = match.group("reason") if match else message
    path = (match.group("path") if match else None) or ""
    named = _NAMED.search(reason)
    if named:
        path = f"{path}.{named.group('field')}" if path else named.group("field")
    return InvalidInputError(path or "body", reason)


class CategoryNotFoundError(NotFoundError):
    code = "category-not-found"


class ProductNotFoundError(NotFoundError):
    code = "product-not-found"


class UnknownCategoryError(InvalidInputError):
    code = "unknown-category"


class InvalidSlugError(InvalidInputError):
    code = "invalid-slug"


class UnsupportedCurrencyError(InvalidInputError):
    code = "unsupported-currency"


class InvalidPriceError(InvalidInputError):
    code = "invalid-price"


class InvalidRateError(InvalidInputError):
    code = "invalid-rate"


class DuplicateSkuInRequestError(InvalidInputError):
    code = "duplicate-sku"


class CategoryCycleError(InvalidInputError):
    code = "category-cycle"


class _NamedConflict(ConflictError):
    def __init__(self, field: str, detail: str) -> None:
        super().__init__(detail, invalid_params=[InvalidParam(name=field, reason=detail)])


class SlugTakenError(_NamedConflict):
    code = "slug-taken"


class SkuTakenError(_NamedConflict):
    code = "sku-taken"


class CategoryInUseError(ConflictError):
    code = "category-in-use"
