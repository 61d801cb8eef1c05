"""the reconciliation's runs and findings; orders found by status and time of last change

Revision ID: 8d2f4b6a1c37
Revises: b7e41c2d9a10
Create Date: 2026-12-07 23:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision: str = "8d2f4b6a1c37"
down_revision: str | None = "b7e41c2d9a10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_orders_status_updated", "orders", ["status", "updated_at"], unique=False)
    op.create_table(
        "reconciliation_run",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("started_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("finished_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("window_start", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("window_end", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("payments_checked", sa.Integer(), nullable=False),
        sa.Column("reservations_checked", sa.Integer(), nullable=False),
        sa.Column("orders_checked", sa.Integer(), nullable=False),
        sa.Column("repaired", sa.Integer(), nullable=False),
        sa.Column("unresolved", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconciliation_run")),
    )
    op.create_index(
        op.f("ix_reconciliation_run_started_at"), "reconciliation_run", ["started_at"], unique=False
    )
    op.create_table(
        "reconciliation_finding",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("run_id", GUID(length=16), nullable=False),
        sa.Column("kind", sa.String(length=48), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=True),
        sa.Column("payment_id", sa.String(length=255), nullable=True),
        sa.Column("reservation_id", sa.String(length=255), nullable=True),
        sa.Column("action", sa.String(length=48), nullable=False),
        sa.Column("repaired", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.String(length=500), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["reconciliation_run.id"],
            name=op.f("fk_reconciliation_finding_run_id_reconciliation_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconciliation_finding")),
    )
    op.create_index(
        op.f("ix_reconciliation_finding_run_id"), "reconciliation_finding", ["run_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_reconciliation_finding_run_id"), table_name="reconciliation_finding")
    op.drop_table("reconciliation_finding")
    op.drop_index(op.f("ix_reconciliation_run_started_at"), table_name="reconciliation_run")
    op.drop_table("reconciliation_run")
    op.drop_index("ix_orders_status_updated", table_name="orders")
