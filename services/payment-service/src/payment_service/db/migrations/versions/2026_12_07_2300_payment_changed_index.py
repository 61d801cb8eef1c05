"""payments are found by status and time of last change (the reconciliation's window)

Revision ID: 5e1d7c93a402
Revises: c3f58a0e6b21
Create Date: 2026-12-07 23:00:00

order-service's reconciliation reads the payments that succeeded in a window of time every
minute; without this index that read scans every payment ever made.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "5e1d7c93a402"
down_revision: str | None = "c3f58a0e6b21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_payment_status_updated_at", "payment", ["status", "updated_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_payment_status_updated_at", table_name="payment")
