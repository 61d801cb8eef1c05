"""The only code that reads the reconciliation's records for its report."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import noload

from order_service.db.models import ReconciliationFinding, ReconciliationRun


class ReconciliationRecords:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def latest_runs(self, limit: int) -> list[ReconciliationRun]:
        rows = await self._session.scalars(
            select(ReconciliationRun)
            .options(noload(ReconciliationRun.findings))
            .order_by(ReconciliationRun.started_at.desc())
            .limit(limit)
        )
        return list(rows.all())

    async def latest_findings(self, limit: int) -> list[ReconciliationFinding]:
        rows = await self._session.scalars(
            select(ReconciliationFinding)
            .options(noload(ReconciliationFinding.run))
            .order_by(ReconciliationFinding.created_at.desc(), ReconciliationFinding.id.desc())
            .limit(limit)
        )
        return list(rows.all())

    async def run(self, run_id: uuid.UUID) -> ReconciliationRun:
        """One run with its findings."""
        return await self._session.get_one(ReconciliationRun, run_id)
