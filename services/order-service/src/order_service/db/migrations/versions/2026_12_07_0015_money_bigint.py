"""money columns hold any amount product-service prices allow (bigint)

Revision ID: b7e41c2d9a10
Revises: 32c825a13d14
Create Date: 2026-12-07 00:15:00

Money in minor units was `integer` (int32): an order above 21,474,836.47 EUR (or
2,147,483,647 JPY), which product-service's `bigint` prices allow, could not be stored.
Widening a column keeps every value; the downgrade fails if a value no longer fits.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b7e41c2d9a10"
down_revision: str | None = "32c825a13d14"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.alter_column("orders", "total", type_=sa.BigInteger(), existing_type=sa.Integer(), existing_nullable=False)
    op.alter_column("orders", "refunded_total", type_=sa.BigInteger(), existing_type=sa.Integer(), existing_nullable=False)
    op.alter_column("order_line", "unit_price", type_=sa.BigInteger(), existing_type=sa.Integer(), existing_nullable=False)
    op.alter_column("order_line", "line_total", type_=sa.BigInteger(), existing_type=sa.Integer(), existing_nullable=False)


def downgrade() -> None:
    op.alter_column("orders", "total", type_=sa.Integer(), existing_type=sa.BigInteger(), existing_nullable=False)
    op.alter_column("orders", "refunded_total", type_=sa.Integer(), existing_type=sa.BigInteger(), existing_nullable=False)
    op.alter_column("order_line", "unit_price", type_=sa.Integer(), existing_type=sa.BigInteger(), existing_nullable=False)
    op.alter_column("order_line", "line_total", type_=sa.Integer(), existing_type=sa.BigInteger(), existing_nullable=False)
