"""money columns hold any amount an order can total (bigint)

Revision ID: c3f58a0e6b21
Revises: 692693ca49d5
Create Date: 2026-12-07 00:15:00

Money in minor units was `integer` (int32): an order above 21,474,836.47 EUR (or
2,147,483,647 JPY), which product-service's `bigint` prices allow, could not be stored.
Widening a column keeps every value; the downgrade fails if a value no longer fits.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c3f58a0e6b21"
down_revision: str | None = "692693ca49d5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.alter_column("payment", "amount", type_=sa.BigInteger(), existing_type=sa.Integer(), existing_nullable=False)
    op.alter_column("payment", "refunded_amount", type_=sa.BigInteger(), existing_type=sa.Integer(), existing_nullable=False)
    op.alter_column("refund", "amount", type_=sa.BigInteger(), existing_type=sa.Integer(), existing_nullable=False)


def downgrade() -> None:
    op.alter_column("payment", "amount", type_=sa.Integer(), existing_type=sa.BigInteger(), existing_nullable=False)
    op.alter_column("payment", "refunded_amount", type_=sa.Integer(), existing_type=sa.BigInteger(), existing_nullable=False)
    op.alter_column("refund", "amount", type_=sa.Integer(), existing_type=sa.BigInteger(), existing_nullable=False)
