"""Reconciliation: compares orders with the payments and reservations of the other services,
repairs what a lost event left behind, and reports every repair to admins."""

from order_service.domain.reconciliation._ledgers import Ledgers
from order_service.domain.reconciliation._reconciler import Reconciler
from order_service.domain.reconciliation._records import ReconciliationRecords
from order_service.domain.reconciliation.controllers import ReconciliationController

__all__ = ["Ledgers", "Reconciler", "ReconciliationController", "ReconciliationRecords"]
