"""A customer's decisions, newest first, from one index on (customer_id, ts).

The console looks decisions up by customer, newest first, a page at a time. The index on
customer_id alone found the rows but left them to be sorted by time; the index on
(customer_id, ts) gives them in order and replaces it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Replace the customer_id index by one on (customer_id, ts)."""
    op.create_index("ix_decisions_customer_ts", "decisions", ["customer_id", "ts"])
    op.drop_index("ix_decisions_customer_id", table_name="decisions")


def downgrade() -> None:
    """Back to the index on customer_id alone."""
    op.create_index("ix_decisions_customer_id", "decisions", ["customer_id"])
    op.drop_index("ix_decisions_customer_ts", table_name="decisions")
