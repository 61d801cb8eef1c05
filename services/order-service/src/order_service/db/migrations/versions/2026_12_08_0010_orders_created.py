"""orders are found by the time they were placed (the admin's summary of today)

Revision ID: 3b9e5f1a7c24
Revises: 8d2f4b6a1c37
Create Date: 2026-12-08 00:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "3b9e5f1a7c24"
down_revision: str | None = "8d2f4b6a1c37"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_orders_created", "orders", ["created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_orders_created", table_name="orders")
