"""Exchange rates: units of each currency per 1 of the base currency (EUR)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.response import Redirect, Template

from admin.deps import provide_api
from admin.gateway import Api, ApiError
from admin.money import AmountError
from admin.pages import done, page, refused
from admin.prices import parse_rate


class RatesController(Controller):
    path = "/admin/rates"
    dependencies = {"api": Provide(provide_api)}

    @get("/", name="rates")
    async def rates(self, request: Request[Any, Any, Any], api: NamedDependency[Api]) -> Template:
        currencies = await api.get("/api/currencies")
        return page(
            request,
            "rates.html",
            section="rates",
            base=currencies.get("base_currency", "EUR"),
            currencies=[c for c in currencies.get("items", []) if not c.get("base")],
        )

    @post("/", name="rates.save")
    async def save_rates(
        self, request: Request[Any, Any, Any], api: NamedDependency[Api]
    ) -> Redirect:
        form = await request.form()
        currencies = await api.get("/api/currencies")
        base = currencies.get("base_currency", "EUR")
        rates: dict[str, str] = {}
        errors: list[str] = []
        for item in currencies.get("items", []):
            code = item["code"]
            if item.get("base"):
                continue
            typed = str(form.get(f"rate:{code}", "")).strip()
            if not typed:
                continue
            try:
                rates[code] = parse_rate(typed)
            except AmountError as exc:
                errors.append(f"Rate {base}→{code}: {exc}")
        if errors:
            return refused(request, "/admin/rates", "Not saved. " + " ".join(errors))
        if not rates:
            return refused(request, "/admin/rates", "Not saved. Enter at least one rate.")
        try:
            await api.put("/api/currencies/rates", {"rates": rates})
        except ApiError as exc:
            return refused(request, "/admin/rates", f"Not saved. {exc.message}")
        return done(request, "/admin/rates", "Rates saved")
