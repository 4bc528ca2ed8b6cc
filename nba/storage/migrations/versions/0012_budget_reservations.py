"""The budget reservation ledger: budgets by scope, and what each decision holds of them.

A decision that chooses a budgeted offer reserves its amount (1 accept, or the offer's cost)
with one conditional UPDATE on the budget's row, in the decision's transaction; its outcome
consumes or releases it. Rows are created when first needed, an offer's total seeded from
the accepts already in the log, so this migration only creates the tables.

Revision ID: 0012
Revises: 0015
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create budgets and budget_reservations."""
    op.create_table(
        "budgets",
        sa.Column("scope", sa.String(), nullable=False),
        sa.Column("unit", sa.String(), nullable=False),
        sa.Column("limit_amount", sa.Float(), nullable=False),
        sa.Column("reserved", sa.Float(), nullable=False),
        sa.Column("consumed", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope"),
    )
    op.create_table(
        "budget_reservations",
        sa.Column("decision_id", sa.String(), nullable=False),
        sa.Column("scope", sa.String(), nullable=False),
        sa.Column("amount", sa.Float(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("decision_id", "scope"),
    )


def downgrade() -> None:
    """Drop both tables."""
    op.drop_table("budget_reservations")
    op.drop_table("budgets")
