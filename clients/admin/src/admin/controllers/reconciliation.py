"""Reconciliation: what order-service's reconciliation compared (orders against payments and
reservations), each discrepancy it found and what it did about it, and a way to run it now
(order-service's `/api/ops/order-service/reconciliation`, admins only); and the payments
payment-service settled from what the payment provider said when its webhook never came
(`/api/ops/payment-service/provider-check`)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.response import Redirect, Template

from admin.deps import provide_api
from admin.gateway import Api, ApiError
from admin.pages import done, page, refused

PAGE = "/admin/reconciliation"
API = "/api/ops/order-service/reconciliation"
PROVIDER_API = "/api/ops/payment-service/provider-check"
RUNS, FINDINGS, SETTLEMENTS = 10, 100, 20

KINDS = {
    "payment_not_applied": "Paid, but the order never heard",
    "money_kept_on_cancelled_order": "Money kept on a cancelled order",
    "payment_not_accepted": "A payment the order does not accept",
    "payment_without_order": "A payment for an unknown order",
    "reservation_without_live_order": "Stock held for no live order",
    "stock_not_committed": "Stock of a confirmed order not taken",
    "confirmed_order_without_stock": "A confirmed order without its stock",
}
ACTIONS = {
    "payment_applied": "Payment applied to the order",
    "refund_requested": "Refund asked of payment-service",
    "reservation_released": "Reservation released",
    "reservation_committed": "Reservation committed",
    "needs_attention": "Needs an admin",
}


class ReconciliationController(Controller):
    path = PAGE
    dependencies = {"api": Provide(provide_api)}

    @get("/", name="reconciliation")
    async def reconciliation(
        self, request: Request[Any, Any, Any], api: NamedDependency[Api]
    ) -> Template:
        report = await api.get(API, runs=RUNS, findings=FINDINGS)
        findings = report.get("findings", [])
        try:
            provider = await api.get(PROVIDER_API, limit=SETTLEMENTS)
        except ApiError as exc:  # payment-service away: the rest of the page still helps
            provider = {"provider": None, "settlements": [], "error": exc.message}
        return page(
            request,
            "reconciliation.html",
            section="reconciliation",
            runs=report.get("runs", []),
            findings=findings,
            open_findings=[f for f in findings if not f["repaired"]],
            kinds=KINDS,
            actions=ACTIONS,
            provider=provider,
        )

    @post("/run", name="reconciliation.run")
    async def run(self, request: Request[Any, Any, Any], api: NamedDependency[Api]) -> Redirect:
        try:
            report = await api.post(f"{API}/runs")
        except ApiError as exc:
            return refused(request, PAGE, f"Not run. {exc.message}")
        run = report["run"]
        if run.get("error"):
            return refused(request, PAGE, f"The run stopped early: {run['error']}")
        compared = ", ".join(
            _count(run[f"{what}s_checked"], what) for what in ("payment", "reservation", "order")
        )
        return done(
            request,
            PAGE,
            f"Compared {compared}: {run['repaired']} repaired, {run['unresolved']} for an admin",
        )


def _count(number: int, what: str) -> str:
    return f"{number} {what}{'' if number == 1 else 's'}"
