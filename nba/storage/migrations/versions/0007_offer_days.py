"""A daily summary of each offer's shows, outcomes and spend, for the console's catalog.

The catalog shows every offer's figures for all time and the last 7 and 30 days; summing the
decision log for each page view grows with the log. `offer_days` holds one row per offer and
past UTC day (filled from the log when a day is over, never edited), so a page view sums at
most a few hundred summary rows and the log of the current day.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the offer_days table (empty: it fills itself from the log on first use)."""
    op.create_table(
        "offer_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("offer_id", sa.String(), nullable=False),
        sa.Column("shows", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("accepts", sa.Integer(), nullable=False),
        sa.Column("spend", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("day", "offer_id"),
    )


def downgrade() -> None:
    """Drop offer_days (and the state row that says how far it goes)."""
    op.drop_table("offer_days")
    op.execute(sa.text("DELETE FROM state WHERE name = 'offer_days'"))
