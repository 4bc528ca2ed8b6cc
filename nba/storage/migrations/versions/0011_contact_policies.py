"""Contact policies: the suppression list of customers who must not be contacted.

The policy document itself (window limits, cool-downs, quiet hours) is one row of `state`
(`contact_policy`); decisions are counted through `ix_decisions_customer_ts` (0008).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the suppressions table, keyed by customer id."""
    op.create_table(
        "suppressions",
        sa.Column("customer_id", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.String(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("customer_id"),
    )


def downgrade() -> None:
    """Drop the suppressions table."""
    op.drop_table("suppressions")
