"""Jinja filters and helpers the templates use; pure functions, tested without a server."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from litestar.plugins.jinja import JinjaTemplateEngine

from storefront.money import format_minor, format_money

STATUS_LABELS = {
    "pending": "Pending",
    "awaiting_payment": "Awaiting payment",
    "confirmed": "Confirmed",
    "shipped": "Shipped",
    "delivered": "Delivered",
    "cancelled": "Cancelled",
    "refunded": "Refunded",
}


def variant_label(options: Mapping[str, Any] | None, sku: str = "") -> str:
    """ "Black / M" from `{"colour": "Black", "size": "M"}`; the SKU when there are none."""
    values = [str(v) for v in (options or {}).values() if v not in (None, "")]
    return " / ".join(values) or sku


def query_with(params: Mapping[str, Any], **changes: Any) -> str:
    """The query string of `params` with `changes` applied (None removes a key)."""
    merged = {k: v for k, v in params.items() if v not in (None, "")}
    for key, value in changes.items():
        if value in (None, ""):
            merged.pop(key, None)
        else:
            merged[key] = value
    return urlencode(merged)


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status.replace("_", " ").capitalize())


def when(value: str | None) -> str:
    """An API timestamp for people: "2 Dec 2026, 00:34 UTC"."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return moment.strftime("%-d %b %Y, %H:%M UTC")


def configure(engine: JinjaTemplateEngine) -> None:
    env = engine.engine
    env.filters.update(
        money=format_money,
        variant_label=variant_label,
        status_label=status_label,
        when=when,
    )
    env.globals.update(minor=format_minor, query_with=query_with)
    env.trim_blocks = True
    env.lstrip_blocks = True
