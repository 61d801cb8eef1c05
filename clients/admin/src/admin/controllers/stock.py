"""Stock of one SKU: levels, set on hand, adjust by a signed amount, the movement ledger."""

from __future__ import annotations

import asyncio
import re
from typing import Any
from urllib.parse import quote, urlencode

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from admin.deps import provide_api
from admin.gateway import Api, ApiError
from admin.pages import done, page, refused
from admin.reports import low_stock

MOVEMENTS_PAGE = 50
# The SKU shape product-service enforces; anything else cannot have stock.
_SKU = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_INTEGER = re.compile(r"^[+-]?\d{1,10}$")


def _stock_page(sku: str) -> str:
    return "/admin/stock?" + urlencode({"sku": sku})


def _stock_api(sku: str) -> str:
    return f"/api/inventory/{quote(sku, safe='')}"


class StockController(Controller):
    path = "/admin/stock"
    dependencies = {"api": Provide(provide_api)}

    @get("/", name="stock")
    async def stock(
        self,
        request: Request[Any, Any, Any],
        api: NamedDependency[Api],
        sku: FromQuery[str] = "",
        offset: FromQuery[int] = 0,
    ) -> Template:
        sku = sku.strip()
        context: dict[str, Any] = {
            "sku": sku,
            "valid": bool(_SKU.match(sku)),
            "level": None,
            "movements": None,
            "missing": None,
        }
        if not sku:
            threshold = request.app.state.settings.admin.low_stock_threshold
            context["low_stock"] = await low_stock(api, threshold)
            context["threshold"] = threshold
        elif not context["valid"]:
            context["missing"] = f"{sku!r} is not a SKU code."
        else:
            offset = max(offset, 0)
            level_call = api.get(_stock_api(sku))
            movements_call = api.get(
                f"{_stock_api(sku)}/movements", limit=MOVEMENTS_PAGE, offset=offset
            )
            level: Any
            movements: Any
            level, movements = await asyncio.gather(
                level_call, movements_call, return_exceptions=True
            )
            for result in (level, movements):
                if isinstance(result, BaseException) and not isinstance(result, ApiError):
                    raise result
            if isinstance(level, ApiError):
                if level.status != 404:
                    raise level
                context["missing"] = f"There is no stock record for {sku} yet."
            else:
                context["level"] = level
            context["movements"] = None if isinstance(movements, ApiError) else movements
            context["offset"] = offset
            context["page_size"] = MOVEMENTS_PAGE
        return page(request, "stock.html", section="stock", **context)

    @get("/{sku:str}", name="stock.sku")
    async def stock_of(self, sku: FromPath[str]) -> Redirect:
        return Redirect(_stock_page(sku), status_code=303)

    @post("/{sku:str}/set", name="stock.set")
    async def set_stock(
        self, request: Request[Any, Any, Any], api: NamedDependency[Api], sku: FromPath[str]
    ) -> Redirect:
        here = _stock_page(sku)
        form = await request.form()
        on_hand = str(form.get("on_hand", "")).strip()
        threshold = str(form.get("low_stock_threshold", "")).strip()
        if not on_hand.isdigit() or len(on_hand) > 10:
            return refused(request, here, "On hand must be a whole number, 0 or more.")
        body: dict[str, Any] = {"on_hand": int(on_hand)}
        if threshold:
            if not threshold.isdigit() or len(threshold) > 10:
                return refused(request, here, "Low-stock threshold must be a whole number.")
            body["low_stock_threshold"] = int(threshold)
        try:
            await api.put(_stock_api(sku), body)
        except ApiError as exc:
            return refused(request, here, f"Stock not set. {exc.message}")
        return done(request, here, f"Stock of {sku} set to {int(on_hand)}")

    @post("/{sku:str}/adjust", name="stock.adjust")
    async def adjust_stock(
        self, request: Request[Any, Any, Any], api: NamedDependency[Api], sku: FromPath[str]
    ) -> Redirect:
        here = _stock_page(sku)
        form = await request.form()
        delta = str(form.get("delta", "")).strip()
        reason = str(form.get("reason", "")).strip()
        if not _INTEGER.match(delta) or int(delta) == 0:
            return refused(request, here, "Adjust by must be a whole number such as 5 or -3.")
        if not reason:
            return refused(request, here, "Give a reason for the adjustment.")
        try:
            await api.post(
                f"{_stock_api(sku)}/adjustments", {"delta": int(delta), "reason": reason}
            )
        except ApiError as exc:
            return refused(request, here, f"Stock not adjusted. {exc.message}")
        return done(request, here, f"Stock of {sku} adjusted by {int(delta):+d}")
