"""stock_item keeps its product's status, so stock of products not on sale is not public

Revision ID: 5d0c2f7a91b4
Revises: a3959493b35e
Create Date: 2026-12-06 23:00:00

Existing rows get NULL (no product event has told us yet): they stay readable, as before, until
their product's next event records its status.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from advanced_alchemy.types import DateTimeUTC
from alembic import op

revision: str = "5d0c2f7a91b4"
down_revision: str | None = "a3959493b35e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("stock_item", sa.Column("product_status", sa.String(length=16), nullable=True))
    op.add_column(
        "stock_item",
        sa.Column("product_status_at", DateTimeUTC(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("stock_item", "product_status_at")
    op.drop_column("stock_item", "product_status")
