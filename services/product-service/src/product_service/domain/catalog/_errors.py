"""The catalog's errors: each a problem+json with a `code` and the field it is about."""

from __future__ import annotations

from shopkit.errors import ConflictError, InvalidInputError, InvalidParam, NotFoundError


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


class InvalidSkuListError(InvalidInputError):
    code = "invalid-skus"


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
