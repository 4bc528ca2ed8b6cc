"""Drop `offer_days`: the catalog reads its figures from the daily summaries (0009).

The catalog's figures and the overview and dashboards came from two rollups of the same log
that counted an outcome on different days; the catalog now sums `offer_band_days` like the
other pages, so one figure is the same wherever it is shown.

Revision ID: 0015
Revises: 0009
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Drop the offer_days table and the state row that said how far it went."""
    op.drop_table("offer_days")
    op.execute(sa.text("DELETE FROM state WHERE name = 'offer_days'"))


def downgrade() -> None:
    """Add offer_days back, empty (a version of nba that reads it fills it from the log)."""
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
