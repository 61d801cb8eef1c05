"""The dashboard: today's orders and revenue per currency, low stock, failed payments."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency, Provide
from litestar.response import Template

from admin.deps import provide_api
from admin.gateway import Api
from admin.pages import page
from admin.reports import failed_payments, low_stock, orders_today, since_label


class DashboardController(Controller):
    path = "/admin"
    dependencies = {"api": Provide(provide_api)}

    @get("/", name="dashboard")
    async def dashboard(
        self, request: Request[Any, Any, Any], api: NamedDependency[Api]
    ) -> Template:
        threshold = request.app.state.settings.admin.low_stock_threshold
        today, low, failed = await asyncio.gather(
            orders_today(api), low_stock(api, threshold), failed_payments(api)
        )
        return page(
            request,
            "dashboard.html",
            section="dashboard",
            today=today,
            since=since_label(today.since),
            low_stock=low,
            threshold=threshold,
            failed=failed,
        )
