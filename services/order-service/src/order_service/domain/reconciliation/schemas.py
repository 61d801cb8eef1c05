"""What admins read of the reconciliation."""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec


class ReconciliationRunOut(msgspec.Struct, kw_only=True):
    """One pass: the window of changes it compared, how much it compared, what it repaired.
    `finished_at` is null while it runs (or when its process died); `error` says why a run
    stopped early (a service that did not answer): the next run covers its window again."""

    id: uuid.UUID
    trigger: str  # schedule | admin
    started_at: datetime
    finished_at: datetime | None
    window_start: datetime
    window_end: datetime
    payments_checked: int
    reservations_checked: int
    orders_checked: int
    repaired: int
    unresolved: int
    error: str | None


class FindingOut(msgspec.Struct, kw_only=True):
    """A discrepancy and what was done: `action` is `needs_attention` (and `repaired` false)
    when only an admin can decide."""

    id: uuid.UUID
    run_id: uuid.UUID
    at: datetime
    kind: str
    action: str
    repaired: bool
    order_id: str | None
    payment_id: str | None
    reservation_id: str | None
    detail: str


class ReconciliationReport(msgspec.Struct, kw_only=True):
    """The latest runs, newest first, and the latest findings of any run, newest first."""

    runs: list[ReconciliationRunOut]
    findings: list[FindingOut]


class RunReport(msgspec.Struct, kw_only=True):
    run: ReconciliationRunOut
    findings: list[FindingOut]
