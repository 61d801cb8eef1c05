"""The reconciliation for admins: `GET /api/ops/order-service/reconciliation` reports the
latest runs and findings, `POST .../runs` runs it now."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.status_codes import HTTP_201_CREATED
from shopkit.auth import requires_admin
from shopkit.openapi_problems import problem_responses

from order_service.config import SLUG
from order_service.db.models import ReconciliationFinding, ReconciliationRun
from order_service.domain.reconciliation._reconciler import (
    ADMIN,
    Reconciler,
    ReconciliationBusyError,
)
from order_service.domain.reconciliation._records import ReconciliationRecords
from order_service.domain.reconciliation.schemas import (
    FindingOut,
    ReconciliationReport,
    ReconciliationRunOut,
    RunReport,
)


def run_out(run: ReconciliationRun) -> ReconciliationRunOut:
    return ReconciliationRunOut(
        id=run.id,
        trigger=run.trigger,
        started_at=run.started_at,
        finished_at=run.finished_at,
        window_start=run.window_start,
        window_end=run.window_end,
        payments_checked=run.payments_checked,
        reservations_checked=run.reservations_checked,
        orders_checked=run.orders_checked,
        repaired=run.repaired,
        unresolved=run.unresolved,
        error=run.error,
    )


def finding_out(finding: ReconciliationFinding) -> FindingOut:
    return FindingOut(
        id=finding.id,
        run_id=finding.run_id,
        at=finding.created_at,
        kind=finding.kind,
        action=finding.action,
        repaired=finding.repaired,
        order_id=finding.order_id,
        payment_id=finding.payment_id,
        reservation_id=finding.reservation_id,
        detail=finding.detail,
    )


class ReconciliationController(Controller):
    path = f"/api/ops/{SLUG}/reconciliation"
    tags = ["operations"]
    guards = [requires_admin]

    @get("/", operation_id="getReconciliationReport")
    async def report(
        self,
        records: NamedDependency[ReconciliationRecords],
        runs: Annotated[
            int, QueryParameter(ge=1, le=100, description="how many of the latest runs")
        ] = 20,
        findings: Annotated[
            int, QueryParameter(ge=1, le=500, description="how many of the latest findings")
        ] = 100,
    ) -> ReconciliationReport:
        """The latest runs and the latest findings (each with what was done about it)."""
        latest_runs = await records.latest_runs(runs)
        latest_findings = await records.latest_findings(findings)
        return ReconciliationReport(
            runs=[run_out(run) for run in latest_runs],
            findings=[finding_out(finding) for finding in latest_findings],
        )

    @post(
        "/runs",
        operation_id="runReconciliation",
        status_code=HTTP_201_CREATED,
        responses=problem_responses(409, description="A run is under way on another replica"),
    )
    async def run_now(
        self,
        reconciler: NamedDependency[Reconciler],
        records: NamedDependency[ReconciliationRecords],
    ) -> RunReport:
        """Compare and repair now, and answer with the run and its findings (it takes as long
        as the comparison: seconds)."""
        run_id = await reconciler.run(ADMIN)
        if run_id is None:
            raise ReconciliationBusyError
        run = await records.run(run_id)
        return RunReport(run=run_out(run), findings=[finding_out(f) for f in run.findings])
