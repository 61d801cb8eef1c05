from __future__ import annotations

import pytest
from storefront.controllers.orders import DECLINED, status_view
from storefront.gateway import ApiError
from storefront.reference import category_tree, find_category
from storefront.templating import query_with, status_label, variant_label, when

pytestmark = pytest.mark.unit

CATEGORIES = [
    {"id": "a", "slug": "audio", "name": "Audio", "parent_id": None, "path": ["audio"]},
    {
        "id": "h",
        "slug": "headphones",
        "name": "Headphones",
        "parent_id": "a",
        "path": ["audio", "headphones"],
    },
]


def test_variant_labels() -> None:
    assert variant_label({"colour": "Black", "size": "M"}, "TS-1") == "Black / M"
    assert variant_label({}, "TS-1") == "TS-1"


def test_query_with_changes_and_drops_keys() -> None:
    assert query_with({"q": "hat", "page": 2, "brand": None}, page=3) == "q=hat&page=3"
    assert query_with({"q": "hat", "page": 2}, page=None) == "q=hat"


def test_status_labels_and_times() -> None:
    assert status_label("awaiting_payment") == "Awaiting payment"
    assert status_label("on_hold") == "On hold"
    assert when("2026-12-02T00:34:28.730003Z") == "2 Dec 2026, 00:34 UTC"
    assert when(None) == ""


def test_category_tree_and_lookup() -> None:
    tree = category_tree(CATEGORIES)
    assert [c["slug"] for c in tree] == ["audio"]
    assert [c["slug"] for c in tree[0]["children"]] == ["headphones"]
    assert find_category(CATEGORIES, "headphones")["id"] == "h"  # type: ignore[index]
    assert find_category(CATEGORIES, "a")["slug"] == "audio"  # type: ignore[index]
    assert find_category(CATEGORIES, "nope") is None


def test_problem_messages_are_readable() -> None:
    error = ApiError(
        422,
        {
            "detail": "Validation failed",
            "invalid_params": [{"name": "postal_code", "reason": "too long"}],
        },
    )
    assert error.messages() == ["Postal code: too long"]
    assert ApiError(409, {"detail": "Only 0 left."}).messages() == ["Only 0 left."]


def test_a_declined_order_says_so() -> None:
    order = {"status": "cancelled", "cancel_reason": "payment_failed", "history": []}
    assert status_view(order)["message"] == DECLINED
    assert status_view(order)["settled"] is True
    waiting = {"status": "awaiting_payment", "history": []}
    assert status_view(waiting)["message"] is None
    assert status_view(waiting, just_declined=True)["message"] == DECLINED
